"""SQLite's Core write transactions (``Database.write_connection``, statements on the loop):
they commit or roll back whole, wait for another process's writer without stalling the loop,
and a writer cancelled while it waits leaves no lock behind."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from sqlalchemy import select

from cclibs.storage import Database, migrate
from cclibs.storage.tables import ChangeCounterRow
from cclibs.storage.versions import bump

pytestmark = pytest.mark.anyio


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    url = f"sqlite:///{tmp_path / 'loop.sqlite3'}"
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    database = Database(url)
    await counter(database)  # its first connection puts the file in WAL mode, as a server does
    yield database
    await database.dispose()


async def counter(db: Database) -> int:
    """The credentials counter (registering the first-party credential counted once already)."""
    found = await db.read_scalar(
        select(ChangeCounterRow.version).where(ChangeCounterRow.name == "credentials")
    )
    return int(found or 0)


async def test_a_transaction_commits_whole_or_not_at_all(db: Database) -> None:
    start = await counter(db)
    async with db.write_connection() as conn:
        await bump(conn)
        await bump(conn)
    assert await counter(db) == start + 2
    with pytest.raises(RuntimeError):
        async with db.write_connection() as conn:
            await bump(conn)
            raise RuntimeError("refused halfway")
    assert await counter(db) == start + 2


async def test_waiting_for_another_writer_does_not_stall_the_loop(
    db: Database, tmp_path: Path
) -> None:
    start = await counter(db)
    other = sqlite3.connect(tmp_path / "loop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing
    done = anyio.Event()

    async def write() -> None:
        async with db.write_connection() as conn:
            await bump(conn)
        done.set()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(write)
            # The loop still serves reads while the writer waits for the lock ...
            for _ in range(5):
                assert await counter(db) == start
                await anyio.sleep(0.02)
            assert not done.is_set()
            other.execute("COMMIT")  # ... and the writer goes on once it is free.
            with anyio.fail_after(5):
                await done.wait()
    finally:
        other.close()
    assert await counter(db) == start + 1


async def test_a_writer_cancelled_while_waiting_leaves_no_lock(
    db: Database, tmp_path: Path
) -> None:
    start = await counter(db)
    other = sqlite3.connect(tmp_path / "loop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with db.write_connection() as conn:
            await bump(conn)

    task = asyncio.ensure_future(write())
    await anyio.sleep(0.1)  # waiting for the lock in its thread
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    other.execute("COMMIT")
    other.close()
    await anyio.sleep(0.1)  # the thread gets the lock, and gives it back
    with anyio.fail_after(5):  # a leaked transaction would hold the lock for good
        async with db.write_connection() as conn:
            await bump(conn)
    assert await counter(db) == start + 1


async def test_a_lock_that_outlasts_the_busy_timeout_fails_as_a_database_error(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's BEGIN runs on the driver; a lock held past the timeout still surfaces as
    SQLAlchemy's OperationalError (what the callers and the error pages handle), nothing is
    written, and the next writer goes on once the lock is free."""
    from sqlalchemy.exc import OperationalError

    writer = db._loop_writer
    assert writer is not None
    monkeypatch.setattr(writer, "_wait_ms", 50)
    start = await counter(db)
    other = sqlite3.connect(tmp_path / "loop.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with db.write_connection() as conn:
                await bump(conn)
    finally:
        other.execute("COMMIT")
        other.close()
    assert await counter(db) == start
    async with db.write_connection() as conn:
        await bump(conn)
    assert await counter(db) == start + 1
