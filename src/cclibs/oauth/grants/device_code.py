"""The device code grant at the token endpoint (RFC 8628 §3.4 and §3.5).

Polls faster than the interval get ``slow_down`` and a 5 s longer interval (§3.5); the poll
time is committed even though the answer is an error, so the rule holds across workers.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
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
from cclibs.oauth.grant_ports import DeviceAuthorization, Grant, GrantStore, GrantTransactions
from cclibs.oauth.issuance import TokenFactory
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
        refusal: OAuthError
        async with self._tx.write() as store:
            device = await store.device_for_update(self._factory.token_hash(value))
            if device is None or device.client_id != auth.client.client_id:
                raise InvalidGrant("The device code is not valid.")
            now = self._clock.now()
            if device.expires_at <= now:
                raise ExpiredToken()
            if device.status == "approved":
                return await self._issue(store, device, auth)
            if device.status == "denied":
                raise AccessDenied("The user denied the request.")
            if device.status != "pending":
                raise InvalidGrant("The device code was already used.")
            too_soon = device.last_polled_at is not None and (
                now - device.last_polled_at < timedelta(seconds=device.interval)
            )
            interval = device.interval + 5 if too_soon else device.interval
            await store.update_device(
                device.device_code_hash, last_polled_at=now, interval=interval
            )
            refusal = SlowDown() if too_soon else AuthorizationPending()
        raise refusal

    async def _issue(
        self, store: GrantStore, device: DeviceAuthorization, auth: AuthenticatedClient
    ) -> dict[str, Any]:
        assert device.user_id is not None and device.auth_time is not None
        now = self._clock.now()
        grant = Grant(
            id=secrets.token_hex(16),
            client_id=device.client_id,
            user_id=device.user_id,
            scope=device.scope,
            auth_time=device.auth_time,
            sid=device.sid or "",
            created_at=now,
        )
        await store.add_grant(grant)
        await store.update_device(device.device_code_hash, status="used")
        return await self._factory.issue(store, auth.client, grant, device.scope, id_token=True)
