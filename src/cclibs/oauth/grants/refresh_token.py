"""The refresh token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2).

Every use rotates the token. Presenting a rotated token again revokes the whole family,
except within a short grace window after the rotation: two requests racing with the same
token (two tabs, a retry after a lost response) must not log the user out. Within the window
the repeat is answered with the *same* successor the first use got (the successor is a keyed
function of its predecessor, see ``TokenFactory.successor_of``) and a fresh access token, so
the family never forks: however many requests race, one refresh token stays live, and a
thief who replays within the window holds the very token the owner holds, whose next
rotation shuts the other out. The window is short (10 s by default) so a stolen token that is
replayed later still trips the detector.

A refresh token works only while its grant is live: not revoked (the user removed the
application, or a replay revoked the family), its user not disabled, and issued by this
issuer (two issuers may share a database; neither redeems the other's tokens).

The whole refresh is one short write transaction (``RefreshTransactions``; the server's is
SQLAlchemy Core on a bare connection, ``cclibs.storage.refresh``); signing comes after it.
Where round trips cost (PostgreSQL), a token's first use is tried first without the lock: read
the token, check it, and write its rotation on condition that it is still unrotated; two
statements instead of BEGIN, a locked read, the writes and COMMIT. A token rotated by someone
else between the read and the write (``StaleRead``), or already rotated, is decided under the
lock as before, so both ways give the same answers.
"""

from __future__ import annotations

from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.errors import InvalidGrant, InvalidRequest, InvalidScope
from cclibs.oauth.grant_ports import (
    Grant,
    RefreshStore,
    RefreshToken,
    RefreshTransactions,
    StaleRead,
    issued_here,
)
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


_MAX_REPEAT_CHAIN = 8
"""How many rotations within one grace window a repeated refresh follows to the live token."""


class RefreshTokenGrant:
    def __init__(
        self, transactions: RefreshTransactions, factory: TokenFactory, clock: Clock
    ) -> None:
        self._tx = transactions
        self._factory = factory
        self._clock = clock

    async def __call__(self, request: OAuthRequest, auth: AuthenticatedClient) -> dict[str, Any]:
        value = check_refresh_param(request)
        unlocked = self._tx.unlocked()
        if unlocked is not None:
            try:
                async with unlocked as store:
                    pending = await self._first_use(store, value, request, auth)
            except StaleRead:
                pending = None  # rotated meanwhile: decided under the lock below
            if pending is not None:
                return await self._factory.finish(pending)
        async with self._tx.write() as store:
            token = await self._presented(store, value, auth)
            now = self._clock.now()
            pending = None
            if token.rotated_at is None:
                pending = await self._rotate(store, token, value, request, auth)
            elif now - token.rotated_at <= self._factory.policy.refresh_reuse_grace:
                pending = await self._repeat(store, value, request, auth)
            else:
                # A replay, wherever it shows up, means the token leaked: end the family.
                await store.revoke_grant(token.grant_id, now)
        if pending is not None:
            return await self._factory.finish(pending)
        raise InvalidGrant(
            "The refresh token was already used; every token of this sign-in is now revoked. "
            "Sign in again."
        )

    async def _presented(
        self, store: RefreshStore, value: str, auth: AuthenticatedClient
    ) -> RefreshToken:
        token = await store.refresh_token_for_update(self._factory.token_hash(value))
        if token is None:
            raise InvalidGrant("The refresh token is not valid.")
        check_bound_to_client(token, auth)
        return token

    async def _first_use(
        self, store: RefreshStore, value: str, request: OAuthRequest, auth: AuthenticatedClient
    ) -> PendingTokens | None:
        """The rotation of an unrotated token; None for a token already rotated."""
        token = await self._presented(store, value, auth)
        if token.rotated_at is not None:
            return None
        return await self._rotate(store, token, value, request, auth)

    async def _usable(
        self, store: RefreshStore, token: RefreshToken, request: OAuthRequest
    ) -> tuple[Grant, tuple[str, ...]]:
        """The token's live grant and the scope of the access token to issue, or the refusal."""
        # Not revoked, and its user not disabled (a disabled account's grants are revoked too;
        # this holds even if that revocation had not happened).
        grant = await store.live_grant(token.grant_id)
        if grant is None:
            raise InvalidGrant("The refresh token was revoked. Sign in again.")
        if not issued_here(grant.issuer, self._factory.issuer):
            raise InvalidGrant("The refresh token was issued by another issuer.")
        if token.expires_at <= self._clock.now():
            raise InvalidGrant("The refresh token has expired. Sign in again.")
        return grant, check_scope_narrows(request, token)

    async def _rotate(
        self,
        store: RefreshStore,
        token: RefreshToken,
        value: str,
        request: OAuthRequest,
        auth: AuthenticatedClient,
    ) -> PendingTokens:
        grant, scope = await self._usable(store, token, request)
        await store.mark_rotated(token.token_hash, self._clock.now())
        # The new refresh token keeps the family's full scope, so narrowing one access token
        # does not narrow the next refresh (RFC 6749 §6).
        return await self._factory.record(
            store,
            auth.client,
            grant,
            scope,
            refresh_scope=token.scope,
            refresh_value=self._factory.successor_of(value),
            include_sub=False,
        )

    async def _repeat(
        self, store: RefreshStore, value: str, request: OAuthRequest, auth: AuthenticatedClient
    ) -> PendingTokens:
        """A token rotated within the grace window: answer with its live successor (following
        rotations that also happened within the window) and a new access token."""
        for _ in range(_MAX_REPEAT_CHAIN):
            value = self._factory.successor_of(value)
            successor = await store.refresh_token_for_update(self._factory.token_hash(value))
            if successor is None:
                # Its successor was not derived (rotated before derivation existed) or is gone.
                raise InvalidGrant("The refresh token was already used. Sign in again.")
            if successor.rotated_at is None:
                grant, scope = await self._usable(store, successor, request)
                return PendingTokens(
                    client=auth.client,
                    grant=grant,
                    scope=scope,
                    refresh_token=value,
                    nonce=None,
                    id_token=False,
                    include_sub=False,
                )
        raise InvalidGrant("The refresh token was already used. Sign in again.")
