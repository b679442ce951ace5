"""SQLite's statements run on the loop (``cclibs.storage.sqlite_loop``) except those that would
hold it: a long read finishes in a thread with the right answer while the loop serves others,
a read that moves inside a write transaction keeps that transaction's writes, a session that
waits for another process's writer waits in a thread, and a cancelled long read leaves the
database usable."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy import text

from cclibs.storage import Database

pytestmark = pytest.mark.anyio

# About a second of SQLite's time on this machine: far over the loop's budget for one read.
LONG_READ = text(
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :last) "
    "SELECT count(*), sum(x) FROM n"
)
LAST = 3_000_000


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'loop.sqlite3'}")
    async with database.write() as session:
        await session.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    yield database
    await database.dispose()


class Ticker:
    """Counts the turns the loop gives a task that sleeps 5 ms at a time."""

    def __init__(self) -> None:
        self.ticks = 0
        self._stop = anyio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            await anyio.sleep(0.005)
            self.ticks += 1

    def stop(self) -> None:
        self._stop.set()


async def long_read(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        row = (await session.execute(LONG_READ, {"last": LAST})).one()
    return int(row[0]), int(row[1])


async def test_a_long_read_answers_from_a_thread_while_the_loop_serves_others(
    db: Database,
) -> None:
    ticker = Ticker()
    answers: list[tuple[int, int]] = []

    async def read() -> None:
        answers.append(await long_read(db))
        ticker.stop()

    async with anyio.create_task_group() as group:
        group.start_soon(ticker.run)
        group.start_soon(read)
    assert answers == [(LAST, LAST * (LAST + 1) // 2)]
    # On the loop, the read would have held it for its whole second: no tick at all.
    assert ticker.ticks >= 10


async def test_short_reads_and_writes_answer_on_the_loop(db: Database) -> None:
    async with db.write() as session:
        for n in range(20):
            await session.execute(
                text("INSERT INTO notes (id, body) VALUES (:id, :body)"),
                {"id": n, "body": f"note {n}"},
            )
    async with db.read() as session:
        bodies = (await session.execute(text("SELECT body FROM notes ORDER BY id"))).scalars()
        assert list(bodies) == [f"note {n}" for n in range(20)]


async def test_a_long_read_inside_a_write_transaction_keeps_its_writes(db: Database) -> None:
    async with db.write() as session:
        await session.execute(text("INSERT INTO notes (id, body) VALUES (1, 'before')"))
        row = (await session.execute(LONG_READ, {"last": LAST})).one()
        await session.execute(text("INSERT INTO notes (id, body) VALUES (2, 'after')"))
    assert int(row[0]) == LAST
    async with db.read() as session:
        bodies = (await session.execute(text("SELECT body FROM notes ORDER BY id"))).scalars()
        assert list(bodies) == ["before", "after"]


async def test_a_session_waiting_for_another_writer_does_not_stall_the_loop(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "loop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    written = anyio.Event()
    ticker = Ticker()

    async def write() -> None:
        async with db.write() as session:
            await session.execute(text("INSERT INTO notes (id, body) VALUES (7, 'waited')"))
        written.set()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(ticker.run)
            group.start_soon(write)
            await anyio.sleep(0.3)
            assert not written.is_set()
            assert ticker.ticks >= 10  # the wait is in a thread
            other.execute("COMMIT")
            with anyio.fail_after(5):
                await written.wait()
            ticker.stop()
    finally:
        other.close()
    async with db.read() as session:
        assert (await session.execute(text("SELECT body FROM notes"))).scalars().all() == ["waited"]


async def test_a_cancelled_long_read_leaves_the_database_usable(db: Database) -> None:
    task = asyncio.ensure_future(long_read(db))
    await anyio.sleep(0.1)  # the read is in its thread by now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with anyio.fail_after(5):
        async with db.write() as session:
            await session.execute(text("INSERT INTO notes (id, body) VALUES (3, 'next')"))
        async with db.read() as session:
            assert (await session.execute(text("SELECT body FROM notes"))).scalars().all() == [
                "next"
            ]
