"""Where the identity server's endpoints are: explicit in the profile, or discovered.

Discovery (RFC 8414; OpenID Connect Discovery 1.0 §4) reads
``{issuer}/.well-known/openid-configuration``, or IMS's ``{issuer}/ims/.well-known/...``,
and refuses a document whose ``issuer`` is not the profile's (Discovery §4.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from cclibs.sdk.errors import ConfigurationError, IssuerUnreachable
from cclibs.sdk.profiles import Profile

__all__ = ["Endpoints", "discover", "transport_reason"]

_DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/ims/.well-known/openid-configuration")


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    token_endpoint: str
    authorization_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    jwks_uri: str | None = None

    def need(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise ConfigurationError(f"{self.issuer} has no {name.replace('_', ' ')}")
        return str(value)

    @classmethod
    def from_mapping(cls, issuer: str, values: dict[str, Any]) -> Endpoints:
        def url(name: str) -> str | None:
            value = values.get(name)
            return value if isinstance(value, str) and value else None

        token = url("token_endpoint")
        if token is None:
            raise ConfigurationError(f"{issuer}: no token_endpoint")
        return cls(
            issuer=issuer,
            token_endpoint=token,
            authorization_endpoint=url("authorization_endpoint"),
            userinfo_endpoint=url("userinfo_endpoint"),
            revocation_endpoint=url("revocation_endpoint"),
            device_authorization_endpoint=url("device_authorization_endpoint"),
            jwks_uri=url("jwks_uri"),
        )


def discover(profile: Profile, http: httpx.Client) -> Endpoints:
    if profile.endpoints:
        return Endpoints.from_mapping(profile.issuer, dict(profile.endpoints))
    base = profile.issuer.rstrip("/")
    for path in _DISCOVERY_PATHS:
        url = base + path
        try:
            response = http.get(url, headers={"accept": "application/json"})
        except httpx.TransportError as exc:
            raise IssuerUnreachable(
                f"cannot reach {profile.issuer}: {transport_reason(exc)}"
            ) from None
        if response.status_code == 404:
            continue
        try:
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPStatusError, ValueError):
            raise IssuerUnreachable(
                f"{url} answered {response.status_code} without a discovery document"
            ) from None
        if not isinstance(document, dict):
            raise IssuerUnreachable(f"{url} did not return a JSON object")
        if str(document.get("issuer", "")).rstrip("/") != base:
            raise ConfigurationError(
                f"{url} names the issuer {document.get('issuer')!r}, not {profile.issuer!r}"
            )
        return Endpoints.from_mapping(str(document["issuer"]), document)
    raise IssuerUnreachable(f"{profile.issuer} publishes no OpenID Connect discovery document")


def transport_reason(exc: httpx.TransportError) -> str:
    """One line saying why: httpx's message, or the exception's name when it has none."""
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
