"""Two-step sign-in in Chromium: set it up from the QR page (the secret read off the page, the
code computed as an authenticator app would), then sign in with a code and with a recovery
code, which works once only."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot
from tests.browser.test_accounts_browser import (
    NAME,
    PASSWORD,
    expect_signed_in_as,
    expect_signed_out,
    sign_in,
    sign_out,
    sign_up,
)

pytestmark = pytest.mark.browser

STEP = 30


def set_up_two_step(page: Page) -> tuple[str, list[str]]:
    """From the account page: scan (read) the secret, confirm with the current code."""
    page.get_by_role("link", name="Set up two-step sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    found = [code.strip() for code in codes.all_inner_texts()]
    assert len(found) == 10
    return secret, found


def second_step(page: Page, code: str) -> None:
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def next_code(secret: str) -> str:
    """A code of the next time step: inside the ±1 step window, and newer than the code that
    turned two-step on, so the test need not wait for the clock to move."""
    return pyotp.TOTP(secret).at(time.time() + STEP)


def test_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(page: Page) -> None:
    sign_up(page)
    expect_signed_in_as(page, NAME)
    secret, codes = set_up_two_step(page)
    page.get_by_role("link", name="Back to your account").click()
    expect(page.locator("#recovery-codes-left")).to_have_text("10 of 10 recovery codes left.")

    sign_out(page)
    sign_in(page, "ada@example.com", PASSWORD)
    expect(page).to_have_url(re.compile(r"/signin/second-step"))
    expect_signed_out(page)  # the password alone opened no session
    second_step(page, next_code(secret))
    expect_signed_in_as(page, NAME)

    sign_out(page)
    sign_in(page, "ada@example.com", PASSWORD)
    second_step(page, codes[0])
    expect_signed_in_as(page, NAME)
    expect(page.locator("#recovery-codes-left")).to_have_text("9 of 10 recovery codes left.")

    sign_out(page)
    sign_in(page, "ada@example.com", PASSWORD)
    second_step(page, codes[0])
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("main").get_by_role("alert")).to_contain_text("already used")
    expect_signed_out(page)


# Screenshots do not depend on the database: one server, both viewports.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_two_step_screenshots_for_review(new_context: ContextFactory) -> None:
    """Screenshots in artifacts/screenshots/; no page may scroll sideways."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        page = new_context(viewport=size).new_page()
        sign_up(page, email=f"{viewport}-2fa@example.com")
        page.get_by_role("link", name="Set up two-step sign-in").click()
        expect(page.locator("figure.qr svg")).to_be_visible()
        screenshot(page, f"two-step-setup-{viewport}", size)
        page.get_by_label("Code from the app").fill("000000")
        page.get_by_role("button", name="Turn on").click()
        expect(page.get_by_label("Code from the app")).to_have_attribute("aria-invalid", "true")
        screenshot(page, f"two-step-setup-error-{viewport}", size)
        page.goto("/account")
        secret, _ = set_up_two_step(page)
        screenshot(page, f"two-step-codes-{viewport}", size)
        page.goto("/account#two-step")
        screenshot(page, f"two-step-account-{viewport}", size)
        sign_out(page)
        sign_in(page, f"{viewport}-2fa@example.com", PASSWORD)
        screenshot(page, f"two-step-signin-{viewport}", size)
        assert secret
