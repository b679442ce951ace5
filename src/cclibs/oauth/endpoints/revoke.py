"""Token revocation (RFC 7009).

Revoking a refresh token revokes its whole family, access tokens included (their ``gid``
names the family). Revoking an access token from a user's grant revokes that grant the same
way. An access token of no grant (client_credentials) goes on the deny-list by its ``jti``
until it expires; bearer validation consults the list in the database, so every process
refuses it at once. Tokens that are unknown, expired or already revoked get 200, as §2.2
asks, so the answer tells an attacker nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cclibs.clock import Clock
from cclibs.oauth.bearer import BearerValidator
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.errors import (
    InvalidRequest,
    InvalidToken,
    UnauthorizedClient,
)
from cclibs.oauth.grant_ports import GrantTransactions
from cclibs.oauth.issuance import TokenFactory
from cclibs.oauth.messages import OAuthRequest

__all__ = ["RevocationEndpoint"]


class RevocationEndpoint:
    def __init__(
        self,
        authenticator: ClientAuthenticator,
        grants: GrantTransactions,
        factory: TokenFactory,
        bearer: BearerValidator,
        clock: Clock,
    ) -> None:
        self._authenticator = authenticator
        self._grants = grants
        self._factory = factory
        self._bearer = bearer
        self._clock = clock

    async def handle(self, request: OAuthRequest) -> None:
        token = request.get("token")
        if token is None:
            raise InvalidRequest("token is required.")
        auth = await self._authenticator.authenticate(request)
        client_id = auth.client.client_id
        async with self._grants.write() as store:
            refresh = await store.refresh_token_for_update(self._factory.token_hash(token))
            if refresh is not None:
                if refresh.client_id != client_id:
                    raise UnauthorizedClient("The token was issued to another client.")
                await store.revoke_grant(refresh.grant_id, self._clock.now())
                return
        try:
            access = await self._bearer.validate(token)
        except InvalidToken:
            return  # unknown, expired or already revoked: nothing to do (RFC 7009 §2.2)
        if access.client_id != client_id:
            raise UnauthorizedClient("The token was issued to another client.")
        now = self._clock.now()
        async with self._grants.write() as store:
            if access.grant_id is not None:
                await store.revoke_grant(access.grant_id, now)
            else:
                expires_at = datetime.fromtimestamp(access.expires_at, tz=UTC)
                await store.deny_access_token(access.jti, client_id, expires_at, now)

    async def revoke_grant(self, grant_id: str) -> None:
        """Revoke one sign-in's tokens (used by logout with an access token)."""
        async with self._grants.write() as store:
            await store.revoke_grant(grant_id, self._clock.now())
