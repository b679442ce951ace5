"""Where the identity server's endpoints are: explicit in the profile, or discovered.

Discovery (RFC 8414; OpenID Connect Discovery 1.0 §4) reads
``{issuer}/.well-known/openid-configuration``, or IMS's ``{issuer}/ims/.well-known/...``.
A discovered document is checked before anything in it is used: its ``issuer`` must be the
one asked (Discovery §4.3, or a server could speak for another), and no endpoint may be plain
http on another host than the issuer's (tokens and secrets would cross the network in clear,
to a host the issuer merely names). This module does no I/O: ``conversation`` fetches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from cclibs.sdk.errors import ConfigurationError, IssuerUnreachable

__all__ = ["DISCOVERY_PATHS", "ENDPOINT_FIELDS", "Endpoints", "read_discovery", "transport_reason"]

DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/ims/.well-known/openid-configuration")
ENDPOINT_FIELDS = (
    "token_endpoint",
    "authorization_endpoint",
    "userinfo_endpoint",
    "revocation_endpoint",
    "introspection_endpoint",
    "device_authorization_endpoint",
    "end_session_endpoint",
    "jwks_uri",
)


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    token_endpoint: str
    authorization_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    revocation_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    jwks_uri: str | None = None
    introspection_endpoint: str | None = None
    end_session_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    authorization_response_iss_parameter_supported: bool = False
    """RFC 9207 §3: every authorization response then carries ``iss``; one without is forged."""

    def need(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise ConfigurationError(f"{self.issuer} has no {name.replace('_', ' ')}")
        return str(value)

    def urls(self) -> dict[str, str | None]:
        """The endpoints by their discovery names (for showing them)."""
        return {"issuer": self.issuer, **{name: getattr(self, name) for name in ENDPOINT_FIELDS}}

    @classmethod
    def from_mapping(cls, issuer: str, values: Mapping[str, Any]) -> Endpoints:
        """Endpoints as a profile names them, or from a discovery document already checked."""

        def url(name: str) -> str | None:
            value = values.get(name)
            return value if isinstance(value, str) and value else None

        token = url("token_endpoint")
        if token is None:
            raise ConfigurationError(f"{issuer}: no token_endpoint")
        scopes = values.get("scopes_supported")
        return cls(
            issuer=issuer,
            token_endpoint=token,
            authorization_endpoint=url("authorization_endpoint"),
            userinfo_endpoint=url("userinfo_endpoint"),
            revocation_endpoint=url("revocation_endpoint"),
            device_authorization_endpoint=url("device_authorization_endpoint"),
            jwks_uri=url("jwks_uri"),
            introspection_endpoint=url("introspection_endpoint"),
            end_session_endpoint=url("end_session_endpoint"),
            scopes_supported=tuple(str(s) for s in scopes) if isinstance(scopes, list) else (),
            authorization_response_iss_parameter_supported=(
                values.get("authorization_response_iss_parameter_supported") is True
            ),
        )


def read_discovery(issuer: str, response: httpx.Response) -> Endpoints:
    """The endpoints a discovery response names, once the document passes the checks."""
    url = str(response.request.url)
    if response.status_code != 200:
        raise IssuerUnreachable(
            f"{url} answered {response.status_code} without a discovery document"
        )
    try:
        document = json.loads(response.content)
    except (ValueError, RecursionError):
        raise IssuerUnreachable(f"{url} did not return a JSON object") from None
    if not isinstance(document, dict):
        raise IssuerUnreachable(f"{url} did not return a JSON object")
    if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        raise ConfigurationError(
            f"{url} names the issuer {document.get('issuer')!r}, not {issuer!r}"
        )
    for name in ENDPOINT_FIELDS:
        _check_endpoint(issuer, name, document.get(name))
    return Endpoints.from_mapping(str(document["issuer"]), document)


def _check_endpoint(issuer: str, name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise ConfigurationError(f"the configuration of {issuer} has no valid {name}")
    if urlsplit(value).scheme == "http" and _origin(value) != _origin(issuer):
        raise ConfigurationError(f"the {name} of {issuer} is plain http on another host")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def transport_reason(exc: httpx.TransportError) -> str:
    """One line saying why: httpx's message, or the exception's name when it has none."""
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
