"""Connected applications as a person uses them: allow an application, find it on the account
page, remove its access. Real Chromium, real server, real database."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.oauth.clients import ClientType
from cclibs.services import build_services
from cclibs.storage.tables import ClientRow
from tests.browser.conftest import LAPTOP, screenshot
from tests.browser.test_accounts_browser import expect_signed_in_as, sign_in
from tests.conftest import TEST_SECRET
from tests.support.oauth_flow import CALLBACK

pytestmark = pytest.mark.browser

NAME = "Ada Lovelace"
EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
APP_NAME = "Photo Printer"


@pytest.fixture
def printer_id(
    live_server: str, database_url: str, tmp_path: Path, password_hasher: PasswordHasher
) -> str:
    """Ada's account and a Web App credential anyone may authorize; its client_id.

    Made here, in the main thread, with the services the server runs (the browser's thread
    cannot run an event loop of its own).
    """
    settings = load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=live_server,
        env="development",
    )

    async def make() -> str:
        services = build_services(settings, password_hasher=password_hasher)
        try:
            owner = await services.accounts.create_user(
                email="dev@example.com", name="Dev Eloper", password="developer password"
            )
            await services.accounts.create_user(email=EMAIL, name=NAME, password=PASSWORD)
            created = await services.oauth.clients.create(
                owner_id=owner.id,
                client_type=ClientType.WEB,
                name=APP_NAME,
                redirect_uris=[CALLBACK],
                scopes=["openid", "profile", "email"],
            )
            client_id = created.client.client_id
            async with services.db.write() as session:
                await session.execute(
                    update(ClientRow)
                    .where(ClientRow.client_id == client_id)
                    .values(in_production=True)
                )
            return client_id
        finally:
            await services.db.dispose()

    return asyncio.run(make())


def allow(page: Page, client_id: str) -> None:
    """The application sends Ada to the authorization page; she allows it."""
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "openid,profile,email",
        "state": "xyz",
    }
    page.goto("/ims/authorize/v2?" + urlencode(query))
    expect(page.get_by_role("main")).to_contain_text(APP_NAME)
    # The server records the consent and sends the browser to the application's callback with
    # a code (the consent page's CSP form-action names that origin). The application is not
    # running, so the test answers for it.
    page.route(
        re.compile("^" + re.escape(CALLBACK)),
        lambda route: route.fulfill(
            body="The printer app got its code.", content_type="text/plain"
        ),
    )
    page.get_by_role("button", name="Allow").click()
    expect(page.locator("body")).to_have_text("The printer app got its code.")
    assert "code=" in page.url and "state=xyz" in page.url


def connected_apps(page: Page) -> list[str]:
    section = page.locator("#connected-applications")
    expect(section.get_by_role("heading", name="Connected applications")).to_be_visible()
    return section.get_by_role("heading", level=3).all_inner_texts()


def test_allow_an_app_then_remove_its_access(page: Page, printer_id: str) -> None:
    sign_in(page, EMAIL, PASSWORD)
    expect_signed_in_as(page, NAME)
    assert connected_apps(page) == []
    expect(page.locator("#connected-applications")).to_contain_text(
        "No application can use your account."
    )

    allow(page, printer_id)

    page.goto("/account")
    assert connected_apps(page) == [APP_NAME]
    entry = page.locator(".connected-app", has_text=APP_NAME)
    for title in ("Your identity", "Your profile", "Your email address"):
        expect(entry.get_by_role("listitem").filter(has_text=title)).to_have_count(1)
    expect(entry).to_contain_text("Last used Never")  # it has not redeemed its code yet
    page.set_viewport_size(LAPTOP)
    screenshot(page, "account-connected-apps-laptop", LAPTOP)

    entry.get_by_role("link", name=f"Remove access for {APP_NAME}").click()
    expect(page.get_by_role("heading", name=f"Remove access for {APP_NAME}?")).to_be_visible()
    screenshot(page, "account-remove-app-confirm-laptop", LAPTOP)
    page.get_by_role("button", name="Remove access").click()

    expect(page).to_have_url(re.compile(r"/account\?removed=[0-9a-f]+#connected-applications$"))
    expect(page.get_by_role("status")).to_have_text(
        f"{APP_NAME} can no longer use your account. Its access is revoked."
    )
    assert connected_apps(page) == []
    screenshot(page, "account-app-removed-laptop", LAPTOP)

    # Asked again, the application needs Ada's consent again.
    page.goto(
        "/ims/authorize/v2?"
        + urlencode(
            {
                "client_id": printer_id,
                "response_type": "code",
                "redirect_uri": CALLBACK,
                "scope": "openid",
                "state": "again",
            }
        )
    )
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
