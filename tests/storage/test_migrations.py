"""Migrations are code: the models equal the migrations, and every step goes down and up again."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import anyio
import pytest

from cclibs.storage import Database, migrate
from cclibs.storage.tables import Base


def test_models_equal_migrations(database_url: str) -> None:
    # alembic check: autogenerate finds nothing to add, drop or alter.
    migrate.check(database_url)


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'round.sqlite3'}"
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    with sqlite3.connect(tmp_path / "round.sqlite3") as conn:
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    assert tables == {"alembic_version"}
    migrate.upgrade(url)
    migrate.check(url)


def test_every_table_is_created_by_the_migrations(database_url: str) -> None:
    import asyncio

    from sqlalchemy import inspect

    async def names() -> set[str]:
        db = Database(database_url)
        try:
            async with db.read() as session:
                conn = await session.connection()
                return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        finally:
            await db.dispose()

    assert {t.name for t in Base.metadata.sorted_tables} <= asyncio.run(names())


@pytest.mark.anyio
async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    # How long a statement waits for another writer: tests/storage/test_sqlite_loop.py.
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    db = Database(url)
    try:
        async with db.read() as session:
            conn = await session.connection()
            journal = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
            fks = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
    finally:
        await db.dispose()
    assert journal == "wal"
    assert fks == 1


def test_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert script.get_current_head() == migrate.HEAD


def test_prepare_creates_an_empty_database_that_equals_the_migrations(database_url: str) -> None:
    # database_url is already migrated; use a new, empty database of the same backend.
    from tests.support import databases

    if database_url.startswith("sqlite"):
        url = database_url.replace("cclibs.sqlite3", "fresh.sqlite3")
    else:
        url = databases.create_empty_postgres_database(f"cclibs_prepare_{os.getpid()}")
    try:
        assert migrate.prepare(url) == "created"
        migrate.check(url)  # the stamped, created schema equals the migrations
        assert migrate.prepare(url) == "current"
        migrate.downgrade(url, "0005")
        assert migrate.prepare(url) == "upgraded"
        migrate.check(url)
    finally:
        if not database_url.startswith("sqlite"):
            databases.drop_postgres_database(f"cclibs_prepare_{os.getpid()}")
