"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

Every use rotates the token. Presenting a rotated token again revokes the whole family,
except within a short grace window after the rotation: two requests racing with the same
token (two tabs, a retry after a lost response) each get a working token, instead of the
loser logging the user out. The window is short (10 s by default) so a stolen token that is
replayed later still trips the detector.

A refresh token works only while its grant is live: not revoked (the user removed the
application, or a replay revoked the family) and its user not disabled.
"""

from __future__ import annotations

from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.errors import InvalidGrant, InvalidRequest, InvalidScope
from cclibs.oauth.grant_ports import GrantStore, GrantTransactions, RefreshToken
from cclibs.oauth.issuance import PendingTokens, TokenFactory
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.scopes import parse_scopes

__all__ = ["RefreshTokenGrant"]


def check_refresh_param(request: OAuthRequest) -> str:
    value = request.get("refresh_token")
    if value is None:
        raise InvalidRequest("refresh_token is required.")
    return value


def check_bound_to_client(token: RefreshToken, auth: AuthenticatedClient) -> None:
    if token.client_id != auth.client.client_id:
        raise InvalidGrant("The refresh token was issued to another client.")


def check_scope_narrows(request: OAuthRequest, token: RefreshToken) -> tuple[str, ...]:
    """A refresh may narrow the scope, never widen it (RFC 6749 §6)."""
    try:
        requested = parse_scopes(request.get("scope"))
    except ValueError as exc:
        raise InvalidScope(str(exc)) from None
    if not requested:
        return token.scope
    wider = [s for s in requested if s not in token.scope]
    if wider:
        raise InvalidScope(f"The refresh token was not granted: {', '.join(wider)}.")
    return requested


class RefreshTokenGrant:
    def __init__(
        self, transactions: GrantTransactions, factory: TokenFactory, clock: Clock
    ) -> None:
        self._tx = transactions
        self._factory = factory
        self._clock = clock

    async def __call__(self, request: OAuthRequest, auth: AuthenticatedClient) -> dict[str, Any]:
        value = check_refresh_param(request)
        async with self._tx.write() as store:
            token = await store.refresh_token_for_update(self._factory.token_hash(value))
            if token is None:
                raise InvalidGrant("The refresh token is not valid.")
            check_bound_to_client(token, auth)
            now = self._clock.now()
            reused = token.rotated_at is not None and (
                now - token.rotated_at > self._factory.policy.refresh_reuse_grace
            )
            pending = None
            if not reused:
                pending = await self._rotate(store, token, request, auth)
            else:
                await store.revoke_grant(token.grant_id, now)
        if pending is not None:
            return await self._factory.finish(pending)
        raise InvalidGrant(
            "The refresh token was already used; every token of this sign-in is now revoked. "
            "Sign in again."
        )

    async def _rotate(
        self,
        store: GrantStore,
        token: RefreshToken,
        request: OAuthRequest,
        auth: AuthenticatedClient,
    ) -> PendingTokens:
        now = self._clock.now()
        # Not revoked, and its user not disabled (a disabled account's grants are revoked too;
        # this holds even if that revocation had not happened).
        grant = await store.live_grant(token.grant_id)
        if grant is None:
            raise InvalidGrant("The refresh token was revoked. Sign in again.")
        if token.expires_at <= now:
            raise InvalidGrant("The refresh token has expired. Sign in again.")
        scope = check_scope_narrows(request, token)
        await store.mark_rotated(token.token_hash, now)
        # The new refresh token keeps the family's full scope, so narrowing one access token
        # does not narrow the next refresh (RFC 6749 §6).
        return await self._factory.record(
            store, auth.client, grant, scope, refresh_scope=token.scope, include_sub=False
        )
