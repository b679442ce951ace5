"""PostgreSQL connections wait in a pool. One the server dropped while it sat there (a restart,
an idle timeout, an administrator) is found by a ping when it has been idle, and replaced
before anyone gets it; connections in steady use are not pinged at each checkout, so a drop
there fails the one statement in hand and the pool renews itself."""

from __future__ import annotations

import anyio
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

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
