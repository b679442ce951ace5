"""The token endpoint (RFC 6749 §3.2): authenticate the client, then run its grant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cclibs.oauth.client_auth import AuthenticatedClient, ClientAuthenticator
from cclibs.oauth.errors import InvalidRequest, UnauthorizedClient, UnsupportedGrantType
from cclibs.oauth.messages import OAuthRequest

__all__ = ["GRANT_TYPES", "Grant", "TokenEndpoint"]

Grant = Callable[[OAuthRequest, AuthenticatedClient], Awaitable[dict[str, Any]]]

GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    "urn:ietf:params:oauth:grant-type:device_code",
)
"""Every grant the endpoint serves; discovery advertises exactly these."""


def check_grant_type(request: OAuthRequest, grants: Mapping[str, Grant]) -> tuple[str, Grant]:
    grant_type = request.get("grant_type")
    if grant_type is None:
        raise InvalidRequest("grant_type is required.")
    grant = grants.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"The grant type {grant_type[:60]!r} is not supported.")
    return grant_type, grant


def check_client_may_use(auth: AuthenticatedClient, grant_type: str) -> None:
    if grant_type not in auth.client.grant_types:
        raise UnauthorizedClient(
            f"A {auth.client.type.label} credential may not use the {grant_type} grant."
        )


class TokenEndpoint:
    def __init__(self, authenticator: ClientAuthenticator, grants: Mapping[str, Grant]) -> None:
        if set(grants) != set(GRANT_TYPES):
            raise ValueError(f"the token endpoint needs exactly the grants {GRANT_TYPES}")
        self._authenticator = authenticator
        self._grants = dict(grants)

    async def handle(self, request: OAuthRequest) -> dict[str, Any]:
        grant_type, grant = check_grant_type(request, self._grants)
        auth = await self._authenticator.authenticate(request)
        check_client_may_use(auth, grant_type)
        return await grant(request, auth)
