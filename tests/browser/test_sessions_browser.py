"""Signed-in browsers on the account page, as a person uses them: one browser signs another
out, and the other finds itself signed out. Real Chromium, real server, real database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot
from tests.browser.test_accounts_browser import (
    EMAIL,
    NAME,
    PASSWORD,
    expect_signed_in_as,
    sign_in,
    sign_up,
)

pytestmark = pytest.mark.browser

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browsers(page: Page) -> Locator:
    """The items of the "Signed-in browsers" list."""
    section = page.get_by_role("region", name="Signed-in browsers")
    return section.get_by_role("listitem").filter(has=page.get_by_role("heading", level=3))


def test_sign_a_phone_out_from_a_laptop(new_context: ContextFactory) -> None:
    laptop = new_context(viewport=LAPTOP).new_page()
    sign_up(laptop)
    expect_signed_in_as(laptop, NAME)
    phone = new_context(viewport=PHONE, user_agent=IPHONE).new_page()
    sign_in(phone, EMAIL, PASSWORD)
    expect_signed_in_as(phone, NAME)

    laptop.goto("/account")
    listed = browsers(laptop)
    expect(listed).to_have_count(2)
    # Headless Chromium's header names Chrome on Linux; this browser comes first.
    expect(listed.nth(0).get_by_role("heading")).to_have_text("Chrome on Linux This browser")
    expect(listed.nth(1).get_by_role("heading")).to_have_text("Safari on iPhone")
    expect(listed.nth(1)).to_contain_text("127.0.0.1")

    listed.nth(1).get_by_role("button", name=re.compile(r"^Sign out Safari on iPhone")).click()
    expect(laptop).to_have_url(re.compile(r"/account#sessions$"))
    expect(laptop.get_by_role("status")).to_have_text("Safari on iPhone (127.0.0.1) is signed out.")
    expect(browsers(laptop)).to_have_count(1)
    expect(laptop.get_by_role("button", name="Sign out every other browser")).to_have_count(0)

    # The phone's next page asks it to sign in again.
    phone.goto("/account")
    expect(phone).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))

    # This browser's own "Sign out" signs it out like the header's.
    laptop.get_by_role("button", name="Sign out of this browser").click()
    expect(laptop).to_have_url(re.compile(r"/signin\?signed_out=1$"))
    laptop.goto("/account")
    expect(laptop).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))


def test_sign_every_other_browser_out(new_context: ContextFactory) -> None:
    first = new_context(viewport=LAPTOP).new_page()
    sign_up(first)
    others = [new_context(viewport=PHONE, user_agent=IPHONE).new_page() for _ in range(2)]
    for other in others:
        sign_in(other, EMAIL, PASSWORD)
        expect_signed_in_as(other, NAME)
    first.goto("/account")
    expect(browsers(first)).to_have_count(3)
    first.get_by_role("button", name="Sign out every other browser").click()
    expect(first.get_by_role("status")).to_have_text("2 other browsers are signed out.")
    expect(browsers(first)).to_have_count(1)
    for other in others:
        other.goto("/account")
        expect(other).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))


# Screenshots do not depend on the database: one server, both viewports.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sessions_screenshots_for_review(new_context: ContextFactory) -> None:
    """Screenshots in artifacts/screenshots/; the list must not scroll sideways."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        page = new_context(viewport=size).new_page()
        email = f"{viewport}-sessions@example.com"
        sign_up(page, email=email)
        expect_signed_in_as(page, NAME)
        other = new_context(user_agent=IPHONE).new_page()
        sign_in(other, email, PASSWORD)
        expect_signed_in_as(other, NAME)
        page.goto("/account")
        expect(browsers(page)).to_have_count(2)
        page.get_by_role("region", name="Signed-in browsers").scroll_into_view_if_needed()
        screenshot(page, f"account-sessions-{viewport}", size)
