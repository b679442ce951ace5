"""``Database.read()``: Core reads on the transaction's own connection, ORM reads on the same
one, and nothing left open afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from cclibs.storage import Database

pytestmark = pytest.mark.anyio


async def _table(db: Database, rows: int) -> None:
    async with db.write() as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS read_probe (n INTEGER)"))
        for n in range(rows):
            await session.execute(text("INSERT INTO read_probe (n) VALUES (:n)"), {"n": n})


async def test_core_and_orm_reads_share_the_transactions_connection(database_url: str) -> None:
    db = Database(database_url)
    try:
        await _table(db, 3)
        async with db.read() as session:
            core = await session.connection()
            count = (await core.execute(text("SELECT count(*) FROM read_probe"))).scalar()
            assert core.in_transaction()

            def orm_side(sync: Session) -> object:
                return sync.connection().connection.dbapi_connection

            assert (
                await session.run_sync(orm_side) is core.sync_connection.connection.dbapi_connection
            )  # type: ignore[union-attr]
            orm_count = (await session.execute(text("SELECT count(*) FROM read_probe"))).scalar()
            assert count == orm_count == 3
        assert core.closed
        async with db.write() as session:
            await session.execute(text("DROP TABLE read_probe"))
    finally:
        await db.dispose()


async def test_a_sqlite_read_transaction_keeps_its_snapshot_across_core_and_orm(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'snapshot.sqlite3'}")
    try:
        await _table(db, 2)
        async with db.read() as session:
            core = await session.connection()
            before = (await core.execute(text("SELECT count(*) FROM read_probe"))).scalar()
            await _table(db, 5)  # another transaction commits five more rows meanwhile
            during = (await session.execute(text("SELECT count(*) FROM read_probe"))).scalar()
        async with db.read() as session:
            after = (await session.execute(text("SELECT count(*) FROM read_probe"))).scalar()
    finally:
        await db.dispose()
    assert (before, during, after) == (2, 2, 7)
