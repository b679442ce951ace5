"""The accounts pages as a person uses them: real Chromium, real server, real database.

Fields and buttons are found by their labels and roles, so a page that loses a label fails here.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot

pytestmark = pytest.mark.browser

NAME = "Ada Lovelace"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "analytical engine 1843"
USER_ID = re.compile(r"[0-9A-F]{24}@AdobeID")
SIGNIN_ERROR = "Incorrect email or password."


# Steps ------------------------------------------------------------------------------------


def sign_up(page: Page, name: str = NAME, email: str = EMAIL, password: str = PASSWORD) -> None:
    page.goto("/signup")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address had an account: sign in next.
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page.get_by_label("Email")).to_have_value(email.strip().lower())
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/signin")
    fill_sign_in(page, email, password)


def fill_sign_in(page: Page, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin\?signed_out=1$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect_signed_out(page)


def expect_signed_in_as(page: Page, name: str) -> None:
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name=name)).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()


def expect_signed_out(page: Page) -> None:
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_have_count(0)


def account_facts(page: Page) -> dict[str, str]:
    """The account page's facts list, term by term."""
    expect(page).to_have_url(re.compile(r"/account(\?.*)?$"))
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    terms = page.get_by_role("term").all_inner_texts()
    definitions = page.get_by_role("definition").all_inner_texts()
    assert len(terms) == len(definitions)
    return {term.strip(): value.strip() for term, value in zip(terms, definitions, strict=True)}


def change_password(page: Page, current: str, new: str, repeat: str | None = None) -> None:
    page.get_by_label("Current password").fill(current)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Repeat the new password").fill(new if repeat is None else repeat)
    page.get_by_role("button", name="Change password").click()


def expect_sign_in_refused(page: Page, email: str) -> None:
    expect(page).to_have_url(re.compile(r"/signin$"))
    expect(page.get_by_role("main").get_by_role("alert")).to_have_text(SIGNIN_ERROR)
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")
    expect_signed_out(page)


# Tests ------------------------------------------------------------------------------------


def test_sign_up_sign_out_and_sign_in_again(page: Page) -> None:
    sign_up(page, email="Ada@Example.COM")

    # Signed in, on the account page, with a notice to confirm the address.
    expect_signed_in_as(page, NAME)
    facts = account_facts(page)
    assert facts["Name"] == NAME
    assert facts["Email"] == EMAIL  # stored lower-cased
    assert USER_ID.fullmatch(facts["User ID"]), facts["User ID"]
    user_id = facts["User ID"]

    sign_out(page)
    page.goto("/account")  # the account page is closed again
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))

    sign_in(page, EMAIL, PASSWORD)
    expect_signed_in_as(page, NAME)
    facts = account_facts(page)
    assert facts["Email"] == EMAIL
    assert facts["User ID"] == user_id  # the same account as at sign-up

    sign_out(page)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))


def test_wrong_password_and_unknown_email_get_the_same_message(page: Page) -> None:
    sign_up(page)
    sign_out(page)

    fill_sign_in(page, EMAIL, "not the password")
    expect_sign_in_refused(page, EMAIL)
    wrong_password = page.get_by_role("main").inner_text().replace(EMAIL, "<email>")

    sign_in(page, "nobody@example.com", "not the password")
    expect_sign_in_refused(page, "nobody@example.com")
    unknown_email = page.get_by_role("main").inner_text()
    # Nothing on the page tells an unknown email from a wrong password.
    assert unknown_email.replace("nobody@example.com", "<email>") == wrong_password

    # The kept email saves retyping: the password alone gets the user in.
    sign_in(page, EMAIL, "wrong again")
    expect_sign_in_refused(page, EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect_signed_in_as(page, NAME)


def test_password_change(page: Page, new_context: ContextFactory) -> None:
    sign_up(page)
    other_browser = new_context(viewport=LAPTOP).new_page()
    sign_in(other_browser, EMAIL, PASSWORD)
    expect_signed_in_as(other_browser, NAME)

    # A wrong current password: the error sits on that field, and nothing changes.
    page.goto("/account")
    change_password(page, "not my password", NEW_PASSWORD)
    current = page.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_have_accessible_error_message("Your current password is not correct.")
    expect(page.get_by_label("New password", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_role("status")).to_have_count(0)

    # Repeated wrongly: the error sits on the repeat field.
    change_password(page, PASSWORD, NEW_PASSWORD, repeat=NEW_PASSWORD + "!")
    expect(page.get_by_label("Repeat the new password")).to_have_accessible_error_message(
        "The new passwords do not match."
    )

    change_password(page, PASSWORD, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account\?changed=1$"))
    expect(page.get_by_role("status")).to_have_text(
        "Your password is changed. Your other browsers are signed out."
    )
    expect(page.get_by_role("alert")).to_have_count(0)
    expect_signed_in_as(page, NAME)  # this browser stays signed in

    # As the notice says, the other browser is signed out.
    other_browser.goto("/account")
    expect(other_browser).to_have_url(re.compile(r"/signin\?next=%2Faccount$"))
    expect_signed_out(other_browser)

    sign_out(page)
    fill_sign_in(page, EMAIL, PASSWORD)
    expect_sign_in_refused(page, EMAIL)
    sign_in(page, EMAIL, NEW_PASSWORD)
    expect_signed_in_as(page, NAME)
    assert account_facts(page)["Email"] == EMAIL


def test_sign_in_continues_to_next_but_never_off_site(
    page: Page, live_server: str, offsite_requests: list[str]
) -> None:
    sign_up(page)
    sign_out(page)

    cases = [
        ("/signout", "/signout", "Sign out"),  # not the default: next is followed at all
        ("/account", "/account", "Your account"),
        ("https://evil.example/", "/account", "Your account"),
        ("//evil.example/", "/account", "Your account"),
        ("/\\evil.example/", "/account", "Your account"),
    ]
    for next_url, lands_on, heading in cases:
        page.goto("/signin?" + urlencode({"next": next_url}))
        fill_sign_in(page, EMAIL, PASSWORD)
        expect(page).to_have_url(live_server + lands_on)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect_signed_in_as(page, NAME)
        # Signed in already, the sign-in page forwards at once: to the same place.
        page.goto("/signin?" + urlencode({"next": next_url}))
        expect(page).to_have_url(live_server + lands_on)
        sign_out(page)
    assert offsite_requests == []


# Screenshots do not depend on the database: one server, both viewports.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_screenshots_for_review(new_context: ContextFactory) -> None:
    """Full-page screenshots in artifacts/screenshots/; no page may scroll sideways."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        take_screenshots(new_context(viewport=size).new_page(), viewport, size)


def take_screenshots(page: Page, viewport: str, size: dict[str, int]) -> None:
    def shoot(name: str) -> None:
        screenshot(page, f"{name}-{viewport}", size)

    page.goto("/")
    expect(page.get_by_role("heading", name="cclibs")).to_be_visible()
    shoot("home")

    page.goto("/signin")
    shoot("signin")

    page.goto("/signup")
    shoot("signup")
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    shoot("signup-error")

    sign_up(page, email=f"{viewport}@example.com")
    expect_signed_in_as(page, NAME)
    shoot("account")
    change_password(page, "not my password", NEW_PASSWORD)
    expect(page.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    shoot("account-error")

    sign_out(page)
    fill_sign_in(page, f"{viewport}@example.com", "not the password")
    expect(page.get_by_role("main").get_by_role("alert")).to_have_text(SIGNIN_ERROR)
    shoot("signin-error")
