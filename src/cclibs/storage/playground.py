"""SQL implementation of ``cclibs.playground.ports``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.storage.db import Database
from cclibs.storage.tables import PlaygroundSessionRow
from cclibs.storage.transactions import SqlTransactions

__all__ = ["SqlPlaygroundStore", "SqlPlaygroundTransactions"]


class SqlPlaygroundStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def load(self, id_hash: str, now: datetime) -> str | None:
        row = await self._s.get(PlaygroundSessionRow, id_hash)
        if row is None or row.expires_at <= now:
            return None
        return row.sealed

    async def load_for_update(self, id_hash: str, now: datetime) -> str | None:
        # FOR UPDATE on PostgreSQL; SQLite's write transactions (BEGIN IMMEDIATE) are
        # serialized already.
        row = await self._s.scalar(
            select(PlaygroundSessionRow)
            .where(PlaygroundSessionRow.id_hash == id_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if row is None or row.expires_at <= now:
            return None
        return row.sealed

    async def save(self, id_hash: str, sealed: str, now: datetime, expires_at: datetime) -> None:
        row = await self._s.get(PlaygroundSessionRow, id_hash)
        if row is None:
            self._s.add(
                PlaygroundSessionRow(
                    id_hash=id_hash,
                    sealed=sealed,
                    created_at=now,
                    updated_at=now,
                    expires_at=expires_at,
                )
            )
        else:
            row.sealed = sealed
            row.updated_at = now
            row.expires_at = expires_at
        await self._s.flush()

    async def delete(self, id_hash: str) -> None:
        await self._s.execute(
            delete(PlaygroundSessionRow).where(PlaygroundSessionRow.id_hash == id_hash)
        )

    async def purge(self, now: datetime, limit: int) -> int:
        expired = list(
            await self._s.scalars(
                select(PlaygroundSessionRow.id_hash)
                .where(PlaygroundSessionRow.expires_at <= now)
                .limit(limit)
            )
        )
        if expired:
            await self._s.execute(
                delete(PlaygroundSessionRow).where(PlaygroundSessionRow.id_hash.in_(expired))
            )
        return len(expired)


class SqlPlaygroundTransactions(SqlTransactions[SqlPlaygroundStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlPlaygroundStore)
