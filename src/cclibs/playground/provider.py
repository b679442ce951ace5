"""The playground as an OAuth client of the providers it may use, through the SDK's core.

Discovery, JWKS, client authentication and JWT checks are ``cclibs.sdk``'s
(``AsyncOAuthClient``); what is the playground's own stays here: the allow-list of issuers
(this server always, others by setting), the metadata kept five minutes and shared by every
browser, the 1 MB bound on what a provider may make it read, and each exchange recorded for
the page with its secrets masked. Requests to this server's own origin are served in-process
by the httpx client ``assembly`` builds, so the playground works behind any proxy or NAT.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from cclibs.clock import Clock
from cclibs.sdk import AsyncOAuthClient, Endpoints, IssuerMetadata, OAuthExchange, Profile
from cclibs.sdk.errors import IdTokenError, SdkError
from cclibs.sdk.idtoken import expiry_problems, id_token_problems, peek

__all__ = ["Exchange", "ProviderDirectory", "ProviderError", "mask"]

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
    """A secret's first and last characters, enough to tell two apart, never enough to use.
    An Authorization header shows its scheme alone: the tail of a Basic value is base64 of
    the secret's last characters."""
    if name.lower() == "authorization":
        scheme, _, _ = value.partition(" ")
        return f"{scheme} •••" if scheme else "•••"
    if name.lower() not in _SENSITIVE or len(value) < 12:
        return value if name.lower() not in _SENSITIVE else "•••"
    return f"{value[:6]}…{value[-4:]}"


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

    @classmethod
    def of(cls, title: str, exchange: OAuthExchange) -> Exchange:
        sent = exchange.request
        return cls(
            title,
            sent.method,
            sent.url,
            dict(sent.headers),
            dict(sent.form or {}),
            exchange.status,
            exchange.body,
        )

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


class ProviderDirectory:
    """The providers the playground may use, and an SDK client for each request to one."""

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
        self._metadata: dict[str, IssuerMetadata] = {}

    def check_allowed(self, issuer: str) -> str:
        issuer = issuer.strip().rstrip("/")
        if issuer not in self.allowed:
            raise ProviderError(
                f"{issuer or 'That issuer'} is not one the playground may use. "
                f"Allowed: {', '.join(self.allowed)} (setting CCLIBS_PLAYGROUND_ISSUERS)."
            )
        return issuer

    def client(self, issuer: str, config: Mapping[str, Any] | None = None) -> AsyncOAuthClient:
        """An SDK client of an allowed issuer, as the credential in ``config`` (if any)."""
        issuer = self.check_allowed(issuer)
        metadata = self._metadata.get(issuer)
        if metadata is None:
            metadata = self._metadata[issuer] = IssuerMetadata(issuer, max_age=_CACHE_SECONDS)
        config = config or {}
        basic = config.get("auth_method") == "client_secret_basic"
        profile = Profile(
            name="playground",
            issuer=issuer,
            client_id=str(config.get("client_id") or "") or None,
            client_secret=str(config.get("client_secret") or "") or None,
            token_auth="client_secret_basic" if basic else "client_secret_post",
        )
        return AsyncOAuthClient(profile, self._http, metadata=metadata, max_body=_MAX_BODY)

    async def discover(self, issuer: str) -> Endpoints:
        client = self.client(issuer)
        try:
            return await client.endpoints()
        except SdkError as exc:
            raise ProviderError(f"{client.profile.issuer}: {exc}.") from None

    async def post_form(
        self, title: str, config: Mapping[str, Any], endpoint: str, form: dict[str, str]
    ) -> Exchange:
        """POST to the named endpoint of the configured issuer, as the configured client
        (its secret as ``auth_method`` says, or its id alone); the answer, whatever it is."""
        client = self.client(str(config["issuer"]), config)
        try:
            return Exchange.of(title, await client.send(endpoint, form))
        except SdkError as exc:
            raise ProviderError(f"{title}: {exc}.") from None

    async def verify(
        self, issuer: str, token: str, *, client_id: str | None = None, nonce: str | None = None
    ) -> dict[str, Any]:
        """A token as the page shows it: decoded, its signature checked against the issuer's
        JWKS, and its claims (an ID token's when ``client_id`` is given) checked."""
        decoded = peek(token)
        if decoded is None:
            return {"jwt": False}
        header, claims = decoded
        result: dict[str, Any] = {"jwt": True, "header": header, "claims": claims}
        client = self.client(issuer)
        try:
            jwks_uri = (await client.endpoints()).need("jwks_uri")
            await client.verify_jwt(token)
        except IdTokenError as exc:
            result.update(signature=f"invalid: {exc}", valid=False)
            return result
        except SdkError as exc:
            result["signature"] = f"not checked: {exc}"
            return result
        now = self._clock.now().timestamp()
        problems = (
            id_token_problems(claims, issuer=issuer, client_id=client_id, nonce=nonce, now=now)
            if client_id is not None
            else expiry_problems(claims, now)
        )
        result["signature"] = f"valid (key {header.get('kid', '?')} from {jwks_uri})"
        result.update(valid=not problems, problems=problems)
        return result
