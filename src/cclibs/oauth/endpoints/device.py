"""The device authorization grant's two browser-free halves (RFC 8628 §3.1 to §3.3).

``start`` answers the device authorization request; ``find``/``decide`` serve the
verification page where the signed-in user types the user code. User codes use 8 letters
from an alphabet without vowels or look-alikes (RFC 8628 §6.1): 20^8 ≈ 2.6·10^10 codes,
each alive 10 minutes and only usable by a signed-in user. Wrong codes are limited per web
session and per client address (§5.1) around ``find``: see ``web.device_routes`` and
``accounts.throttle``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cclibs.clock import Clock
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.clients import Client
from cclibs.oauth.errors import AccessDenied, InvalidRequest, InvalidScope, UnauthorizedClient
from cclibs.oauth.grant_ports import DeviceAuthorization, GrantTransactions, issued_here
from cclibs.oauth.issuance import TokenFactory
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.registration import ClientRegistry
from cclibs.oauth.scopes import parse_scopes

__all__ = [
    "DEVICE_CODE_TTL",
    "DEVICE_GRANT",
    "DeviceEndpoint",
    "DevicePrompt",
    "normalise_user_code",
]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_CODE_TTL = timedelta(minutes=10)
POLL_INTERVAL = 5
_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


def _new_user_code() -> str:
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def normalise_user_code(typed: str) -> str:
    """What people type (lower case, spaces, no dash) to the stored form ``WXYZ-BCDF``."""
    letters = "".join(ch for ch in typed.upper() if ch.isalnum())[:16]
    return f"{letters[:4]}-{letters[4:]}" if len(letters) == 8 else letters


@dataclass(frozen=True, slots=True)
class DevicePrompt:
    """What the verification page shows before the user allows or denies."""

    device: DeviceAuthorization
    client: Client


class DeviceEndpoint:
    def __init__(
        self,
        issuer: str,
        authenticator: ClientAuthenticator,
        clients: ClientRegistry,
        grants: GrantTransactions,
        factory: TokenFactory,
        clock: Clock,
    ) -> None:
        self._issuer = issuer
        self._authenticator = authenticator
        self._clients = clients
        self._grants = grants
        self._factory = factory
        self._clock = clock

    async def start(self, request: OAuthRequest) -> dict[str, Any]:
        auth = await self._authenticator.authenticate(request)
        if DEVICE_GRANT not in auth.client.grant_types:
            raise UnauthorizedClient(
                f"A {auth.client.type.label} credential may not use the device flow; "
                "use a Native App credential."
            )
        try:
            scope = parse_scopes(request.get("scope"))
        except ValueError as exc:
            raise InvalidScope(str(exc)) from None
        refused = [s for s in scope if s not in auth.client.allowed_scopes]
        if refused:
            raise InvalidScope(f"This application may not request: {', '.join(refused)}.")
        device_code = secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._grants.write() as store:
            for _ in range(5):
                user_code = _new_user_code()
                try:
                    await store.add_device_authorization(
                        DeviceAuthorization(
                            device_code_hash=self._factory.token_hash(device_code),
                            user_code=user_code,
                            client_id=auth.client.client_id,
                            scope=scope,
                            created_at=now,
                            expires_at=now + DEVICE_CODE_TTL,
                            interval=POLL_INTERVAL,
                            status="pending",
                            issuer=self._issuer,
                        )
                    )
                    break
                except ValueError:
                    continue
            else:  # pragma: no cover - five collisions in 2.6e10 codes
                raise InvalidRequest("Could not allocate a user code; try again.")
        verification_uri = f"{self._issuer}/ims/device"
        return {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
            "expires_in": int(DEVICE_CODE_TTL.total_seconds()),
            "interval": POLL_INTERVAL,
        }

    async def find(self, typed_code: str) -> DevicePrompt | None:
        """The pending authorization behind a typed user code, or None (unknown, expired, used)."""
        code = normalise_user_code(typed_code)
        async with self._grants.read() as store:
            device = await store.device_by_user_code(code)
        if device is None or device.status != "pending":
            return None
        if not issued_here(device.issuer, self._issuer):
            return None  # another issuer's device: approved there, not here
        if device.expires_at <= self._clock.now():
            return None
        client = await self._clients.get(device.client_id)
        return DevicePrompt(device, client) if client else None

    async def decide(
        self,
        prompt: DevicePrompt,
        *,
        allow: bool,
        user_id: str,
        email: str,
        email_verified: bool,
        auth_time: datetime,
        sid: str,
        amr: tuple[str, ...] = ("pwd",),
    ) -> None:
        client = prompt.client
        if allow and not client.may_be_authorized_by(user_id, email, email_verified=email_verified):
            raise AccessDenied(client.refusal_for(email))
        async with self._grants.write() as store:
            device = await store.device_for_update(prompt.device.device_code_hash)
            if device is None or device.status != "pending":
                raise InvalidRequest("This code was already used.")
            if allow:
                await store.save_consent(
                    user_id, device.client_id, frozenset(device.scope), self._clock.now()
                )
            await store.update_device(
                device.device_code_hash,
                status="approved" if allow else "denied",
                user_id=user_id,
                auth_time=auth_time,
                sid=sid,
                amr=amr,
            )
