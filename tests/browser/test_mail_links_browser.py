"""The links that come by mail, followed in Chromium: the server sends through a real SMTP
server on 127.0.0.1 (aiosmtpd), the test reads what arrived and opens its link.

Sign-up, then the verification link; "forgot password", then the reset link, after which the
browser that was signed in elsewhere is signed out."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot
from tests.browser.test_accounts_browser import (
    EMAIL,
    NAME,
    PASSWORD,
    expect_signed_in_as,
    fill_sign_in,
    sign_in,
    sign_up,
)
from tests.mail.smtp_server import Received, SmtpServer, smtp_server

NEW_PASSWORD = "a brand new passphrase"
_LINK = re.compile(r"https?://\S+")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def live_server_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {"smtp_url": f"smtp://127.0.0.1:{smtp.port}?starttls=false"}


def _link(received: Received, path: str) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    [link] = [u for u in _LINK.findall(text) if f"{path}?token=" in u]
    return link


def _arrived(smtp: SmtpServer, count: int, subject: str) -> Received:
    received = smtp.wait_for(count)[count - 1]
    assert received.recipients == [EMAIL]
    assert received.message["Subject"] == subject
    return received


def test_sign_up_then_the_link_in_the_message_confirms_the_address(
    page: Page, smtp: SmtpServer
) -> None:
    sign_up(page)
    expect_signed_in_as(page, NAME)
    banner = page.get_by_role("region", name="Email confirmation")
    expect(banner).to_contain_text(f"Confirm your email address {EMAIL}")

    received = _arrived(smtp, 1, "Confirm your email address for cclibs")
    page.goto(_link(received, "/account/verify"))
    expect(page.get_by_role("heading", name="Email address confirmed", level=1)).to_be_visible()
    page.get_by_role("link", name="Go to your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_role("region", name="Email confirmation")).to_have_count(0)


def test_the_banner_sends_a_new_link_that_works(page: Page, smtp: SmtpServer) -> None:
    sign_up(page)
    _arrived(smtp, 1, "Confirm your email address for cclibs")
    page.get_by_role("region", name="Email confirmation").get_by_role(
        "button", name="Send a new link"
    ).click()
    expect(page.get_by_role("status")).to_contain_text(f"We sent a new link to {EMAIL}")
    received = _arrived(smtp, 2, "Confirm your email address for cclibs")
    page.goto(_link(received, "/account/verify"))
    expect(page.get_by_role("heading", name="Email address confirmed", level=1)).to_be_visible()


def test_forgot_then_reset_signs_out_the_other_browser(
    page: Page, new_context: ContextFactory, smtp: SmtpServer
) -> None:
    sign_up(page)
    _arrived(smtp, 1, "Confirm your email address for cclibs")
    # The same person on another device, signed in with the old password.
    other = new_context(viewport=PHONE).new_page()
    sign_in(other, EMAIL, PASSWORD)
    expect_signed_in_as(other, NAME)

    page.context.clear_cookies()
    page.goto("/signin")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL.upper())
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"If an account uses {EMAIL}")

    received = _arrived(smtp, 2, "Reset your cclibs password")
    link = _link(received, "/password/reset")
    page.goto(link)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill("not the same")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_label("Repeat the new password")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "password-reset-error", LAPTOP)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    fill_sign_in(page, EMAIL, NEW_PASSWORD)
    expect_signed_in_as(page, NAME)
    _arrived(smtp, 3, "Your cclibs password was changed")

    # The phone's session ended with the reset.
    other.reload()
    expect(other).to_have_url(re.compile(r"/signin\?next="))
    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("alert")).to_have_text("This link has expired or was already used.")
    page.set_viewport_size(PHONE)
    screenshot(page, "password-reset-link-used", PHONE)
