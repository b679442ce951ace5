"""The client credentials grant (RFC 6749 §4.4), for Server-to-Server credentials.

Only Server-to-Server credentials list this grant (``Client.grant_types``); the token endpoint
checks that before it calls the grant.
"""

from __future__ import annotations

from typing import Any

from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.errors import InvalidScope
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
        scope = check_scope(request, auth)
        token = await self._issuer.access_token(
            client_id=auth.client.client_id,
            subject=auth.client.client_id,
            scope=scope,
            ttl=auth.client.access_token_ttl,
        )
        return {
            "access_token": token.token,
            "token_type": "bearer",
            "expires_in": token.expires_in,
            "scope": " ".join(scope),
        }
