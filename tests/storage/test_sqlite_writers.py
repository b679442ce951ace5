"""Concurrent writers on the embedded SQLite database wait their turn instead of failing."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from cclibs.clock import SystemClock
from cclibs.storage import Database, migrate
from cclibs.storage.accounts import SqlAccountTransactions

pytestmark = pytest.mark.anyio


async def test_forty_concurrent_read_then_write_transactions_all_commit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    db = Database(url)
    tx = SqlAccountTransactions(db)
    clock = SystemClock()

    async def one(n: int) -> None:
        # The shape that fails under plain BEGIN: read first, then write in the same transaction.
        async with tx.write() as store:
            await store.failures_since("address", "10.0.0.1", clock.now().replace(year=2000))
            await store.record_failure("address", "10.0.0.1", clock.now())

    try:
        # Under a plain BEGIN these transactions deadlock on the lock upgrade until the busy
        # timeouts run out; bound the wait so that regression fails instead of hanging.
        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                for n in range(40):
                    group.start_soon(one, n)
        async with tx.read() as store:
            failures = await store.failures_since(
                "address", "10.0.0.1", clock.now().replace(year=2000)
            )
    finally:
        await db.dispose()
    assert len(failures) == 40
