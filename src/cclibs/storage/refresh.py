"""The refresh grant's statements (``cclibs.oauth.grant_ports.RefreshStore``) in SQLAlchemy Core.

A refresh is the one write on a hot path: lock the presented token, check its family, mark it
rotated, store its successor. Here that is one short transaction on a bare connection, no ORM
session: no identity map, no unit of work, no flush. Reading the token also reads its grant
and the grant's user in the same statement, so the grant's liveness check that follows costs
no second round trip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import Executable, Row, Table, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cclibs.oauth.grant_ports import Grant, RefreshToken, StaleRead
from cclibs.storage import direct
from cclibs.storage.db import CoreConnection, Database
from cclibs.storage.tables import GrantRow, RefreshTokenRow, UserRow
from cclibs.storage.versions import bump

__all__ = [
    "CoreGrantWrites",
    "CoreRefreshStore",
    "SqlRefreshTransactions",
    "UnlockedRefreshStore",
    "refresh_token_values",
]

_tokens = cast(Table, RefreshTokenRow.__table__)
_grants = cast(Table, GrantRow.__table__)
_users = cast(Table, UserRow.__table__)

_TOKEN_AND_FAMILY = (
    select(
        _tokens,
        _grants.c.client_id.label("grant_client_id"),
        _grants.c.user_id,
        _grants.c.scope.label("grant_scope"),
        _grants.c.auth_time,
        _grants.c.sid,
        _grants.c.created_at.label("grant_created_at"),
        _grants.c.revoked_at,
        _grants.c.issuer,
        _grants.c.amr,
        _users.c.is_disabled,
    )
    .join(_grants, _grants.c.id == _tokens.c.grant_id)
    .join(_users, _users.c.id == _grants.c.user_id)
    .where(_tokens.c.token_hash == bindparam("hash_"))
)
_TOKEN_WITH_FAMILY = _TOKEN_AND_FAMILY.with_for_update(of=_tokens)
# The statements are made once, their values bound at execution: a statement used again keeps
# its cache key, which SQLAlchemy would otherwise work out anew on every refresh.
_MARK_ROTATED = (
    update(_tokens)
    .where(_tokens.c.token_hash == bindparam("hash_"), _tokens.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("at_"))
)
_ADD_TOKEN = insert(_tokens)
# PostgreSQL, a first use without the lock: the rotation written only if the token is still
# unrotated, in one statement whose row counts the tokens it rotated (0 or 1); the successor is
# inserted only with a rotation.
_ROTATING = (
    update(_tokens)
    .where(_tokens.c.token_hash == bindparam("hash_"), _tokens.c.rotated_at.is_(None))
    .values(rotated_at=bindparam("at_"))
    .returning(_tokens.c.grant_id)
    .cte("rotated")
)
_ROTATE_IF_UNROTATED = select(func.count()).select_from(_ROTATING)
_ROTATE_IF_UNROTATED_AND_ADD = _ROTATE_IF_UNROTATED.add_cte(
    insert(_tokens)
    .from_select(
        [c.name for c in _tokens.columns],
        select(*(bindparam(f"new_{c.name}", type_=c.type) for c in _tokens.columns)).select_from(
            _ROTATING
        ),
    )
    .cte("added")
)


def _refresh(row: Row[tuple[object, ...]]) -> RefreshToken:
    m = row._mapping
    return RefreshToken(
        token_hash=m["token_hash"],
        grant_id=m["grant_id"],
        client_id=m["client_id"],
        scope=tuple(m["scope"].split()),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        rotated_at=m["rotated_at"],
    )


def _grant(
    row: Row[tuple[object, ...]], *, id: str, client_id: str, scope: str, created_at: str
) -> Grant:
    """A live grant from ``row``; the named columns differ between a grant row and a token row
    joined to its grant (where the grant's own id, client, scope and creation carry labels)."""
    m = row._mapping
    return Grant(
        id=m[id],
        client_id=m[client_id],
        user_id=m["user_id"],
        scope=tuple(m[scope].split()),
        auth_time=m["auth_time"],
        sid=m["sid"],
        created_at=m[created_at],
        revoked_at=None,
        issuer=m["issuer"],
        amr=tuple(m["amr"].split()),
    )


def _live_grant(row: Row[tuple[object, ...]]) -> Grant | None:
    m = row._mapping
    if m["revoked_at"] is not None or m["is_disabled"]:
        return None
    return _grant(
        row,
        id="grant_id",
        client_id="grant_client_id",
        scope="grant_scope",
        created_at="grant_created_at",
    )


def _token_of(
    row: Row[tuple[object, ...]] | None, families: dict[str, Grant | None]
) -> RefreshToken | None:
    """The token of a row read with its family, whose grant's liveness goes into ``families``."""
    if row is None:
        return None
    families[row.grant_id] = _live_grant(row)
    return _refresh(row)


def refresh_token_values(token: RefreshToken) -> dict[str, object]:
    """The columns of a new refresh token's row, for this Core insert and the ORM store alike."""
    return {
        "token_hash": token.token_hash,
        "grant_id": token.grant_id,
        "client_id": token.client_id,
        "scope": " ".join(token.scope),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "rotated_at": None,
    }


_REVOKE_GRANT = (
    update(_grants)
    .where(_grants.c.id == bindparam("id_"), _grants.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("at_"))
)


class CoreGrantWrites:
    """The writes a refresh and a code redemption share, on the transaction's connection."""

    def __init__(self, conn: CoreConnection) -> None:
        self._c = conn

    async def revoke_grant(self, grant_id: str, at: datetime) -> None:
        await direct.execute(self._c, _REVOKE_GRANT, {"id_": grant_id, "at_": at})
        await bump(self._c)  # its access tokens stop at once, wherever they are checked

    async def add_refresh_token(self, token: RefreshToken) -> None:
        await direct.execute(self._c, _ADD_TOKEN, refresh_token_values(token))


class CoreRefreshStore(CoreGrantWrites):
    def __init__(self, conn: CoreConnection) -> None:
        super().__init__(conn)
        self._families: dict[str, Grant | None] = {}
        """Grants read with a token in this transaction (their liveness at that moment)."""

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        row = await direct.first(self._c, _TOKEN_WITH_FAMILY, {"hash_": token_hash})
        return _token_of(row, self._families)

    async def live_grant(self, grant_id: str) -> Grant | None:
        if grant_id in self._families:
            return self._families[grant_id]
        row = (
            await self._c.execute(
                select(_grants)
                .join(_users, _users.c.id == _grants.c.user_id)
                .where(
                    _grants.c.id == grant_id,
                    _grants.c.revoked_at.is_(None),
                    _users.c.is_disabled.is_(False),
                )
            )
        ).first()
        if row is None:
            return None
        return _grant(row, id="id", client_id="client_id", scope="scope", created_at="created_at")

    async def mark_rotated(self, token_hash: str, at: datetime) -> None:
        await direct.execute(self._c, _MARK_ROTATED, {"hash_": token_hash, "at_": at})

    async def revoke_grant(self, grant_id: str, at: datetime) -> None:
        await super().revoke_grant(grant_id, at)
        self._families[grant_id] = None


class UnlockedRefreshStore:
    """A token's first use on PostgreSQL, each statement alone (``RefreshTransactions.unlocked``):
    the token and its family read without a lock, then its rotation and successor written in
    one statement on condition that it is still unrotated. Anything else a refresh might do
    (a revocation, a second token) belongs under the lock: ``StaleRead`` sends it there."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._c = conn
        self._families: dict[str, Grant | None] = {}
        self._rotated: dict[str, object] | None = None

    async def refresh_token_for_update(self, token_hash: str) -> RefreshToken | None:
        if self._families or self._rotated is not None:
            raise StaleRead("a second token is read under the lock")
        row = await direct.alone(self._c, _TOKEN_AND_FAMILY, {"hash_": token_hash})
        return _token_of(row, self._families)

    async def live_grant(self, grant_id: str) -> Grant | None:
        if grant_id not in self._families:
            raise StaleRead("a grant not read with the token is read under the lock")
        return self._families[grant_id]

    async def mark_rotated(self, token_hash: str, at: datetime) -> None:
        if self._rotated is not None:
            raise StaleRead("a second rotation is written under the lock")
        self._rotated = {"hash_": token_hash, "at_": at}

    async def add_refresh_token(self, token: RefreshToken) -> None:
        if self._rotated is None:
            raise StaleRead("a token added without a rotation is written under the lock")
        rotated, self._rotated = self._rotated, None
        values = {f"new_{name}": value for name, value in refresh_token_values(token).items()}
        await self._rotate(_ROTATE_IF_UNROTATED_AND_ADD, {**rotated, **values})

    async def revoke_grant(self, grant_id: str, at: datetime) -> None:
        raise StaleRead("a revocation is written under the lock")

    async def flush(self) -> None:
        """Write a rotation with no successor (its client gets no refresh token any more)."""
        if self._rotated is not None:
            rotated, self._rotated = self._rotated, None
            await self._rotate(_ROTATE_IF_UNROTATED, rotated)

    async def _rotate(self, statement: Executable, params: dict[str, object]) -> None:
        row = await direct.alone(self._c, statement, params)
        if row is None or row[0] != 1:
            raise StaleRead("the token was rotated since it was read")


class SqlRefreshTransactions:
    def __init__(self, db: Database) -> None:
        self._db = db

    def unlocked(self) -> AbstractAsyncContextManager[UnlockedRefreshStore] | None:
        """On PostgreSQL; SQLite's statements run on the loop, where the lock costs nothing."""
        return None if self._db.is_sqlite else self._unlocked()

    @asynccontextmanager
    async def _unlocked(self) -> AsyncIterator[UnlockedRefreshStore]:
        async with self._db.bare_connection() as conn:
            store = UnlockedRefreshStore(conn)
            yield store
            await store.flush()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[CoreRefreshStore]:
        async with self._db.write_connection() as conn:
            yield CoreRefreshStore(conn)
