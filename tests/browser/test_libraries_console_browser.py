"""The console's libraries page as a person uses it: their libraries and who shares them, an
invitation waiting for them, accepted or declined with the page's forms. Real Chromium, real
server, real database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.libraries.access import Caller
from cclibs.services import build_services
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_accounts_browser import expect_signed_in_as, sign_in
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.browser

NAME = "Ada Lovelace"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture
def invitations(
    live_server: str, database_url: str, tmp_path: Path, password_hasher: PasswordHasher
) -> None:
    """Ada's library "Sketches", shared with Grace as a viewer; Grace invites Ada to
    "Palettes" and "Fonts" (made in the main thread with the services the server runs)."""
    settings = load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=live_server,
        env="development",
    )

    async def make() -> None:
        services = build_services(settings, password_hasher=password_hasher)
        try:
            ada = await services.accounts.create_user(
                email=EMAIL, name=NAME, password=PASSWORD, email_verified=True
            )
            grace = await services.accounts.create_user(
                email="grace@example.com",
                name="Grace Hopper",
                password=PASSWORD,
                email_verified=True,
            )
            libraries = services.libraries.libraries
            as_ada, as_grace = Caller(ada.id, "test"), Caller(grace.id, "test")
            sketches = await libraries.create_library(as_ada, {"name": "Sketches"})
            sent = await libraries.sharing.invite(
                as_ada, sketches.id, {"email": "grace@example.com", "role": "viewer"}
            )
            await libraries.sharing.accept(as_grace, sent.id)
            for name in ("Palettes", "Fonts"):
                library = await libraries.create_library(as_grace, {"name": name})
                await libraries.sharing.invite(
                    as_grace, library.id, {"email": "ADA@example.com", "role": "editor"}
                )
        finally:
            await services.db.dispose()

    asyncio.run(make())


def rows(page: Page) -> list[str]:
    return [
        " | ".join(cell.strip() for cell in row.split("\t"))
        for row in page.locator("#libraries-title + .table-wrap tbody tr").all_inner_texts()
    ]


def test_accept_and_decline_invitations(page: Page, invitations: None) -> None:
    del invitations
    sign_in(page, EMAIL, PASSWORD)
    expect_signed_in_as(page, NAME)
    page.goto("/console")
    page.get_by_role("link", name="Libraries").click()
    expect(page).to_have_url(re.compile(r"/console/libraries$"))
    waiting = page.locator(".invitation")
    expect(waiting).to_have_count(2)
    expect(waiting.filter(has_text="Palettes")).to_contain_text("Grace Hopper")
    expect(waiting.filter(has_text="Palettes")).to_contain_text("editor")
    [sketches] = rows(page)
    assert sketches.startswith("Sketches | Yours, shared | Ada Lovelace")
    assert "Grace Hopper (grace@example.com, viewer)" in sketches

    page.get_by_role("button", name="Accept the invitation to Palettes").click()
    expect(page).to_have_url(re.compile(r"/console/libraries$"))
    expect(page.get_by_role("status")).to_have_text("You now share the library Palettes.")
    expect(page.locator(".invitation")).to_have_count(1)
    shared = [row for row in rows(page) if row.startswith("Palettes")]
    assert len(shared) == 1
    assert shared[0].startswith("Palettes | Shared with you | Grace Hopper")
    assert "Ada Lovelace (ada@example.com, editor, you)" in shared[0]

    page.get_by_role("button", name="Decline the invitation to Fonts").click()
    expect(page.get_by_role("status")).to_have_text("The invitation is declined.")
    expect(page.locator(".invitation")).to_have_count(0)
    expect(page.locator("#invitations-title + p")).to_have_text("No invitation is waiting for you.")
    assert not [row for row in rows(page) if row.startswith("Fonts")]
    page.set_viewport_size(PHONE)
    screenshot(page, "console-libraries-phone", PHONE)


def test_a_forged_answer_is_refused(page: Page, invitations: None) -> None:
    """Without the page's CSRF token, accepting is refused and changes nothing."""
    del invitations
    sign_in(page, EMAIL, PASSWORD)
    expect_signed_in_as(page, NAME)
    page.goto("/console/libraries")
    form = page.locator("form[action$='/accept']").first
    action = form.get_attribute("action")
    assert action is not None
    answer = page.request.post(action, form={"csrf_token": "forged"}, max_redirects=0)
    assert answer.status in (400, 403), answer.status
    page.reload()
    expect(page.locator(".invitation")).to_have_count(2)
