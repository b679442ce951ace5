"""SQL implementation of ``cclibs.oauth.grant_ports``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.oauth.grant_ports import (
    AuthorizationCode,
    ConnectedApp,
    DeviceAuthorization,
    Grant,
    RefreshToken,
)
from cclibs.oauth.scopes import format_scopes
from cclibs.storage.db import Database
from cclibs.storage.refresh import refresh_token_values
from cclibs.storage.tables import (
    AuthorizationCodeRow,
    ClientRow,
    ConsentRow,
    DeviceAuthorizationRow,
    GrantRow,
    RefreshTokenRow,
    RevokedAccessTokenRow,
    UserRow,
)
from cclibs.storage.transactions import SqlTransactions
from cclibs.storage.versions import bump

__all__ = ["SqlGrantStore", "SqlGrantTransactions", "code_of"]


def code_of(row: Any) -> AuthorizationCode:
    """The code of an ``AuthorizationCodeRow``, or of a Core row with its table's columns."""
    return AuthorizationCode(
        code_hash=row.code_hash,
        client_id=row.client_id,
        user_id=row.user_id,
        redirect_uri=row.redirect_uri,
        redirect_uri_given=row.redirect_uri_given,
        scope=tuple(row.scope.split()),
        nonce=row.nonce,
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        auth_time=row.auth_time,
        sid=row.sid,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        grant_id=row.grant_id,
        issuer=row.issuer,
        amr=tuple(row.amr.split()),
    )


def _grant(row: GrantRow) -> Grant:
    return Grant(
        id=row.id,
        client_id=row.client_id,
        user_id=row.user_id,
        scope=tuple(row.scope.split()),
        auth_time=row.auth_time,
        sid=row.sid,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        issuer=row.issuer,
        amr=tuple(row.amr.split()),
    )


def _refresh(row: RefreshTokenRow) -> RefreshToken:
    return RefreshToken(
        token_hash=row.token_hash,
        grant_id=row.grant_id,
        client_id=row.client_id,
        scope=tuple(row.scope.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        rotated_at=row.rotated_at,
    )


def _device(row: DeviceAuthorizationRow) -> DeviceAuthorization:
    return DeviceAuthorization(
        device_code_hash=row.device_code_hash,
        user_code=row.user_code,
        client_id=row.client_id,
        scope=tuple(row.scope.split()),
        created_at=row.created_at,
        expires_at=row.expires_at,
        interval=row.interval,
        status=row.status,
        last_polled_at=row.last_polled_at,
        user_id=row.user_id,
        auth_time=row.auth_time,
        sid=row.sid,
        issuer=row.issuer,
        amr=tuple(row.amr.split()),
    )


class SqlGrantStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def consented_scopes(self, user_id: str, client_id: str) -> frozenset[str] | None:
        row = await self._s.get(ConsentRow, (user_id, client_id))
        return frozenset(row.scopes.split()) if row else None

    async def save_consent(
        self, user_id: str, client_id: str, scopes: frozenset[str], at: datetime
    ) -> None:
        row = await self._s.get(ConsentRow, (user_id, client_id))
        if row is None:
            self._s.add(
                ConsentRow(
                    user_id=user_id,
                    client_id=client_id,
                    scopes=" ".join(sorted(scopes)),
                    created_at=at,
                    updated_at=at,
                )
            )
        else:
            row.scopes = " ".join(sorted(scopes | frozenset(row.scopes.split())))
            row.updated_at = at
        await self._s.flush()

    async def add_code(self, code: AuthorizationCode) -> None:
        self._s.add(
            AuthorizationCodeRow(
                code_hash=code.code_hash,
                client_id=code.client_id,
                user_id=code.user_id,
                redirect_uri=code.redirect_uri,
                redirect_uri_given=code.redirect_uri_given,
                scope=" ".join(code.scope),
                nonce=code.nonce,
                code_challenge=code.code_challenge,
                code_challenge_method=code.code_challenge_method,
                auth_time=code.auth_time,
                sid=code.sid,
                created_at=code.created_at,
                expires_at=code.expires_at,
                used_at=None,
                grant_id=None,
                issuer=code.issuer,
                amr=" ".join(code.amr),
            )
        )
        await self._s.flush()

    async def code_for_update(self, code_hash: str) -> AuthorizationCode | None:
        row = await self._s.scalar(
            select(AuthorizationCodeRow)
            .where(AuthorizationCodeRow.code_hash == code_hash)
            .with_for_update()
        )
        return code_of(row) if row else None

    async def mark_code_used(self, code_hash: str, at: datetime, grant_id: str) -> None:
        await self._s.execute(
            update(AuthorizationCodeRow)
            .where(AuthorizationCodeRow.code_hash == code_hash)
            .values(used_at=at, grant_id=grant_id)
        )

    async def add_grant(self, grant: Grant) -> None:
        self._s.add(
            GrantRow(
                id=grant.id,
                client_id=grant.client_id,
                user_id=grant.user_id,
                scope=" ".join(grant.scope),
                auth_time=grant.auth_time,
                sid=grant.sid,
                created_at=grant.created_at,
                revoked_at=None,
                issuer=grant.issuer,
                amr=" ".join(grant.amr),
            )
        )
        await self._s.flush()

    async def grant(self, grant_id: str) -> Grant | None:
        row = await self._s.get(GrantRow, grant_id)
        return _grant(row) if row else None

    async def live_grant(self, grant_id: str) -> Grant | None:
        row = await self._s.scalar(
            select(GrantRow)
            .join(UserRow, UserRow.id == GrantRow.user_id)
            .where(
                GrantRow.id == grant_id,
                GrantRow.revoked_at.is_(None),
                UserRow.is_disabled.is_(False),
            )
        )
        return _grant(row) if row else None

    async def user_active(self, user_id: str) -> bool:
        disabled = await self._s.scalar(select(UserRow.is_disabled).where(UserRow.id == user_id))
        return disabled is False

    async def connected_apps(self, user_id: str) -> list[ConnectedApp]:
        of_pair = (
            GrantRow.user_id == ConsentRow.user_id,
            GrantRow.client_id == ConsentRow.client_id,
        )
        last_grant = select(func.max(GrantRow.created_at)).where(*of_pair).scalar_subquery()
        last_refresh = (
            select(func.max(RefreshTokenRow.created_at))
            .join(GrantRow, GrantRow.id == RefreshTokenRow.grant_id)
            .where(*of_pair)
            .scalar_subquery()
        )
        rows = await self._s.execute(
            select(ConsentRow, ClientRow.name, last_grant, last_refresh)
            .join(ClientRow, ClientRow.client_id == ConsentRow.client_id)
            .where(ConsentRow.user_id == user_id)
            .order_by(ClientRow.name, ClientRow.client_id)
        )
        return [
            ConnectedApp(
                client_id=consent.client_id,
                name=name,
                scopes=tuple(format_scopes(consent.scopes.split()).split()),
                consented_at=consent.created_at,
                last_used_at=max((t for t in (granted, refreshed) if t is not None), default=None),
            )
            for consent, name, granted, refreshed in rows
        ]

    async def delete_consent(self, user_id: str, client_id: str) -> bool:
        result = await self._s.execute(
            delete(ConsentRow).where(
                ConsentRow.user_id == user_id, ConsentRow.client_id == client_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def revoke_access(self, user_id: str, at: datetime, *, client_id: str | None) -> int:
        grants = update(GrantRow).where(GrantRow.user_id == user_id, GrantRow.revoked_at.is_(None))
        codes = delete(AuthorizationCodeRow).where(
            AuthorizationCodeRow.user_id == user_id, AuthorizationCodeRow.used_at.is_(None)
        )
        devices = update(DeviceAuthorizationRow).where(
            DeviceAuthorizationRow.user_id == user_id,
            DeviceAuthorizationRow.status.in_(("pending", "approved")),
        )
        if client_id is not None:
            grants = grants.where(GrantRow.client_id == client_id)
            codes = codes.where(AuthorizationCodeRow.client_id == client_id)
            devices = devices.where(DeviceAuthorizationRow.client_id == client_id)
        revoked = await self._s.execute(grants.values(revoked_at=at))
        await self._s.execute(codes)
        await self._s.execute(devices.values(status="denied"))
        count = int(revoked.rowcount)  # type: ignore[attr-defined]
        if count:
            await bump(self._s)  # cached live grants: their access tokens stop at once
        return count

    async def revoke_grant(self, grant_id: str, at: datetime) -> None:
        await self._s.execute(
            update(GrantRow)
            .where(GrantRow.id == grant_id, GrantRow.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        await bump(self._s)

    async def add_refresh_token(self, token: RefreshToken) -> None:
        self._s.add(RefreshTokenRow(**refresh_token_values(token)))
        await self._s.flush()

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = await self._s.get(RefreshTokenRow, token_hash)
        return _refresh(row) if row else None

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        row = await self._s.scalar(
            select(RefreshTokenRow)
            .where(RefreshTokenRow.token_hash == token_hash)
            .with_for_update()
        )
        return _refresh(row) if row else None

    async def deny_access_token(
        self, jti: str, client_id: str, expires_at: datetime, at: datetime
    ) -> None:
        if await self._s.get(RevokedAccessTokenRow, jti) is not None:
            return
        try:
            async with self._s.begin_nested():
                self._s.add(
                    RevokedAccessTokenRow(
                        jti=jti, client_id=client_id, revoked_at=at, expires_at=expires_at
                    )
                )
                await self._s.flush()
            await bump(self._s)
        except IntegrityError:
            pass  # revoked by a concurrent request: already on the list

    async def access_token_denied(self, jti: str) -> bool:
        found = await self._s.scalar(
            select(RevokedAccessTokenRow.jti).where(RevokedAccessTokenRow.jti == jti)
        )
        return found is not None

    async def add_device_authorization(self, device: DeviceAuthorization) -> None:
        try:
            async with self._s.begin_nested():
                self._s.add(
                    DeviceAuthorizationRow(
                        device_code_hash=device.device_code_hash,
                        user_code=device.user_code,
                        client_id=device.client_id,
                        scope=" ".join(device.scope),
                        created_at=device.created_at,
                        expires_at=device.expires_at,
                        interval=device.interval,
                        status=device.status,
                        issuer=device.issuer,
                    )
                )
                await self._s.flush()
        except IntegrityError:
            raise ValueError("user code in use") from None

    async def device_by_user_code(self, user_code: str) -> DeviceAuthorization | None:
        row = await self._s.scalar(
            select(DeviceAuthorizationRow).where(DeviceAuthorizationRow.user_code == user_code)
        )
        return _device(row) if row else None

    async def device_for_update(self, device_code_hash: str) -> DeviceAuthorization | None:
        row = await self._s.scalar(
            select(DeviceAuthorizationRow)
            .where(DeviceAuthorizationRow.device_code_hash == device_code_hash)
            .with_for_update()
        )
        return _device(row) if row else None

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
        given = {
            "status": status,
            "last_polled_at": last_polled_at,
            "interval": interval,
            "user_id": user_id,
            "auth_time": auth_time,
            "sid": sid,
            "amr": " ".join(amr) if amr is not None else None,
        }
        values = {name: value for name, value in given.items() if value is not None}
        if values:
            await self._s.execute(
                update(DeviceAuthorizationRow)
                .where(DeviceAuthorizationRow.device_code_hash == device_code_hash)
                .values(**values)
            )


class SqlGrantTransactions(SqlTransactions[SqlGrantStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlGrantStore)
