"""The credentials cclibs ships are in every prepared database, on SQLite and PostgreSQL:
after ``prepare`` creates, finds current or upgrades a database, and after ``upgrade``."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import select, update

from cclibs.oauth.clients import Client
from cclibs.oauth.first_party import CLI_CLIENT_ID, cli_client
from cclibs.storage import Database, migrate
from cclibs.storage.clients import SqlClientTransactions
from cclibs.storage.tables import ChangeCounterRow, ClientRow, ProjectRow
from cclibs.storage.versions import CREDENTIALS
from tests.support import databases


async def _cli(url: str) -> Client | None:
    db = Database(url)
    try:
        async with SqlClientTransactions(db).read() as store:
            return await store.client(CLI_CLIENT_ID)
    finally:
        await db.dispose()


async def _spoil(url: str) -> None:
    """What an older or tampered row would look like: fewer scopes, another redirect."""
    db = Database(url)
    try:
        async with db.write() as session:
            await session.execute(
                update(ClientRow)
                .where(ClientRow.client_id == CLI_CLIENT_ID)
                .values(scopes="openid", redirect_uris='["http://127.0.0.1/elsewhere"]')
            )
    finally:
        await db.dispose()


async def _counts(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.read() as session:
            clients = list(await session.scalars(select(ClientRow.client_id)))
            projects = list(await session.scalars(select(ProjectRow.id)))
            return clients.count(CLI_CLIENT_ID), projects.count("cclibs")
    finally:
        await db.dispose()


async def _credentials_version(url: str) -> int:
    db = Database(url)
    try:
        async with db.read() as session:
            found = await session.scalar(
                select(ChangeCounterRow.version).where(ChangeCounterRow.name == CREDENTIALS)
            )
            return int(found or 0)
    finally:
        await db.dispose()


def _assert_shipped(url: str) -> None:
    found = asyncio.run(_cli(url))
    assert found is not None
    expected = cli_client(found.created_at)
    assert found == expected  # every setting as defined, ownerless, not disabled
    assert found.first_party and found.owner_id is None and not found.owner_disabled
    assert asyncio.run(_counts(url)) == (1, 1)


def test_prepare_and_upgrade_register_the_cli_credential_once(database_url: str) -> None:
    name = f"cclibs_first_party_{os.getpid()}"
    if database_url.startswith("sqlite"):
        url = database_url.replace("cclibs.sqlite3", "first-run.sqlite3")
    else:
        url = databases.create_empty_postgres_database(name)
    try:
        assert migrate.prepare(url) == "created"  # what a first `cclibs serve` does
        _assert_shipped(url)
        counted = asyncio.run(_credentials_version(url))
        asyncio.run(_spoil(url))
        assert migrate.prepare(url) == "current"  # a restart puts it back as defined
        _assert_shipped(url)
        # ...and tells servers already running on the database to drop their cached copy.
        assert asyncio.run(_credentials_version(url)) == counted + 1
        assert migrate.prepare(url) == "current"
        assert asyncio.run(_credentials_version(url)) == counted + 1  # nothing changed
        migrate.downgrade(url, "0009")  # an older cclibs has no ownerless projects
        assert asyncio.run(_counts(url)) == (0, 0)
        assert migrate.prepare(url) == "upgraded"
        _assert_shipped(url)
        migrate.upgrade(url)  # `cclibs db upgrade` at the head again: still one of each
        migrate.check(url)
        _assert_shipped(url)
    finally:
        if not database_url.startswith("sqlite"):
            databases.drop_postgres_database(name)
