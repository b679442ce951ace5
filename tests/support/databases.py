"""Real databases for tests: a fresh SQLite file per test, and a PostgreSQL database per run.

PostgreSQL is required: the suite fails (it does not skip) when the server does not answer,
unless CCLIBS_TEST_POSTGRES_URL=off is set on purpose.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from cclibs.storage import migrate
from cclibs.storage.tables import Base

ADMIN_URL = os.environ.get("CCLIBS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_enabled() -> bool:
    return ADMIN_URL.lower() != "off"


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(statement: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL), timeout=5)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_postgres_database(name: str) -> str:
    """Create (or re-create) database ``name`` and migrate it; returns its URL."""
    url = create_empty_postgres_database(name)
    migrate.upgrade(url)
    return url


def create_empty_postgres_database(name: str) -> str:
    """Create (or re-create) an empty database ``name``; returns its URL."""
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    return make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(name: str) -> None:
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def truncate_all(url: str) -> None:
    """Empty every table (a test leaves nothing behind for the next)."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    conn = await asyncpg.connect(_dsn(url), timeout=5)
    try:
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
    # As migrated: the credentials cclibs ships are part of a database at the head.
    await migrate.register_built_ins(url)


def migrated_sqlite_template(directory: Path) -> Path:
    path = directory / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    """A migrated SQLite file of the test's own (copied from the run's template)."""
    path = directory / "cclibs.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"
