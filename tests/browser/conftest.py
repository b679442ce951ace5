"""Chromium through Playwright against a real uvicorn server on 127.0.0.1.

One browser for the session, a fresh context (cookies, storage) per test, and a fresh server
and database per test: ``live_server`` takes ``database_url``, so every browser test runs on
SQLite and on PostgreSQL.

Playwright and the browser tests run in a thread of their own. Playwright's sync API keeps an
asyncio loop marked as running in the thread that starts it, for as long as it lives; in the
main thread that would break every ``asyncio.run()`` after it (the database fixtures, the
migrations) and every anyio test that runs later in the session.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.web.app import create_app
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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
"""Screenshots for review; the folder is git-ignored."""

T = TypeVar("T")
ContextFactory = Callable[..., BrowserContext]


class BrowserThread:
    """The one thread that may call Playwright; ``run`` calls a function there and waits."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
        self._ident = self._executor.submit(threading.get_ident).result()

    def run(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        if threading.get_ident() == self._ident:
            return function(*args, **kwargs)
        return self._executor.submit(function, *args, **kwargs).result()

    def close(self) -> None:
        self._executor.shutdown(wait=True)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run tests that use the browser in the browser's thread."""
    if "browser_thread" not in pyfuncitem.fixturenames:
        return None
    thread = pyfuncitem.funcargs["browser_thread"]
    assert isinstance(thread, BrowserThread)
    wanted = inspect.signature(pyfuncitem.obj).parameters
    kwargs = {name: pyfuncitem.funcargs[name] for name in wanted}
    thread.run(pyfuncitem.obj, **kwargs)
    return True


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[BrowserThread]:
    thread = BrowserThread()
    yield thread
    thread.close()


@pytest.fixture(scope="session")
def playwright(browser_thread: BrowserThread) -> Iterator[Playwright]:
    driver = browser_thread.run(lambda: sync_playwright().start())
    yield driver
    browser_thread.run(driver.stop)


@pytest.fixture(scope="session")
def browser(browser_thread: BrowserThread, playwright: Playwright) -> Iterator[Browser]:
    chromium = browser_thread.run(
        playwright.chromium.launch, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    browser_thread.run(chromium.close)


@pytest.fixture
def live_server_overrides() -> dict[str, object]:
    """Per-module settings of the live server (override this fixture in a module)."""
    return {}


@pytest.fixture
def live_server(
    database_url: str,
    tmp_path: Path,
    password_hasher: PasswordHasher,
    live_server_overrides: dict[str, object],
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
        **live_server_overrides,
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
    browser_thread: BrowserThread,
    browser: Browser,
    live_server: str,
    offsite_requests: list[str],
) -> Iterator[ContextFactory]:
    """Make browser contexts on the live server; all are closed when the test ends."""
    contexts: list[BrowserContext] = []
    # Only requests that leave the site are intercepted (Chromium matches the pattern itself).
    elsewhere = re.compile("^(?!" + re.escape(live_server + "/") + ")")

    def stop(route: Route) -> None:
        offsite_requests.append(route.request.url)
        route.abort()

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.route(elsewhere, stop)
        contexts.append(context)
        return context

    yield lambda **options: browser_thread.run(make, **options)
    for context in contexts:
        browser_thread.run(context.close)


@pytest.fixture
def page(browser_thread: BrowserThread, new_context: ContextFactory) -> Page:
    return browser_thread.run(lambda: new_context(viewport=LAPTOP).new_page())


def screenshot(
    page: Page, name: str, size: dict[str, int] | None = None, *, full_page: bool = True
) -> Path:
    """A full-page screenshot for review, after the page has loaded (of the viewport alone for
    a page too long to picture whole); at a given viewport ``size`` the page must not scroll
    sideways, along its whole length."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    path = SCREENSHOTS / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=full_page)
    assert path.stat().st_size > 0
    if size is not None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size["width"], f"{name} scrolls sideways: {width}px"
    return path
