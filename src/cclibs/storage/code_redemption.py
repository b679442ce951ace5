"""Authorization-code redemption's statements (``cclibs.oauth.grant_ports.RedemptionStore``) in
SQLAlchemy Core, as the refresh grant's are (``cclibs.storage.refresh``).

One short write transaction on a bare connection: lock the code, and read its user's state in
the same statement (the check that follows costs no round trip); store the grant, mark the
code used, store the refresh token. Measured against the ORM session it replaced: see
bench/README.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update

from cclibs.oauth.grant_ports import AuthorizationCode, Grant
from cclibs.storage import direct
from cclibs.storage.db import CoreConnection, Database
from cclibs.storage.grants import code_of
from cclibs.storage.refresh import CoreGrantWrites
from cclibs.storage.tables import AuthorizationCodeRow, GrantRow, UserRow

__all__ = ["CoreRedemptionStore", "SqlRedemptionTransactions"]

_codes = cast(Table, AuthorizationCodeRow.__table__)
_grants = cast(Table, GrantRow.__table__)
_users = cast(Table, UserRow.__table__)

_CODE_WITH_USER = (
    select(_codes, _users.c.is_disabled)
    .join(_users, _users.c.id == _codes.c.user_id)
    .with_for_update(of=_codes)
    .where(_codes.c.code_hash == bindparam("hash_"))
)
_USER_DISABLED = select(_users.c.is_disabled).where(_users.c.id == bindparam("id_"))
_MARK_USED = (
    update(_codes)
    .where(_codes.c.code_hash == bindparam("hash_"))
    .values(used_at=bindparam("at_"), grant_id=bindparam("grant_"))
)
_ADD_GRANT = insert(_grants)


class CoreRedemptionStore(CoreGrantWrites):
    def __init__(self, conn: CoreConnection) -> None:
        super().__init__(conn)
        self._active: dict[str, bool] = {}
        """Users read with a code in this transaction (their state at that moment)."""

    async def code_for_update(self, code_hash: str) -> AuthorizationCode | None:
        row = await direct.first(self._c, _CODE_WITH_USER, {"hash_": code_hash})
        if row is None:
            return None
        self._active[row.user_id] = row.is_disabled is False
        return code_of(row)

    async def user_active(self, user_id: str) -> bool:
        if user_id in self._active:
            return self._active[user_id]
        disabled = await direct.scalar(self._c, _USER_DISABLED, {"id_": user_id})
        return disabled is False

    async def add_grant(self, grant: Grant) -> None:
        await direct.execute(
            self._c,
            _ADD_GRANT,
            {
                "id": grant.id,
                "client_id": grant.client_id,
                "user_id": grant.user_id,
                "scope": " ".join(grant.scope),
                "auth_time": grant.auth_time,
                "sid": grant.sid,
                "created_at": grant.created_at,
                "revoked_at": None,
                "issuer": grant.issuer,
                "amr": " ".join(grant.amr),
            },
        )

    async def mark_code_used(self, code_hash: str, at: datetime, grant_id: str) -> None:
        await direct.execute(
            self._c, _MARK_USED, {"hash_": code_hash, "at_": at, "grant_": grant_id}
        )


class SqlRedemptionTransactions:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def write(self) -> AsyncIterator[CoreRedemptionStore]:
        async with self._db.write_connection() as conn:
            yield CoreRedemptionStore(conn)
