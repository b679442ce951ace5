"""Talking to an OpenID provider as a client: discovery, JWKS, and form posts to its endpoints.

Only allow-listed issuers are reached (this server always; others by setting). Requests to
this server's own origin are served in-process, so the playground works behind any proxy or
NAT and in tests. Every exchange is recorded for the page with secrets masked.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from cclibs.clock import Clock
from cclibs.playground.bounded import read_bounded

__all__ = [
    "Exchange",
    "Provider",
    "ProviderDirectory",
    "ProviderError",
    "decode_jwt",
    "mask",
]

_CACHE_SECONDS = 300
_MAX_BODY = 1_000_000
_SENSITIVE = frozenset(
    {
        "client_secret",
        "code",
        "code_verifier",
        "refresh_token",
        "access_token",
        "id_token",
        "token",
        "device_code",
        "authorization",
    }
)


class ProviderError(Exception):
    """The provider could not be reached or answered nonsense; the message says which."""


def mask(name: str, value: str) -> str:
    """A secret's first and last characters, enough to tell two apart, never enough to use."""
    if name.lower() not in _SENSITIVE or len(value) < 12:
        return value if name.lower() not in _SENSITIVE else "•••"
    return f"{value[:6]}…{value[-4:]}"


@dataclass(frozen=True, slots=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str | None = None
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    introspection_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    end_session_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    authorization_response_iss_parameter_supported: bool = False
    """RFC 9207 §3: every authorization response then carries ``iss``."""

    def public(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.authorization_endpoint,
            "token_endpoint": self.token_endpoint,
            "userinfo_endpoint": self.userinfo_endpoint,
            "revocation_endpoint": self.revocation_endpoint,
            "introspection_endpoint": self.introspection_endpoint,
            "device_authorization_endpoint": self.device_authorization_endpoint,
            "jwks_uri": self.jwks_uri,
        }


@dataclass(slots=True)
class Exchange:
    """One HTTP exchange as the page shows it: secrets masked, bodies bounded."""

    title: str
    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_form: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None

    def public(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "method": self.method,
            "url": self.url,
            "request_headers": {k: mask(k, v) for k, v in self.request_headers.items()},
            "request_form": {k: mask(k, v) for k, v in self.request_form.items()},
            "status": self.status,
            "response": _masked_body(self.response),
        }


def _masked_body(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: mask(k, v) if isinstance(v, str) else v for k, v in body.items()}
    return body


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims of a compact JWS, unverified; None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = (
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        )
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return header, claims


class ProviderDirectory:
    """The providers the playground may use, found by discovery and cached for five minutes."""

    def __init__(
        self,
        own_issuer: str,
        other_issuers: tuple[str, ...],
        http: httpx.AsyncClient,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self.own_issuer = own_issuer
        self.allowed = (own_issuer, *(i for i in other_issuers if i != own_issuer))
        self._http = http
        self._providers: dict[str, tuple[float, Provider]] = {}
        self._jwks: dict[str, tuple[float, KeySet]] = {}

    def check_allowed(self, issuer: str) -> str:
        issuer = issuer.strip().rstrip("/")
        if issuer not in self.allowed:
            raise ProviderError(
                f"{issuer or 'That issuer'} is not one the playground may use. "
                f"Allowed: {', '.join(self.allowed)} (setting CCLIBS_PLAYGROUND_ISSUERS)."
            )
        return issuer

    async def discover(self, issuer: str) -> Provider:
        issuer = self.check_allowed(issuer)
        cached = self._providers.get(issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        document: dict[str, Any] | None = None
        # The standard location (OIDC Discovery §4), then IMS's, under /ims.
        for path in ("/.well-known/openid-configuration", "/ims/.well-known/openid-configuration"):
            try:
                status, content = await self._fetch("GET", issuer + path, timeout=10)
            except httpx.HTTPError as exc:
                raise ProviderError(
                    f"{issuer} cannot be reached: {exc.__class__.__name__}."
                ) from None
            if status == 200:
                document = _json_object(issuer + path, content)
                break
        if document is None:
            raise ProviderError(f"{issuer} publishes no OpenID configuration.")
        provider = _provider_from(issuer, document)
        self._providers[issuer] = (time.monotonic() + _CACHE_SECONDS, provider)
        return provider

    async def post_form(
        self,
        title: str,
        url: str,
        form: dict[str, str],
        *,
        basic: tuple[str, str] | None = None,
    ) -> Exchange:
        headers = {"Accept": "application/json"}
        if basic is not None:
            # RFC 6749 §2.3.1: the id and secret are form-urlencoded before base64.
            pair = urlencode({"a": basic[0]})[2:] + ":" + urlencode({"a": basic[1]})[2:]
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        exchange = Exchange(title, "POST", url, dict(headers), dict(form))
        try:
            status, content = await self._fetch("POST", url, data=form, headers=headers, timeout=15)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{url} cannot be reached: {exc.__class__.__name__}.") from None
        exchange.status = status
        exchange.response = _json_or_text(content)
        return exchange

    async def get_json(self, title: str, url: str, headers: dict[str, str]) -> Exchange:
        exchange = Exchange(title, "GET", url, dict(headers))
        try:
            status, content = await self._fetch("GET", url, headers=headers, timeout=15)
        except httpx.HTTPError as exc:
            raise ProviderError(f"{url} cannot be reached: {exc.__class__.__name__}.") from None
        exchange.status = status
        exchange.response = _json_or_text(content)
        return exchange

    async def _fetch(self, method: str, url: str, **options: Any) -> tuple[int, bytes]:
        """The status and at most 1 MB of the body: the rest is never read."""
        async with self._http.stream(method, url, **options) as response:
            content, _ = await read_bounded(response, _MAX_BODY)
            return response.status_code, content

    async def verify(self, provider: Provider, token: str, **expected: Any) -> dict[str, Any]:
        """Check a JWT's signature against the provider's JWKS, and the expected claims."""
        decoded = decode_jwt(token)
        if decoded is None:
            return {"jwt": False}
        header, claims = decoded
        result: dict[str, Any] = {"jwt": True, "header": header, "claims": claims}
        if not provider.jwks_uri:
            result["signature"] = "not checked: the provider publishes no JWKS"
            return result
        try:
            keys = await self._keys(provider, refresh=False)
            if header.get("kid") and not _has_kid(keys, str(header["kid"])):
                keys = await self._keys(provider, refresh=True)
            jwt.decode(token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        except ProviderError as exc:
            result["signature"] = f"not checked: {exc}"
            return result
        except (JoseError, ValueError) as exc:
            result["signature"] = f"invalid: {exc.__class__.__name__}"
            result["valid"] = False
            return result
        problems = [
            f"{name} is {claims.get(name)!r}, expected {value!r}"
            for name, value in expected.items()
            if value is not None and not _claim_matches(claims.get(name), value)
        ]
        exp = claims.get("exp")
        if isinstance(exp, int | float) and exp <= self._clock.now().timestamp():
            problems.append("expired")
        result["signature"] = f"valid (key {header.get('kid', '?')} from {provider.jwks_uri})"
        result["valid"] = not problems
        result["problems"] = problems
        return result

    async def _keys(self, provider: Provider, *, refresh: bool) -> KeySet:
        assert provider.jwks_uri is not None
        cached = self._jwks.get(provider.jwks_uri)
        if cached and cached[0] > time.monotonic() and not refresh:
            return cached[1]
        try:
            _, content = await self._fetch("GET", provider.jwks_uri, timeout=10)
            keys = KeySet.import_key_set(json.loads(content))
        except (httpx.HTTPError, ValueError, RecursionError, JoseError) as exc:
            raise ProviderError(f"the JWKS could not be read ({exc.__class__.__name__})") from None
        self._jwks[provider.jwks_uri] = (time.monotonic() + _CACHE_SECONDS, keys)
        return keys


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys.keys)


def _claim_matches(actual: Any, expected: Any) -> bool:
    if isinstance(actual, list):
        return expected in actual
    return bool(actual == expected)


def _json_object(url: str, content: bytes) -> dict[str, Any]:
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):
        raise ProviderError(f"{url} did not answer JSON.") from None
    if not isinstance(body, dict):
        raise ProviderError(f"{url} did not answer a JSON object.")
    return body


def _json_or_text(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return content.decode("utf-8", "replace")


def _provider_from(issuer: str, document: dict[str, Any]) -> Provider:
    """Validate a discovery document (OIDC Discovery §4.3: the issuer must be the one asked)."""
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderError(
            f"The configuration at {issuer} names the issuer {document.get('issuer')!r}."
        )

    def endpoint(name: str, required: bool = False) -> str | None:
        value = document.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
            raise ProviderError(f"The configuration at {issuer} has no valid {name}.")
        if urlsplit(value).scheme == "http" and _origin(value) != _origin(issuer):
            raise ProviderError(f"{name} at {issuer} is plain http on another host.")
        return value

    scopes = document.get("scopes_supported")
    return Provider(
        issuer=issuer,
        authorization_endpoint=str(endpoint("authorization_endpoint", True)),
        token_endpoint=str(endpoint("token_endpoint", True)),
        jwks_uri=endpoint("jwks_uri"),
        userinfo_endpoint=endpoint("userinfo_endpoint"),
        revocation_endpoint=endpoint("revocation_endpoint"),
        introspection_endpoint=endpoint("introspection_endpoint"),
        device_authorization_endpoint=endpoint("device_authorization_endpoint"),
        end_session_endpoint=endpoint("end_session_endpoint"),
        scopes_supported=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
        authorization_response_iss_parameter_supported=(
            document.get("authorization_response_iss_parameter_supported") is True
        ),
    )
