"""PostgreSQL connections wait in a pool. One the server dropped while it sat there (a restart,
an idle timeout, an administrator) is found by a ping when it has been idle, and replaced
before anyone gets it; connections in steady use are not pinged at each checkout, so a drop
there fails the one statement in hand and the pool renews itself."""

from __future__ import annotations

from pathlib import Path

import anyio
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cclibs.config import load_settings
from cclibs.services import build_services
from cclibs.storage import Database

pytestmark = pytest.mark.anyio


async def backend_pid(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def drop_connections(postgres_url: str) -> int:
    """What a server restart does to the pool: every other session of the database ends."""
    admin = await asyncpg.connect(postgres_url)
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()
    return len(ended)


async def test_a_connection_dropped_while_idle_is_replaced_unseen(postgres_url: str) -> None:
    db = Database(postgres_url, ping_after_idle_s=0.05)
    try:
        first = await backend_pid(db)
        assert await drop_connections(postgres_url) >= 1
        await anyio.sleep(0.2)  # idle for longer than the bound: pinged at checkout
        second = await backend_pid(db)  # no error reaches the caller
        assert second != first
    finally:
        await db.dispose()


async def test_within_the_bound_a_drop_costs_one_statement_and_the_pool_recovers(
    postgres_url: str,
) -> None:
    # The price of not pinging connections in steady use: the one in hand when the server
    # drops it fails once (as a statement in flight would), and the pool then renews itself.
    db = Database(postgres_url, ping_after_idle_s=60)
    try:
        first = await backend_pid(db)
        await drop_connections(postgres_url)
        with pytest.raises(DBAPIError) as failed:
            await backend_pid(db)
        assert failed.value.connection_invalidated
        assert await backend_pid(db) != first
    finally:
        await db.dispose()


async def pids_of_bursts(db: Database, bursts: int = 3, size: int = 10) -> list[int]:
    """The backend of each of ``bursts`` x ``size`` concurrent write transactions."""
    seen: list[int] = []

    async def transaction() -> None:
        async with db.write_connection() as conn:
            seen.append(int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
            await anyio.sleep(0.02)  # held, so a burst needs more than the pool at once

    for _burst in range(bursts):
        async with anyio.create_task_group() as tg:
            for _ in range(size):
                tg.start_soon(transaction)
    return seen


async def test_a_burst_past_the_pool_waits_for_its_connections_and_opens_no_more(
    postgres_url: str,
) -> None:
    # A connection opened for a burst and closed after it costs PostgreSQL a process start
    # and cclibs a session set-up each time: under a steady load just past the pool, that
    # was ~23 connections a second. The pool keeps its connections and makes the rest wait.
    db = Database(postgres_url, pool_size=3)
    try:
        seen = await pids_of_bursts(db)
        assert len(seen) == 30  # every transaction ran
        assert len(set(seen)) <= 3  # on the pool's three connections, kept across bursts
    finally:
        await db.dispose()


async def test_the_server_pool_has_the_configured_size(postgres_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        database_url=postgres_url, database_pool_size=2, data_dir=tmp_path, secret_key="k" * 48
    )
    services = build_services(settings)
    try:
        seen = await pids_of_bursts(services.db, bursts=2, size=6)
        assert len(seen) == 12
        assert len(set(seen)) <= 2
    finally:
        await services.db.dispose()
