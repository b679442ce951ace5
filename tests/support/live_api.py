"""A live cclibs for clients of the Libraries API: uvicorn on 127.0.0.1 and a user's token.

The server runs on the test's database (SQLite and PostgreSQL, through ``database_url``) with
its issuer set to its own URL, so the absolute links it sends (``storage_href``, thumbnails)
point back at it. Before it starts, a user and a Web App are made and a token issued with the
services the app builds (``build_services``, as tests/interop does), through the same factory
as the in-process API tests (tests/support/api_auth.py); that Database is then disposed, so
the server's engine lives only in its own thread's loop. Clients call it like any remote API,
with ``Authorization: Bearer`` and ``x-api-key``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings, load_settings
from cclibs.services import build_services
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support.api_auth import API_SCOPE, ApiCaller, ApiCallers
from tests.support.servers import free_socket, running

__all__ = ["LiveApi", "live_api", "serving_api"]


@dataclass(frozen=True)
class LiveApi:
    url: str
    """The server's base URL (its issuer), e.g. ``http://127.0.0.1:41234``."""
    caller: ApiCaller
    """A user with a live token for the Libraries API (``cc_libraries``)."""

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer`` and ``x-api-key``, as every API request carries them."""
        return self.caller.headers


async def _new_caller(settings: Settings, hasher: PasswordHasher, scope: str) -> ApiCaller:
    services = build_services(settings, password_hasher=hasher)
    try:
        await services.oauth.keys.ensure_keys()
        # The tokens come from the system clock, as the server's own checks do.
        return await ApiCallers(services, FrozenClock()).user(scope=scope)
    finally:
        await services.db.dispose()


@contextmanager
def serving_api(
    directory: Path,
    database_url: str,
    password_hasher: PasswordHasher,
    *,
    scope: str = API_SCOPE,
) -> Iterator[LiveApi]:
    """A live cclibs on ``database_url`` (its data dir under ``directory``) and a user's
    token with ``scope``, for as long as the block runs."""
    sock = free_socket()
    settings = load_settings(
        data_dir=directory / "live-data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{sock.getsockname()[1]}",
        env="development",
        signup_enabled=False,
    )
    try:
        caller = anyio.run(_new_caller, settings, password_hasher, scope)
    except BaseException:
        sock.close()
        raise
    with running(create_app(settings, password_hasher=password_hasher), sock) as url:
        assert url == settings.issuer
        yield LiveApi(url=url, caller=caller)


@pytest.fixture
def live_api(
    database_url: str, tmp_path: Path, password_hasher: PasswordHasher
) -> Iterator[LiveApi]:
    with serving_api(tmp_path, database_url, password_hasher) as live:
        yield live
