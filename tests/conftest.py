"""Fixtures shared by the whole suite.

Every test that takes ``database_url`` runs twice: on a fresh SQLite file and on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings, load_settings
from cclibs.web.app import create_app
from tests.support import databases

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not databases.postgres_enabled():
        pytest.fail("PostgreSQL tests were turned off with CCLIBS_TEST_POSTGRES_URL=off")
    name = f"cclibs_test_{os.getpid()}"
    try:
        url = databases.create_postgres_database(name)
    except OSError as exc:
        pytest.fail(f"PostgreSQL at {databases.ADMIN_URL} does not answer: {exc}")
    yield url
    databases.drop_postgres_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.fresh_sqlite(sqlite_template, tmp_path)
        return
    url: str = request.getfixturevalue("postgres_url")
    yield url
    import asyncio

    asyncio.run(databases.truncate_all(url))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Per-module changes to the test settings (override this fixture in a module)."""
    return {}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, object]) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "issuer": "http://testserver",
        "env": "development",
        "signup_enabled": True,
    }
    values.update(settings_overrides)
    return load_settings(**values)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(scope="session")
def password_hasher() -> PasswordHasher:
    # Real argon2id, at a cost that keeps the suite fast; production uses the library default.
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024)


@pytest.fixture
async def app(
    settings: Settings, clock: FrozenClock, password_hasher: PasswordHasher
) -> AsyncIterator[Starlette]:
    application = create_app(settings, clock=clock, password_hasher=password_hasher)
    # What the lifespan does at start (httpx's ASGITransport does not run the lifespan).
    await application.state.cclibs.oauth.keys.ensure_keys()
    yield application
    await application.state.cclibs.db.dispose()


@pytest.fixture
async def client(app: Starlette, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
        yield http


@pytest.fixture
async def owner_id(app: Starlette) -> str:
    """An account that owns credentials: dev@example.com, password "developer password"."""
    user = await app.state.cclibs.accounts.create_user(
        email="dev@example.com", name="Dev Eloper", password="developer password"
    )
    return str(user.id)
