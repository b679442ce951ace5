"""The token endpoint (RFC 6749 §3.2): authenticate the client, then run its grant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cclibs.oauth.client_auth import AuthenticatedClient, ClientAuthenticator
from cclibs.oauth.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from cclibs.oauth.grants.client_credentials import client_credentials
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.tokens import TokenIssuer

__all__ = ["GRANTS", "TokenEndpoint"]

Grant = Callable[[OAuthRequest, AuthenticatedClient, TokenIssuer], Awaitable[dict[str, Any]]]

GRANTS: dict[str, Grant] = {
    "client_credentials": client_credentials,
}


def check_grant_type(request: OAuthRequest) -> Grant:
    grant_type = request.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("grant_type is required.")
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"The grant type {grant_type[:60]!r} is not supported.")
    return grant


def check_client_may_use(auth: AuthenticatedClient, grant_type: str) -> None:
    if grant_type not in auth.client.grant_types:
        raise UnauthorizedClient(
            f"A {auth.client.type.label} credential may not use the {grant_type} grant."
        )


class TokenEndpoint:
    def __init__(self, authenticator: ClientAuthenticator, issuer: TokenIssuer) -> None:
        self._authenticator = authenticator
        self._issuer = issuer

    async def handle(self, request: OAuthRequest) -> dict[str, Any]:
        grant = check_grant_type(request)
        auth = await self._authenticator.authenticate(request)
        check_client_may_use(auth, request.params["grant_type"])
        return await grant(request, auth, self._issuer)
