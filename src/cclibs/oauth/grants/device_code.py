"""The device code grant at the token endpoint (RFC 8628 §3.4 and §3.5).

Polls faster than the interval get ``slow_down`` and a 5 s longer interval (§3.5); the poll
time is committed even though the answer is an error, so the rule holds across workers.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.client_auth import AuthenticatedClient
from cclibs.oauth.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    OAuthError,
    SlowDown,
)
from cclibs.oauth.grant_ports import (
    DeviceAuthorization,
    Grant,
    GrantStore,
    GrantTransactions,
    issued_here,
)
from cclibs.oauth.issuance import PendingTokens, TokenFactory
from cclibs.oauth.messages import OAuthRequest

__all__ = ["DeviceCodeGrant"]


class DeviceCodeGrant:
    def __init__(
        self, transactions: GrantTransactions, factory: TokenFactory, clock: Clock
    ) -> None:
        self._tx = transactions
        self._factory = factory
        self._clock = clock

    async def __call__(self, request: OAuthRequest, auth: AuthenticatedClient) -> dict[str, Any]:
        value = request.get("device_code")
        if value is None:
            raise InvalidRequest("device_code is required.")
        refusal: OAuthError | None
        pending: PendingTokens | None = None
        async with self._tx.write() as store:
            device = await store.device_for_update(self._factory.token_hash(value))
            if device is None or device.client_id != auth.client.client_id:
                raise InvalidGrant("The device code is not valid.")
            if not issued_here(device.issuer, self._factory.issuer):
                raise InvalidGrant("The device code was issued by another issuer.")
            now = self._clock.now()
            if device.expires_at <= now:
                raise ExpiredToken()
            if device.status == "approved":
                pending = await self._record(store, device, auth)
                refusal = None
            elif device.status == "denied":
                refusal = AccessDenied("The user denied the request.")
            elif device.status != "pending":
                refusal = InvalidGrant("The device code was already used.")
            else:
                refusal = await self._poll(store, device, now)
        if refusal is not None or pending is None:
            raise refusal or InvalidGrant("The device code is not valid.")
        return await self._factory.finish(pending)

    async def _poll(
        self, store: GrantStore, device: DeviceAuthorization, now: datetime
    ) -> OAuthError:
        """Record the poll; the answer is authorization_pending, or slow_down when too soon."""
        too_soon = device.last_polled_at is not None and (
            now - device.last_polled_at < timedelta(seconds=device.interval)
        )
        interval = device.interval + 5 if too_soon else device.interval
        await store.update_device(device.device_code_hash, last_polled_at=now, interval=interval)
        return SlowDown() if too_soon else AuthorizationPending()

    async def _record(
        self, store: GrantStore, device: DeviceAuthorization, auth: AuthenticatedClient
    ) -> PendingTokens:
        assert device.user_id is not None and device.auth_time is not None
        if not await store.user_active(device.user_id):
            raise InvalidGrant("The account that approved the device is disabled.")
        now = self._clock.now()
        grant = Grant(
            id=secrets.token_hex(16),
            client_id=device.client_id,
            user_id=device.user_id,
            scope=device.scope,
            auth_time=device.auth_time,
            sid=device.sid or "",
            created_at=now,
            issuer=self._factory.issuer,
            amr=device.amr,
        )
        await store.add_grant(grant)
        await store.update_device(device.device_code_hash, status="used")
        return await self._factory.record(store, auth.client, grant, device.scope, id_token=True)
