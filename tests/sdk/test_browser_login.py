"""Browser login in Chromium: the real sign-in and consent pages, the loopback catches the code.

The SDK opens the authorization URL with an opener it is given; here the opener hands it to
Chromium (Playwright, in its own thread: see tests/browser/conftest.py), which signs in and
allows access like a person would, and ends on the loopback listener's page.

The pages' Content-Security-Policy is enforced: Chromium applies ``form-action`` to the
redirects that follow a form submission, so this also shows that the consent page names the
loopback origin it sends the code to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import expect, sync_playwright

from cclibs.sdk import Profile, TokenSource, unverified_claims
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, BrowserThread
from tests.support.live_cclibs import USER_EMAIL, USER_NAME, USER_PASSWORD, Live

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[tuple[BrowserThread, Chromium]]:
    thread = BrowserThread()
    driver = thread.run(lambda: sync_playwright().start())
    browser = thread.run(
        driver.chromium.launch, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield thread, browser
    thread.run(browser.close)
    thread.run(driver.stop)
    thread.close()


def test_browser_login_through_sign_in_and_consent(
    live: Live,
    native_profile: Profile,
    config_dir: Path,
    chromium: tuple[BrowserThread, Chromium],
) -> None:
    thread, browser = chromium
    closing_pages: list[str] = []

    def sign_in_and_allow(url: str) -> None:
        context = browser.new_context()
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        page.get_by_label("Email").fill(USER_EMAIL)
        page.get_by_label("Password").fill(USER_PASSWORD)
        page.get_by_role("main").get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("heading", name="Signed in")).to_be_visible()
        assert page.url.startswith("http://127.0.0.1:")
        assert "/callback?code=" in page.url
        closing_pages.append(page.inner_text("body"))
        context.close()

    shown: list[str] = []
    source = TokenSource(native_profile)
    started = time.monotonic()
    # An opener that raises (Playwright's expectation failing) ends the login at once.
    tokens = source.login_browser(
        show_url=shown.append, open_browser=lambda url: thread.run(sign_in_and_allow, url)
    )
    elapsed = time.monotonic() - started

    assert elapsed < 15, elapsed
    assert "You can close this tab" in closing_pages[0]
    assert shown[0].startswith(f"{live.url}/ims/authorize/v2?")
    assert "code_challenge_method=S256" in shown[0]
    assert source.cache.load() == tokens
    claims = unverified_claims(tokens.access_token)
    assert claims is not None and claims["client_id"] == live.native_id
    assert source.userinfo()["name"] == USER_NAME
