"""``cclibs.storage.direct``: the hot statements on the SQLite driver, or on asyncpg, without
Core's execution give what Core gives (values converted by their types, SQLAlchemy's errors),
in the same transactions; statements it cannot run alone go through Core."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anyio
import asyncpg
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from cclibs.storage import Database, direct
from cclibs.storage.sqlite_loop import LoopDBAPIConnection
from cclibs.storage.tables._base import UtcDateTime
from tests.storage.test_postgres_pool import drop_connections

pytestmark = pytest.mark.anyio

_meta = MetaData()
probes = Table(
    "direct_probe",
    _meta,
    Column("id", String(40), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("at", UtcDateTime(), nullable=True),
    Column("note", String(40), nullable=False, default=lambda: "filled by Python"),
)
BY_N = select(probes).where(probes.c.n >= bindparam("least")).order_by(probes.c.n)
COUNT = select(func.count()).select_from(probes)
FLAGGED = select(probes.c.id, probes.c.flag.label("flagged")).where(probes.c.flag.is_(True))
ADD = insert(probes)
TOUCH = update(probes).where(probes.c.id == bindparam("id_")).values(at=bindparam("at_"))
AT = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=UTC)

_n = select(literal(1).label("x")).cte("n", recursive=True)
_n = _n.union_all(select((_n.c.x + 1).label("x")).where(_n.c.x < bindparam("last")))
LONG_READ = select(func.count(), func.sum(_n.c.x)).select_from(_n)
LAST = 3_000_000  # about a second of SQLite's time: far over the loop's budget for one read


@asynccontextmanager
async def probed(url: str, **options: Any) -> AsyncIterator[Database]:
    """A database with the probe table, dropped afterwards."""
    database = Database(url, **options)
    async with database.write() as session:
        await session.run_sync(lambda s: _meta.create_all(s.connection()))
    try:
        yield database
    finally:
        async with database.write() as session:
            await session.run_sync(lambda s: _meta.drop_all(s.connection()))
        await database.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with probed(database_url) as database:
        yield database


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    async with probed(f"sqlite:///{tmp_path / 'direct.sqlite3'}") as database:
        yield database


def _row(n: int, *, flag: bool = False, at: datetime | None = None) -> dict[str, Any]:
    return {"id": f"p{n}-{uuid.uuid4().hex[:8]}", "n": n, "flag": flag, "at": at, "note": "x"}


async def _add(db: Database, *rows: dict[str, Any]) -> None:
    async with db.write_connection() as conn:
        for row in rows:
            await direct.execute(conn, ADD, row)


class Statements:
    """The statements Core executes on a connection (its cursor events)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.seen: list[str] = []
        self._conn = conn.sync_connection
        event.listen(self._conn, "before_cursor_execute", self._capture)

    def _capture(self, *args: Any) -> None:
        if args[2] != "BEGIN":
            self.seen.append(args[2])

    def close(self) -> None:
        event.remove(self._conn, "before_cursor_execute", self._capture)


async def test_rows_are_what_core_reads(db: Database) -> None:
    await _add(db, _row(1, flag=True, at=AT), _row(2), _row(3, flag=True, at=AT + timedelta(1)))
    async with db.read() as session:
        conn = await session.connection()
        core = Statements(conn)
        got = await direct.rows(session, BY_N, {"least": 2})
        ran_by_core = list(core.seen)
        expected = (await conn.execute(BY_N, {"least": 2})).all()
        core.close()
        flagged = await direct.rows(session, FLAGGED)
        assert await direct.scalar(session, COUNT) == 3
        assert await direct.first(session, BY_N, {"least": 9}) is None
    assert [tuple(row) for row in got] == [tuple(row) for row in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert dict(mine._mapping) == dict(theirs._mapping)
        assert (mine.n, mine.flag, mine.at) == (theirs.n, theirs.flag, theirs.at)
        # Converted by the columns' types: a bool (not SQLite's 0/1), a UTC datetime (not text).
        assert type(mine.flag) is bool
        assert mine.at is None or mine.at.tzinfo is UTC
    assert got[1].at == AT + timedelta(1)
    assert sorted((row.id[:2], row.flagged) for row in flagged) == [("p1", True), ("p3", True)]
    # On a SQLite file and on PostgreSQL alike, the reads skip Core.
    assert ran_by_core == []


async def test_writes_convert_their_values_and_fail_as_core_does(db: Database) -> None:
    first = _row(1)
    await _add(db, first)
    async with db.write_connection() as conn:
        await direct.execute(conn, TOUCH, {"id_": first["id"], "at_": AT})
    with pytest.raises(IntegrityError):  # SQLAlchemy's, as callers catch it
        async with db.write_connection() as conn:
            await direct.execute(conn, ADD, _row(2))
            await direct.execute(conn, ADD, {**_row(3), "id": first["id"]})
    with pytest.raises(StatementError, match="value is required for bind parameter 'least'"):
        async with db.read() as session:
            await direct.rows(session, BY_N)
    async with db.read() as session:
        rows = await direct.rows(session, BY_N, {"least": 0})
        # Stored as Core stores it: Core's own comparison with the same value finds it.
        conn = await session.connection()
        same = (await conn.execute(select(probes.c.id).where(probes.c.at == AT))).all()
    # The failed transaction left nothing behind, its first insert included.
    assert [(row.id, row.at) for row in rows] == [(first["id"], AT)]
    assert [row.id for row in same] == [first["id"]]


async def test_statements_that_need_core_at_execution_still_work(db: Database) -> None:
    rows = [_row(n) for n in range(4)]
    await _add(db, *rows)
    async with db.write_connection() as conn:  # a Python-side default: Core fills it in
        await direct.execute(conn, ADD, {"id": "default", "n": 9, "flag": False})
    wanted = select(probes.c.n).where(probes.c.id.in_(bindparam("ids", expanding=True)))
    async with db.read() as session:
        found = await direct.rows(session, wanted, {"ids": [rows[1]["id"], rows[3]["id"]]})
        note = await direct.scalar(session, select(probes.c.note).where(probes.c.n == 9))
    assert sorted(row.n for row in found) == [1, 3]
    assert note == "filled by Python"


async def test_a_sqlite_read_keeps_one_snapshot_and_leaves_none_open(sqlite_db: Database) -> None:
    await _add(sqlite_db, _row(1), _row(2))
    async with sqlite_db.read() as session:
        before = await direct.scalar(session, COUNT)
        await _add(sqlite_db, _row(3))  # another transaction commits meanwhile
        during = await direct.scalar(session, COUNT)
        # Core and the ORM join the transaction the direct read began.
        orm = (await session.execute(COUNT)).scalar()
        driver = (await (await session.connection()).get_raw_connection()).dbapi_connection
        assert isinstance(driver, LoopDBAPIConnection)
    async with sqlite_db.read() as session:
        after = await direct.scalar(session, COUNT)
    assert (before, during, orm, after) == (2, 2, 2, 3)
    # Back in the pool without a transaction: no snapshot held against WAL checkpoints.
    assert not driver.in_transaction


async def test_a_long_direct_read_answers_from_a_thread_while_the_loop_ticks(
    sqlite_db: Database,
) -> None:
    ticks = 0
    answers: list[tuple[int, int]] = []
    done = anyio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            await anyio.sleep(0.005)
            ticks += 1

    async def read() -> None:
        async with sqlite_db.read() as session:
            row = await direct.first(session, LONG_READ, {"last": LAST})
        answers.append((int(row[0]), int(row[1])))
        done.set()

    async with anyio.create_task_group() as group:
        group.start_soon(tick)
        group.start_soon(read)
    assert answers == [(LAST, LAST * (LAST + 1) // 2)]
    assert ticks >= 10  # on the loop, the read would have held it for its whole second


async def test_a_cancelled_direct_read_leaves_the_database_usable(sqlite_db: Database) -> None:
    async def read() -> None:
        async with sqlite_db.read() as session:
            await direct.first(session, LONG_READ, {"last": LAST})

    task = asyncio.ensure_future(read())
    await anyio.sleep(0.1)  # the read is in its thread by now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with anyio.fail_after(5):
        await _add(sqlite_db, _row(7))
        async with sqlite_db.read() as session:
            assert await direct.scalar(session, COUNT) == 1


@pytest.fixture
async def postgres_db(postgres_url: str) -> AsyncIterator[Database]:
    async with probed(postgres_url) as database:
        yield database


async def test_postgresql_statements_share_one_transaction_with_core(postgres_db: Database) -> None:
    # now() is the transaction's start: one value means one transaction, direct or not. A
    # direct read opens none (READ COMMITTED gives each statement its own snapshot anyway),
    # and joins the one a Core statement opened.
    at_start = select(func.now().label("t"))
    async with postgres_db.read() as session:
        alone = await direct.scalar(session, at_start)
        await anyio.sleep(0.01)
        by_core = (await session.execute(at_start)).scalar()
        await anyio.sleep(0.01)
        joined = await direct.scalar(session, at_start)
    assert alone < by_core == joined
    kept = _row(1)
    with pytest.raises(RuntimeError):
        async with postgres_db.write_connection() as conn:
            await direct.execute(conn, ADD, _row(2))  # begins the transaction
            await conn.execute(insert(probes).values(**_row(3)))  # Core, in the same one
            raise RuntimeError("the request failed")
    async with postgres_db.write_connection() as conn:
        await conn.execute(insert(probes).values(**kept))  # Core begins this one
        await direct.execute(conn, TOUCH, {"id_": kept["id"], "at_": AT})
    async with postgres_db.read() as session:
        rows = await direct.rows(session, BY_N, {"least": 0})
    assert [(row.id, row.at) for row in rows] == [(kept["id"], AT)]


async def test_a_postgresql_connection_lost_mid_transaction_fails_once(
    postgres_db: Database, postgres_url: str
) -> None:
    await _add(postgres_db, _row(1))
    with pytest.raises(DBAPIError) as failed:
        async with postgres_db.write_connection() as conn:
            pid = await direct.scalar(conn, select(func.pg_backend_pid()))
            admin = await asyncpg.connect(postgres_url)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()
            await direct.execute(conn, ADD, _row(2))
    assert isinstance(failed.value, DBAPIError)  # SQLAlchemy's class, as callers catch it
    with anyio.fail_after(10):  # the pool gives the next transaction a live connection
        await _add(postgres_db, _row(3))
        async with postgres_db.read() as session:
            assert sorted(row.n for row in await direct.rows(session, BY_N, {"least": 0})) == [
                1,
                3,
            ]


async def test_a_write_cancelled_mid_statement_leaves_no_connection_in_a_transaction(
    postgres_url: str,
) -> None:
    # One connection: the cancelled write's is the next write's.
    async with probed(postgres_url, pool_size=1) as db:
        await _add(db, _row(1))
        cancelled = asyncio.ensure_future(_add(db, _row(2)))
        await asyncio.sleep(0)  # it runs up to its first wait: the BEGIN, in flight
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        await _add(db, _row(3))
        other = await asyncpg.connect(postgres_url)
        try:
            committed = sorted(r["n"] for r in await other.fetch("SELECT n FROM direct_probe"))
            stuck = await other.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        finally:
            await other.close()
        # The write after it committed for real (not as a savepoint of a transaction the
        # cancelled one left open), and no connection sits in a transaction.
        assert 3 in committed and 1 in committed
        assert stuck == []


async def test_a_statement_prepared_before_a_schema_change_is_prepared_again(
    postgres_db: Database, postgres_url: str
) -> None:
    await _add(postgres_db, _row(1))
    async with postgres_db.read() as session:
        assert [row.n for row in await direct.rows(session, BY_N, {"least": 0})] == [1]
    other = await asyncpg.connect(postgres_url)  # a migration from another process
    try:
        await other.execute("ALTER TABLE direct_probe ALTER COLUMN n TYPE BIGINT")
    finally:
        await other.close()
    failed = 0
    for _ in range(4):
        try:
            async with postgres_db.read() as session:
                assert [row.n for row in await direct.rows(session, BY_N, {"least": 0})] == [1]
        except DBAPIError:
            failed += 1
    assert failed <= 1  # the first may meet the stale statement; the rest prepare it again


async def test_after_a_server_restart_one_request_fails_not_one_per_connection(
    postgres_db: Database, postgres_url: str
) -> None:

    await _add(postgres_db, _row(1))

    async def hold() -> None:
        async with postgres_db.read() as session:
            await direct.rows(session, BY_N, {"least": 0})
            await anyio.sleep(0.05)  # five connections at once

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(hold)
    assert await drop_connections(postgres_url) >= 5
    failed = 0
    for _ in range(5):
        try:
            async with postgres_db.read() as session:
                await direct.rows(session, BY_N, {"least": 0})
        except DBAPIError:
            failed += 1
    assert failed <= 1
