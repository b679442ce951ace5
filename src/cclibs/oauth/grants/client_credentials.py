"""The client credentials grant (RFC 6749 §4.4), for Server-to-Server credentials.

Only Server-to-Server credentials list this grant (``Client.grant_types``); the token endpoint
checks that before it calls the grant.
"""

from __future__ import annotations

from typing import Any

from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.errors import InvalidScope, UnauthorizedClient
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.scopes import parse_scopes
from cclibs.oauth.tokens import TokenIssuer

__all__ = ["ClientCredentialsGrant"]


def check_scope(request: OAuthRequest, auth: AuthenticatedClient) -> tuple[str, ...]:
    """The requested scopes, which must all be allowed; none requested means all allowed."""
    try:
        requested = parse_scopes(request.get("scope"))
    except ValueError as exc:
        raise InvalidScope(str(exc)) from None
    allowed = auth.client.allowed_scopes
    if not requested:
        return tuple(sorted(allowed))
    refused = [s for s in requested if s not in allowed]
    if refused:
        raise InvalidScope(f"This credential may not request: {', '.join(refused)}.")
    if "offline_access" in requested:
        raise InvalidScope("The client_credentials grant issues no refresh tokens.")
    return requested


class ClientCredentialsGrant:
    def __init__(self, issuer: TokenIssuer) -> None:
        self._issuer = issuer

    async def __call__(self, request: OAuthRequest, auth: AuthenticatedClient) -> dict[str, Any]:
        return await self.issue(auth.client, check_scope(request, auth))

    async def issue(self, client: Client, scope: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The token response for ``client`` (all its scopes by default).

        The console calls this directly for the credential's owner ("Generate access token"),
        who is signed in and cannot see the secret again.
        """
        if client.type is not ClientType.SERVER:
            raise UnauthorizedClient("Only Server-to-Server credentials use client_credentials.")
        if scope is None:
            scope = tuple(sorted(client.allowed_scopes - {"offline_access"}))
        token = await self._issuer.access_token(
            client_id=client.client_id,
            subject=client.client_id,
            scope=scope,
            ttl=client.access_token_ttl,
        )
        return {
            "access_token": token.token,
            "token_type": "bearer",
            "expires_in": token.expires_in,
            "scope": " ".join(scope),
        }
