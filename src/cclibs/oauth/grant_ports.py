"""Storage contract for what users grant: consents, authorization codes, token families.

A *grant* is one token family: the tokens that descend from one authorization (RFC 9700
§4.14.2). Revoking the grant revokes every refresh token in it and, because access tokens
carry the grant id (``gid``), every access token too.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = [
    "AuthorizationCode",
    "ConnectedApp",
    "DeviceAuthorization",
    "Grant",
    "GrantStore",
    "GrantTransactions",
    "LivenessLookup",
    "RedemptionStore",
    "RedemptionTransactions",
    "RefreshStore",
    "RefreshToken",
    "RefreshTokenSink",
    "RefreshTransactions",
    "StaleRead",
    "issued_here",
]


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    code_hash: str
    client_id: str
    user_id: str
    redirect_uri: str
    redirect_uri_given: bool
    """Whether the authorization request named the redirect URI (RFC 6749 §4.1.3)."""
    scope: tuple[str, ...]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: datetime
    sid: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    grant_id: str | None = None
    issuer: str | None = None
    """The issuer that made the code (None: made before codes were bound to an issuer)."""
    amr: tuple[str, ...] = ("pwd",)
    """How the user signed in (RFC 8176 method values), for the ID token's ``amr``."""


@dataclass(frozen=True, slots=True)
class Grant:
    id: str
    client_id: str
    user_id: str
    scope: tuple[str, ...]
    auth_time: datetime
    sid: str
    created_at: datetime
    revoked_at: datetime | None = None
    issuer: str | None = None
    """The issuer whose tokens these are (None: a family from before issuer binding)."""
    amr: tuple[str, ...] = ("pwd",)
    """How the user signed in (RFC 8176 method values), for the ID token's ``amr``."""


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: str
    grant_id: str
    client_id: str
    scope: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    rotated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """A pending device authorization (RFC 8628 §3.2); the device code is stored as a hash."""

    device_code_hash: str
    user_code: str
    client_id: str
    scope: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    interval: int
    status: str
    """pending, approved, denied or used."""
    last_polled_at: datetime | None = None
    user_id: str | None = None
    auth_time: datetime | None = None
    sid: str | None = None
    issuer: str | None = None
    amr: tuple[str, ...] = ("pwd",)


def issued_here(made_by: str | None, issuer: str) -> bool:
    """Whether a code, device code or token family made by ``made_by`` may be used at
    ``issuer``. Two servers with different issuers may share one database; what one issued
    must not be redeemed at the other. Rows from before the binding (None) stay usable."""
    return made_by is None or made_by == issuer


@dataclass(frozen=True, slots=True)
class ConnectedApp:
    """An application (client) a user consented to, as the account page lists it."""

    client_id: str
    name: str
    """The client's registered name."""
    scopes: tuple[str, ...]
    """What the user consented to, in the scope registry's order."""
    consented_at: datetime
    """When the user first consented to this client."""
    last_used_at: datetime | None
    """When tokens were last issued to the client for the user (a grant or a refresh token
    of the user's grants for it); None when it never redeemed a code."""


class GrantStore(Protocol):
    async def consented_scopes(self, user_id: str, client_id: str) -> frozenset[str] | None:
        """The scopes the user consented to for this client; None when never asked."""
        ...

    async def save_consent(
        self, user_id: str, client_id: str, scopes: frozenset[str], at: datetime
    ) -> None:
        """Remember consent to ``scopes`` (added to what was consented before)."""
        ...

    async def add_code(self, code: AuthorizationCode) -> None: ...

    async def code_for_update(self, code_hash: str) -> AuthorizationCode | None:
        """The code, locked against concurrent redemption until the transaction ends."""
        ...

    async def mark_code_used(self, code_hash: str, at: datetime, grant_id: str) -> None: ...

    async def add_grant(self, grant: Grant) -> None: ...

    async def grant(self, grant_id: str) -> Grant | None: ...

    async def live_grant(self, grant_id: str) -> Grant | None:
        """The grant only while its tokens may work: not revoked, and its user exists and is
        not disabled. One read, for every bearer token and every refresh."""
        ...

    async def user_active(self, user_id: str) -> bool:
        """Whether the user exists and is not disabled."""
        ...

    async def connected_apps(self, user_id: str) -> list[ConnectedApp]:
        """Every client the user consented to, with its name and last use, by name."""
        ...

    async def delete_consent(self, user_id: str, client_id: str) -> bool:
        """Forget the user's consent to the client; False when there was none."""
        ...

    async def revoke_access(self, user_id: str, at: datetime, *, client_id: str | None) -> int:
        """End what the user authorized for the client (every client when None): revoke each
        live grant (token family), delete unused authorization codes, and deny the device
        authorizations the user approved that are not yet used. Returns the grants revoked."""
        ...

    async def revoke_grant(self, grant_id: str, at: datetime) -> None:
        """Revoke the family: its refresh tokens stop working, and so do its access tokens."""
        ...

    async def add_refresh_token(self, token: RefreshToken) -> None: ...

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        """The refresh token, read without a lock."""
        ...

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        """The refresh token, locked against concurrent rotation until the transaction ends."""
        ...

    async def deny_access_token(
        self, jti: str, client_id: str, expires_at: datetime, at: datetime
    ) -> None:
        """Put an access token on the deny-list until it expires (no error if already on)."""
        ...

    async def access_token_denied(self, jti: str) -> bool:
        """Whether the access token with this ``jti`` was revoked."""
        ...

    async def add_device_authorization(self, device: DeviceAuthorization) -> None:
        """Insert; raises ``ValueError`` when the user code is already in use."""
        ...

    async def device_by_user_code(self, user_code: str) -> DeviceAuthorization | None: ...

    async def device_for_update(self, device_code_hash: str) -> DeviceAuthorization | None:
        """The device authorization, locked against concurrent polls."""
        ...

    async def update_device(
        self,
        device_code_hash: str,
        *,
        status: str | None = None,
        last_polled_at: datetime | None = None,
        interval: int | None = None,
        user_id: str | None = None,
        auth_time: datetime | None = None,
        sid: str | None = None,
        amr: tuple[str, ...] | None = None,
    ) -> None:
        """Change the given fields (None leaves a field as it is)."""
        ...


class GrantTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[GrantStore]: ...

    def write(self) -> AbstractAsyncContextManager[GrantStore]: ...


class LivenessLookup(Protocol):
    """What every bearer check reads, outside any transaction; may be answered from memory on
    the terms of ``cclibs.oauth.ports.ClientLookup``."""

    async def live_grant(self, grant_id: str) -> Grant | None:
        """As ``GrantStore.live_grant``."""
        ...

    async def access_token_denied(self, jti: str) -> bool:
        """As ``GrantStore.access_token_denied``."""
        ...


class RefreshTokenSink(Protocol):
    """Where issuance records a new refresh token (``TokenFactory.record``)."""

    async def add_refresh_token(self, token: RefreshToken) -> None: ...


class RefreshStore(RefreshTokenSink, Protocol):
    """The statements of one refresh (RFC 6749 §6), inside its write transaction."""

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None: ...

    async def live_grant(self, grant_id: str) -> Grant | None: ...

    async def mark_rotated(self, token_hash: str, at: datetime) -> None: ...

    async def revoke_grant(self, grant_id: str, at: datetime) -> None: ...


class StaleRead(Exception):
    """A write made on the strength of a read without a lock found the row changed since;
    nothing was written."""


class RefreshTransactions(Protocol):
    def write(self) -> AbstractAsyncContextManager[RefreshStore]: ...

    def unlocked(self) -> AbstractAsyncContextManager[RefreshStore] | None:
        """A store for a token's first use, cheaper than ``write`` where round trips cost:
        its reads take no lock, and its rotation is written only if the token is still
        unrotated, else it raises ``StaleRead`` having written nothing. None where a locked
        transaction costs no more."""
        ...


class RedemptionStore(RefreshTokenSink, Protocol):
    """The statements of one authorization-code redemption (RFC 6749 §4.1.3), inside its
    write transaction; each means what it means on ``GrantStore``."""

    async def code_for_update(self, code_hash: str) -> AuthorizationCode | None: ...

    async def user_active(self, user_id: str) -> bool: ...

    async def add_grant(self, grant: Grant) -> None: ...

    async def mark_code_used(self, code_hash: str, at: datetime, grant_id: str) -> None: ...

    async def revoke_grant(self, grant_id: str, at: datetime) -> None: ...


class RedemptionTransactions(Protocol):
    def write(self) -> AbstractAsyncContextManager[RedemptionStore]: ...
