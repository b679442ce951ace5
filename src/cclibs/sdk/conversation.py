"""The OAuth client's conversation with its identity server, written once and without I/O.

Each operation is a generator: it yields the ``OAuthRequest`` it needs sent, receives the
``httpx.Response``, and returns its result or raises one of the SDK's errors. The sync
``OAuthClient`` and the ``AsyncOAuthClient`` only send what it yields (``drivers``), so
discovery, client authentication, error parsing and the JWKS refetch exist once for both.

Client authentication follows RFC 6749 §2.3.1: with a secret, HTTP Basic (id and secret
form-urlencoded, then base64) or both as form parameters, as the profile says; without one,
``client_id`` alone (a public client, §2.1). Scopes go out comma-separated, as IMS documents
them (cclibs accepts both forms).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar
from urllib.parse import quote_plus

import httpx

from cclibs.sdk.endpoints import DISCOVERY_PATHS, Endpoints, read_discovery
from cclibs.sdk.errors import (
    AccessDenied,
    InvalidClient,
    IssuerUnreachable,
    OAuthServerError,
    SdkError,
)
from cclibs.sdk.idtoken import checked_id_token, unknown_kid, verify_signature
from cclibs.sdk.profiles import Profile

__all__ = [
    "DEVICE_GRANT",
    "Conversation",
    "IssuerMetadata",
    "OAuthExchange",
    "OAuthRequest",
    "Step",
    "client_authentication",
    "oauth_error",
]

T = TypeVar("T")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_JSON = {"Accept": "application/json"}
_NAMED: dict[str, type[OAuthServerError]] = {
    "access_denied": AccessDenied,
    "invalid_client": InvalidClient,
}


@dataclass(frozen=True)
class OAuthRequest:
    """A request as the conversation wants it sent; the client adds its own defaults."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None


Step: TypeAlias = Generator[OAuthRequest, httpx.Response, T]
"""An operation: yields requests, is sent their responses, returns its result."""


@dataclass(frozen=True)
class OAuthExchange:
    """One request and its answer, error responses included, nothing raised: for a caller
    that shows the exchange (the playground) or reads an error response itself."""

    request: OAuthRequest
    status: int
    body: Any
    """The JSON value the server answered, else its text."""

    def error(self) -> SdkError:
        """The error an unsuccessful answer stands for (RFC 6749 §5.2)."""
        return _error_of(self.status, self.body, self.request.url)

    def json_object(self, what: str) -> dict[str, Any]:
        """The body of a 200 answer that must be a JSON object; otherwise the error."""
        if self.status != 200:
            raise self.error()
        if not isinstance(self.body, dict):
            raise SdkError(f"{what} did not answer a JSON object")
        return self.body


def oauth_error(response: httpx.Response) -> SdkError:
    """The error an unsuccessful token, device or revocation response stands for."""
    return _error_of(response.status_code, _body(response.content), str(response.request.url))


def _error_of(status: int, body: Any, url: str) -> SdkError:
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        description = body.get("error_description")
        kind = _NAMED.get(body["error"], OAuthServerError)
        return kind(body["error"], str(description) if description else None, status)
    return SdkError(f"{url} answered {status}")


def _body(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return content.decode("utf-8", "replace")


def client_authentication(
    form: Mapping[str, str], profile: Profile
) -> tuple[dict[str, str], dict[str, str]]:
    """The form and headers that authenticate ``profile``'s client (RFC 6749 §2.3.1)."""
    client_id = profile.require_client_id()
    secret = profile.client_secret
    sent = dict(form)
    if secret and profile.token_auth == "client_secret_basic":  # noqa: S105 - a method name
        pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
        return sent, {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    sent["client_id"] = client_id
    if secret:
        sent["client_secret"] = secret
    return sent, {}


class IssuerMetadata:
    """What one identity server publishes, its endpoints and its keys, fetched when first
    needed and kept ``max_age`` seconds (for the client's life when None). Clients of the
    same server may share one."""

    def __init__(
        self,
        issuer: str,
        explicit: Mapping[str, str] | None = None,
        *,
        max_age: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self._explicit = dict(explicit or {})
        self._max_age = max_age
        self._clock = clock
        self._endpoints: tuple[float, Endpoints] | None = None
        self._jwks: tuple[float, dict[str, Any]] | None = None

    def _fresh(self, cached: tuple[float, Any] | None) -> bool:
        return cached is not None and (self._max_age is None or cached[0] > self._clock())

    def _stamp(self) -> float:
        return self._clock() + (self._max_age or 0)

    def endpoints(self) -> Step[Endpoints]:
        if self._explicit:
            return Endpoints.from_mapping(self.issuer, self._explicit)
        if self._endpoints is not None and self._fresh(self._endpoints):
            return self._endpoints[1]
        base = self.issuer.rstrip("/")
        for path in DISCOVERY_PATHS:
            response = yield OAuthRequest("GET", base + path, _JSON)
            if response.status_code != 404:
                found = read_discovery(self.issuer, response)
                self._endpoints = (self._stamp(), found)
                return found
        raise IssuerUnreachable(f"{self.issuer} publishes no OpenID Connect discovery document")

    def jwks(self, *, fresh: bool = False) -> Step[dict[str, Any]]:
        if self._jwks is not None and self._fresh(self._jwks) and not fresh:
            return self._jwks[1]
        url = (yield from self.endpoints()).need("jwks_uri")
        response = yield OAuthRequest("GET", url, _JSON)
        document = _body(response.content) if response.status_code == 200 else None
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise SdkError(f"{url} did not return a JWK set")
        self._jwks = (self._stamp(), document)
        return document

    def keys_for(self, token: str) -> Step[dict[str, Any]]:
        """The key set, fetched again once when the token names a key it lacks (rotation)."""
        keys = yield from self.jwks()
        if unknown_kid(token, keys):
            keys = yield from self.jwks(fresh=True)
        return keys


class Conversation:
    """One client's operations against its identity server, as steps."""

    def __init__(self, profile: Profile, metadata: IssuerMetadata) -> None:
        self.profile = profile
        self.metadata = metadata

    def exchange(
        self, endpoint: str, form: Mapping[str, str], *, authenticate: bool = True
    ) -> Step[OAuthExchange]:
        """POST ``form`` to the named endpoint as this client; the answer, whatever it is."""
        url = (yield from self.metadata.endpoints()).need(endpoint)
        sent, headers = client_authentication(form, self.profile) if authenticate else (form, {})
        request = OAuthRequest("POST", url, {**_JSON, **headers}, dict(sent))
        response = yield request
        return OAuthExchange(request, response.status_code, _body(response.content))

    def token_request(self, data: Mapping[str, str]) -> Step[dict[str, Any]]:
        answer = yield from self.exchange("token_endpoint", data)
        return answer.json_object("the token endpoint")

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> Step[dict[str, Any]]:
        return (
            yield from self.token_request(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                }
            )
        )

    def refresh(self, refresh_token: str) -> Step[dict[str, Any]]:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return (yield from self.token_request(data))

    def client_credentials(self, scopes: Sequence[str]) -> Step[dict[str, Any]]:
        data = {"grant_type": "client_credentials"}
        if scopes:
            data["scope"] = ",".join(scopes)
        return (yield from self.token_request(data))

    def start_device(self, scopes: Sequence[str]) -> Step[dict[str, Any]]:
        """RFC 8628 §3.1: the device and user codes, and where the user goes."""
        answer = yield from self.exchange(
            "device_authorization_endpoint", {"scope": ",".join(scopes)}
        )
        body = answer.json_object("the device authorization endpoint")
        if "device_code" not in body:
            raise SdkError("the device authorization response has no device_code")
        return body

    def poll_device(self, device_code: str) -> Step[dict[str, Any]]:
        return (
            yield from self.token_request({"grant_type": DEVICE_GRANT, "device_code": device_code})
        )

    def revoke(self, token: str, hint: str) -> Step[None]:
        """RFC 7009: 200 for any token, known or not; an error only for a bad request."""
        answer = yield from self.exchange(
            "revocation_endpoint", {"token": token, "token_type_hint": hint}
        )
        if answer.status != 200:
            raise answer.error()

    def introspect(self, token: str, hint: str) -> Step[dict[str, Any]]:
        """RFC 7662 §2: the token's state as the server sees it (``active`` and claims)."""
        answer = yield from self.exchange(
            "introspection_endpoint", {"token": token, "token_type_hint": hint}
        )
        return answer.json_object("the introspection endpoint")

    def userinfo(self, access_token: str) -> Step[httpx.Response]:
        """GET UserInfo with the token and ``x-api-key`` (as IMS's samples send it)."""
        url = (yield from self.metadata.endpoints()).need("userinfo_endpoint")
        headers = {**_JSON, "Authorization": f"Bearer {access_token}"}
        headers["x-api-key"] = self.profile.require_client_id()
        return (yield OAuthRequest("GET", url, headers))

    def verify_jwt(self, token: str) -> Step[dict[str, Any]]:
        """The claims of a JWT signed by one of the issuer's keys (no claim checked)."""
        return verify_signature(token, (yield from self.metadata.keys_for(token)))

    def verify_id_token(
        self, id_token: str, *, nonce: str | None, now: float
    ) -> Step[dict[str, Any]]:
        """An ID token's claims, verified as OIDC Core §3.1.3.7 says (``idtoken``)."""
        keys = yield from self.metadata.keys_for(id_token)
        endpoints = yield from self.metadata.endpoints()
        return checked_id_token(
            id_token,
            keys,
            issuer=endpoints.issuer,
            client_id=self.profile.require_client_id(),
            nonce=nonce,
            now=now,
        )
