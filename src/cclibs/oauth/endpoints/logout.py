"""Logout: IMS's front-channel ``/ims/logout/v1`` and OIDC RP-Initiated Logout 1.0.

Either way the browser is sent back only to a URI registered for the client (no open
redirect); otherwise the user sees a "signed out" page. An ID token given as
``id_token_hint`` may have expired (RP-Initiated Logout §2), but it must carry our signature.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from cclibs.oauth.errors import InvalidRedirectTarget, InvalidRequest
from cclibs.oauth.issuance import ID_TOKEN_ALG
from cclibs.oauth.keys import InvalidJwt, KeyManager
from cclibs.oauth.redirects import resolve_redirect_uri
from cclibs.oauth.registration import ClientRegistry

__all__ = ["LogoutEndpoint", "LogoutRequest"]


@dataclass(frozen=True, slots=True)
class LogoutRequest:
    client_id: str | None
    """The client named by ``client_id`` or by the hint's ``aud``."""
    subject: str | None
    """The user the ID token hint names (None without a valid hint)."""
    return_to: str | None
    """Where to send the browser afterwards: a registered URI with ``state``, or None."""


class LogoutEndpoint:
    def __init__(self, issuer: str, keys: KeyManager, clients: ClientRegistry) -> None:
        self._issuer = issuer
        self._keys = keys
        self._clients = clients

    async def check(
        self,
        *,
        client_id: str | None,
        redirect_uri: str | None,
        id_token_hint: str | None = None,
        state: str | None = None,
    ) -> LogoutRequest:
        subject = None
        if id_token_hint:
            hinted_client, subject = await self._hint(id_token_hint)
            if client_id and client_id != hinted_client:
                raise InvalidRequest("client_id does not match the id_token_hint.")
            client_id = hinted_client
        return_to = None
        if redirect_uri:
            client = await self._clients.get(client_id) if client_id else None
            if client is None:
                raise InvalidRedirectTarget("A redirect after logout needs a known client_id.")
            uri = resolve_redirect_uri(redirect_uri, client.redirect_policy)
            if state:
                separator = "&" if "?" in uri else "?"
                uri = f"{uri}{separator}{urlencode({'state': state[:4096]})}"
            return_to = uri
        return LogoutRequest(client_id=client_id, subject=subject, return_to=return_to)

    async def _hint(self, token: str) -> tuple[str, str]:
        ring = await self._keys.keyring()
        try:
            _, claims = ring.verify(token, algs={ID_TOKEN_ALG}, typ="JWT")
        except InvalidJwt:
            raise InvalidRequest("id_token_hint is not an ID token from this server.") from None
        audience = claims.get("aud")
        if claims.get("iss") != self._issuer or not isinstance(audience, str):
            raise InvalidRequest("id_token_hint is not an ID token from this server.")
        return audience, str(claims.get("sub"))
