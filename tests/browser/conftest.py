"""Chromium through Playwright against a real uvicorn server on 127.0.0.1.

One browser for the session, a fresh context (cookies, storage) per test, and a fresh server
and database per test: ``live_server`` takes ``database_url``, so every browser test runs on
SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.web import create_app
from tests.conftest import TEST_SECRET
from tests.support.servers import free_socket, running

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

ContextFactory = Callable[..., BrowserContext]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def live_server(
    database_url: str, tmp_path: Path, password_hasher: PasswordHasher
) -> Iterator[str]:
    """The base URL of a running server whose issuer is that same URL (so CSRF origins match)."""
    sock = free_socket()
    port = sock.getsockname()[1]
    settings = load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{port}",
        env="development",
        signup_enabled=True,
    )
    app = create_app(settings, password_hasher=password_hasher)
    with running(app, sock) as base_url:
        assert base_url == settings.issuer
        yield base_url


@pytest.fixture
def offsite_requests() -> list[str]:
    """URLs the browser tried to load from anywhere but the test server (each one is aborted)."""
    return []


@pytest.fixture
def new_context(
    browser: Browser, live_server: str, offsite_requests: list[str]
) -> Iterator[ContextFactory]:
    """Make browser contexts on the live server; all are closed when the test ends."""
    contexts: list[BrowserContext] = []
    own_origin = urlsplit(live_server).netloc

    def make(**options: object) -> BrowserContext:
        context = browser.new_context(base_url=live_server, **options)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)

        def keep_on_site(route, request) -> None:  # type: ignore[no-untyped-def]
            if urlsplit(request.url).netloc == own_origin:
                route.continue_()
            else:
                offsite_requests.append(request.url)
                route.abort()

        context.route("**/*", keep_on_site)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: ContextFactory) -> Page:
    return new_context(viewport=LAPTOP).new_page()
