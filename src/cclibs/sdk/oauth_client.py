"""The client half of OAuth 2.0 over httpx: token requests, revocation, UserInfo, JWKS.

Every call maps failures to the SDK's errors: a transport failure is ``IssuerUnreachable``,
an OAuth error response (RFC 6749 §5.2) is ``OAuthServerError`` or one of its named cases.
Scopes go out comma-separated, as IMS documents them (cclibs accepts both forms).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from cclibs.sdk.endpoints import Endpoints, discover
from cclibs.sdk.endpoints import transport_reason as _reason
from cclibs.sdk.errors import (
    AccessDenied,
    InvalidClient,
    IssuerUnreachable,
    OAuthServerError,
    SdkError,
)
from cclibs.sdk.profiles import Profile

__all__ = ["DEVICE_GRANT", "OAuthClient", "oauth_error"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
_NAMED: dict[str, type[OAuthServerError]] = {
    "access_denied": AccessDenied,
    "invalid_client": InvalidClient,
}


def oauth_error(response: httpx.Response) -> SdkError:
    """The error an unsuccessful token, device or revocation response stands for."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        error = body["error"]
        description = body.get("error_description")
        kind = _NAMED.get(error, OAuthServerError)
        return kind(error, str(description) if description else None, response.status_code)
    return SdkError(f"{response.request.url} answered {response.status_code}")


class OAuthClient:
    """One profile's conversation with its identity server (synchronous httpx)."""

    def __init__(self, profile: Profile, http: httpx.Client | None = None) -> None:
        self.profile = profile
        self.client_id = profile.require_client_id()
        self._http = http or httpx.Client(timeout=httpx.Timeout(15.0), follow_redirects=False)
        self._endpoints: Endpoints | None = None
        self._jwks: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    @property
    def endpoints(self) -> Endpoints:
        if self._endpoints is None:
            self._endpoints = discover(self.profile, self._http)
        return self._endpoints

    # Requests with client authentication ----------------------------------------------

    def _post(self, url: str, data: dict[str, str]) -> httpx.Response:
        """POST a form as this client: Basic or parameters with a secret, else client_id."""
        auth: tuple[str, str] | None = None
        form = dict(data)
        secret = self.profile.client_secret
        if secret and self.profile.token_auth == "client_secret_basic":  # noqa: S105
            auth = (self.client_id, secret)  # RFC 6749 §2.3.1 (ids here need no encoding)
        else:
            form["client_id"] = self.client_id
            if secret:
                form["client_secret"] = secret
        try:
            if auth is not None:
                return self._http.post(url, data=form, auth=auth)
            return self._http.post(url, data=form)
        except httpx.TransportError as exc:
            raise IssuerUnreachable(f"cannot reach {self.profile.issuer}: {_reason(exc)}") from None

    def token_request(self, data: dict[str, str]) -> dict[str, Any]:
        response = self._post(self.endpoints.token_endpoint, data)
        if response.status_code != 200:
            raise oauth_error(response)
        try:
            body = response.json()
        except ValueError:
            raise SdkError("the token endpoint did not answer JSON") from None
        if not isinstance(body, dict):
            raise SdkError("the token endpoint did not answer a JSON object")
        return body

    def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        return self.token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self.token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})

    def client_credentials(self, scopes: Sequence[str]) -> dict[str, Any]:
        data = {"grant_type": "client_credentials"}
        if scopes:
            data["scope"] = ",".join(scopes)
        return self.token_request(data)

    def start_device(self, scopes: Sequence[str]) -> dict[str, Any]:
        url = self.endpoints.need("device_authorization_endpoint")
        response = self._post(url, {"scope": ",".join(scopes)})
        if response.status_code != 200:
            raise oauth_error(response)
        body = response.json()
        if not isinstance(body, dict) or "device_code" not in body:
            raise SdkError("the device authorization response has no device_code")
        return body

    def poll_device(self, device_code: str) -> dict[str, Any]:
        return self.token_request({"grant_type": DEVICE_GRANT, "device_code": device_code})

    def revoke(self, token: str, hint: str) -> None:
        """RFC 7009: 200 for any token, known or not; an error only for a bad request."""
        url = self.endpoints.need("revocation_endpoint")
        response = self._post(url, {"token": token, "token_type_hint": hint})
        if response.status_code != 200:
            raise oauth_error(response)

    # Bearer calls ------------------------------------------------------------------------

    def userinfo(self, access_token: str) -> httpx.Response:
        """GET UserInfo with the token and ``x-api-key`` (as IMS's samples send it)."""
        url = self.endpoints.need("userinfo_endpoint")
        headers = {"authorization": f"Bearer {access_token}", "x-api-key": self.client_id}
        try:
            return self._http.get(url, headers=headers)
        except httpx.TransportError as exc:
            raise IssuerUnreachable(f"cannot reach {self.profile.issuer}: {_reason(exc)}") from None

    def jwks(self, *, fresh: bool = False) -> dict[str, Any]:
        if self._jwks is None or fresh:
            url = self.endpoints.need("jwks_uri")
            try:
                response = self._http.get(url)
                response.raise_for_status()
                document = response.json()
            except httpx.TransportError as exc:
                raise IssuerUnreachable(f"cannot reach {url}: {_reason(exc)}") from None
            except (httpx.HTTPStatusError, ValueError):
                raise SdkError(f"{url} did not return a JWK set") from None
            if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
                raise SdkError(f"{url} did not return a JWK set")
            self._jwks = document
        return self._jwks
