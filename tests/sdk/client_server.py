"""One live cclibs per test module for the Libraries API client's tests (SQLite and
PostgreSQL), with a user whose token carries a refresh token.

``tests/support/live_api.py`` starts a server per test; the client's tests share one per
module and database (starting a server and signing a user in costs more than most of the
tests), each test working in libraries of its own. A module imports ``server`` (and lists
it in ``__all__``) to get its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.sdk import Profile
from tests.support import databases
from tests.support.api_auth import API_SCOPE, ApiCaller
from tests.support.live_api import serving_api

__all__ = ["ApiServer", "server"]


@dataclass(frozen=True)
class ApiServer:
    url: str
    caller: ApiCaller
    """A user's token (with a refresh token) through a confidential Web App."""

    @property
    def profile(self) -> Profile:
        """The Web App as an SDK profile, so a ``TokenSource`` can refresh the caller's token."""
        return Profile(
            name="client-tests",
            issuer=self.url,
            client_id=self.caller.client_id,
            client_secret=self.caller.client_secret,
            api_url=self.url,
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    password_hasher: PasswordHasher,
) -> Iterator[ApiServer]:
    """One server per test module (that imports this fixture) and database."""
    directory = tmp_path_factory.mktemp("client-api")
    postgres = request.param == "postgresql"
    if postgres:
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = databases.fresh_sqlite(sqlite_template, directory)
    try:
        scope = API_SCOPE + ",offline_access"
        with serving_api(directory, url, password_hasher, scope=scope) as live:
            yield ApiServer(live.url, live.caller)
    finally:
        if postgres:
            asyncio.run(databases.truncate_all(url))
