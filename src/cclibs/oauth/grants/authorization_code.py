"""The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6).

A code whose user was disabled after it was issued is refused (``invalid_grant``): disabling
an account deletes its unused codes, and this check holds even in a race with that. A code is
redeemed only at the issuer that made it, even where two issuers share one database.
"""

from __future__ import annotations

import secrets
from typing import Any

from cclibs.clock import Clock
from cclibs.oauth import pkce
from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.errors import InvalidGrant, InvalidRequest
from cclibs.oauth.grant_ports import (
    AuthorizationCode,
    Grant,
    RedemptionStore,
    RedemptionTransactions,
    issued_here,
)
from cclibs.oauth.issuance import PendingTokens, TokenFactory
from cclibs.oauth.messages import OAuthRequest

__all__ = ["AuthorizationCodeGrant"]


def check_code_param(request: OAuthRequest) -> str:
    code = request.get("code")
    if code is None:
        raise InvalidRequest("code is required.")
    return code


def check_bound_to_client(code: AuthorizationCode, auth: AuthenticatedClient) -> None:
    if code.client_id != auth.client.client_id:
        raise InvalidGrant("The code was issued to another client.")


def check_not_expired(code: AuthorizationCode, clock: Clock) -> None:
    if code.expires_at <= clock.now():
        raise InvalidGrant("The code has expired.")


def check_redirect_uri(request: OAuthRequest, code: AuthorizationCode) -> None:
    """RFC 6749 §4.1.3: the same redirect_uri when the authorization request named one.

    IMS's documentation and samples send none at the token endpoint; a code is bound to its
    client and (for public clients) to PKCE, so an absent redirect_uri is accepted, a
    different one never.
    """
    given = request.get("redirect_uri")
    if given is not None and given != code.redirect_uri:
        raise InvalidGrant("redirect_uri differs from the one in the authorization request.")


async def check_user_active(store: RedemptionStore, code: AuthorizationCode) -> None:
    if not await store.user_active(code.user_id):
        raise InvalidGrant("The account that authorized the code is disabled.")


class AuthorizationCodeGrant:
    def __init__(
        self, transactions: RedemptionTransactions, factory: TokenFactory, clock: Clock
    ) -> None:
        self._tx = transactions
        self._factory = factory
        self._clock = clock

    async def __call__(self, request: OAuthRequest, auth: AuthenticatedClient) -> dict[str, Any]:
        value = check_code_param(request)
        async with self._tx.write() as store:
            code = await store.code_for_update(self._factory.token_hash(value))
            if code is None:
                raise InvalidGrant("The code is not valid.")
            if not issued_here(code.issuer, self._factory.issuer):
                # Refused before the replay check: another issuer's code revokes nothing here.
                raise InvalidGrant("The code was issued by another issuer.")
            pending = None
            if code.used_at is None:
                pending = await self._redeem(store, code, request, auth)
            elif code.grant_id is not None:
                # A replay: revoke what the first use issued, commit that, then refuse.
                await store.revoke_grant(code.grant_id, self._clock.now())
        if pending is not None:
            return await self._factory.finish(pending)
        raise InvalidGrant("The code was already used; the tokens issued with it are revoked.")

    async def _redeem(
        self,
        store: RedemptionStore,
        code: AuthorizationCode,
        request: OAuthRequest,
        auth: AuthenticatedClient,
    ) -> PendingTokens:
        check_bound_to_client(code, auth)
        check_not_expired(code, self._clock)
        check_redirect_uri(request, code)
        pkce.verify(request.get("code_verifier"), code.code_challenge, code.code_challenge_method)
        await check_user_active(store, code)
        now = self._clock.now()
        grant = Grant(
            id=secrets.token_hex(16),
            client_id=code.client_id,
            user_id=code.user_id,
            scope=code.scope,
            auth_time=code.auth_time,
            sid=code.sid,
            created_at=now,
            issuer=self._factory.issuer,
            amr=code.amr,
        )
        await store.add_grant(grant)
        await store.mark_code_used(code.code_hash, now, grant.id)
        return await self._factory.record(
            store, auth.client, grant, code.scope, nonce=code.nonce, id_token=True
        )
