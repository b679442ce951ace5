"""Closing connections and sessions: at once when the close does not wait, in a shielded task
when it does, and never abandoned halfway by a cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from cclibs.storage import Database
from cclibs.storage.closing import close_promptly

pytestmark = pytest.mark.anyio


async def test_a_close_that_does_not_wait_runs_in_the_callers_task() -> None:
    ran_in: list[asyncio.Task[Any] | None] = []

    async def close() -> None:
        ran_in.append(asyncio.current_task())

    tasks_before = len(asyncio.all_tasks())
    await close_promptly(close())
    assert ran_in == [asyncio.current_task()]
    assert len(asyncio.all_tasks()) == tasks_before


async def test_a_close_that_waits_finishes_with_what_it_was_sent() -> None:
    steps: list[str] = []
    answer: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def close() -> None:
        steps.append("started")
        steps.append(await answer)
        await asyncio.sleep(0)
        steps.append("done")

    asyncio.get_running_loop().call_later(0.01, answer.set_result, "answered")
    await close_promptly(close())
    assert steps == ["started", "answered", "done"]


async def test_an_error_before_or_after_the_first_wait_reaches_the_caller() -> None:
    async def fails_at_once() -> None:
        raise RuntimeError("at once")

    async def fails_later() -> None:
        await asyncio.sleep(0.001)
        raise RuntimeError("later")

    with pytest.raises(RuntimeError, match="at once"):
        await close_promptly(fails_at_once())
    with pytest.raises(RuntimeError, match="later"):
        await close_promptly(fails_later())


async def test_a_cancelled_caller_waits_for_the_close_to_finish_then_is_cancelled() -> None:
    finished = asyncio.Event()
    release = asyncio.Event()

    async def close() -> None:
        await release.wait()
        await asyncio.sleep(0)
        finished.set()

    async def caller() -> str:
        await close_promptly(close())
        return "returned"

    task = asyncio.create_task(caller())
    await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.sleep(0.01)
    assert not task.done()  # still waiting for the close, not abandoned
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert finished.is_set()


async def test_a_wait_inside_the_close_sees_the_cancellation_only_through_the_caller() -> None:
    """The close's own awaits are not cancelled by the caller's cancellation: it runs on."""
    seen: list[str] = []

    async def close() -> None:
        try:
            await asyncio.sleep(0.05)
            seen.append("slept")
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    task = asyncio.create_task(close_promptly(close()))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["slept"]


async def test_concurrent_sqlite_reads_reuse_one_connection(tmp_path: Path) -> None:
    """Reads on a SQLite file close at once: 32 concurrent requests' reads did not outgrow the
    pool, so no connection is opened after the first (before, every other one opened one)."""
    db = Database(f"sqlite:///{tmp_path / 'pool.sqlite3'}")
    opened: list[object] = []
    event.listen(db._read_engine.sync_engine, "connect", lambda *_: opened.append(1))
    try:
        async with db.write() as session:
            await session.execute(text("CREATE TABLE probe (n INTEGER)"))
            await session.execute(text("INSERT INTO probe (n) VALUES (1), (2)"))

        async def request() -> int:
            total = 0
            for _ in range(5):
                async with db.read() as session:
                    conn = await session.connection()
                    total += (await conn.execute(text("SELECT sum(n) FROM probe"))).scalar_one()
                await asyncio.sleep(0)  # the request's other awaits: other requests run
            return total

        totals = await asyncio.gather(*(request() for _ in range(32)))
    finally:
        await db.dispose()
    assert totals == [15] * 32
    assert len(opened) == 1
