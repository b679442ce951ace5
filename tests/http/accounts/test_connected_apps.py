"""Connected applications on the account page, and "Remove access": what the user sees, and
what the application then gets from the token, UserInfo and introspection endpoints."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.config import Settings
from tests.http.oauth.conftest import Credential, assert_oauth_error
from tests.support.apps import make_app, post_form, tokens_for, userinfo
from tests.support.oauth_flow import CALLBACK, Pkce, authorize_code, exchange_code, refresh
from tests.support.pages import csrf_token, sign_in

pytestmark = pytest.mark.anyio

DEV_EMAIL = "dev@example.com"
DEV_PASSWORD = "developer password"
OTHER_EMAIL = "grace@example.com"
OTHER_PASSWORD = "grace's password"


@pytest.fixture
async def dev_id(app: Starlette) -> str:
    user = await app.state.cclibs.accounts.create_user(
        email=DEV_EMAIL, name="Dev Eloper", password=DEV_PASSWORD
    )
    return str(user.id)


@pytest.fixture
async def printer(app: Starlette, dev_id: str) -> Credential:
    return await make_app(app, dev_id, "Photo <Printer> & Co")


@pytest.fixture
async def diary(app: Starlette, dev_id: str) -> Credential:
    return await make_app(app, dev_id, "Dream Diary")


@pytest.fixture
async def browser(client: httpx.AsyncClient, dev_id: str) -> httpx.AsyncClient:
    assert (await sign_in(client, DEV_EMAIL, DEV_PASSWORD)).status_code == 303
    return client


@pytest.fixture
async def other_browser(app: Starlette, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second person, signed in in a browser of their own."""
    await app.state.cclibs.accounts.create_user(
        email=OTHER_EMAIL, name="Grace Hopper", password=OTHER_PASSWORD
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as http:
        assert (await sign_in(http, OTHER_EMAIL, OTHER_PASSWORD)).status_code == 303
        yield http


async def remove_access(browser: httpx.AsyncClient, client_id: str) -> httpx.Response:
    return await post_form(browser, f"/account/applications/{client_id}/remove")


def app_sections(page: httpx.Response) -> dict[str, str]:
    """The connected applications on the account page: name -> the text of its entry."""
    assert page.status_code == 200, page.text[:500]
    section = page.text.split('id="connected-applications"', 1)[1].split("</section>", 1)[0]
    entries = section.split('<li class="connected-app">')[1:]
    found: dict[str, str] = {}
    for entry in entries:
        name = re.search(r"<h3>(.*?)</h3>", entry, flags=re.S)
        assert name, entry
        text = html.unescape(re.sub(r"<[^>]+>", " ", entry))
        found[html.unescape(name.group(1))] = " ".join(text.split())
    return found


async def test_the_account_page_lists_each_app_with_its_scopes_and_last_use(
    browser: httpx.AsyncClient, printer: Credential, diary: Credential, clock: FrozenClock
) -> None:
    page = await browser.get("/account")
    assert "No application can use your account" in page.text
    assert app_sections(page) == {}

    consented_at = clock.now()
    tokens = await tokens_for(browser, printer)
    await tokens_for(browser, diary, scope="openid,email")
    # Eight days later the printer refreshes its token: that is its last use.
    clock.advance(timedelta(days=8))
    refreshed = await refresh(
        browser, printer.client_id, tokens["refresh_token"], secret=printer.secret
    )
    assert refreshed.status_code == 200, refreshed.text

    apps = app_sections(await browser.get("/account"))
    assert list(apps) == ["Dream Diary", "Photo <Printer> & Co"]  # by name
    printer_entry = apps["Photo <Printer> & Co"]
    for title in [
        "Your identity",
        "Your account ID",
        "Your profile",
        "Your email address",
        "Stay connected",
    ]:
        assert title in printer_entry
    assert f"Since {consented_at:%Y-%m-%d %H:%M} UTC" in printer_entry
    assert f"Last used {clock.now():%Y-%m-%d %H:%M} UTC" in printer_entry
    diary_entry = apps["Dream Diary"]
    assert "Your identity" in diary_entry and "Your email address" in diary_entry
    assert "Your profile" not in diary_entry
    assert f"Last used {consented_at:%Y-%m-%d %H:%M} UTC" in diary_entry
    # The name is escaped wherever it appears, the button's label included.
    page = await browser.get("/account")
    assert "Photo <Printer>" not in page.text
    assert 'aria-label="Remove access for Photo &lt;Printer&gt; &amp; Co"' in page.text


async def test_an_app_that_never_redeemed_its_code_was_never_used(
    browser: httpx.AsyncClient, printer: Credential
) -> None:
    await authorize_code(browser, printer.client_id, pkce=Pkce.new())
    assert "Last used Never" in app_sections(await browser.get("/account"))["Photo <Printer> & Co"]


async def test_remove_access_ends_the_apps_tokens_and_nothing_else(
    browser: httpx.AsyncClient,
    other_browser: httpx.AsyncClient,
    printer: Credential,
    diary: Credential,
) -> None:
    first = await tokens_for(browser, printer)
    second = await tokens_for(browser, printer)  # a second sign-in: another token family
    kept = await tokens_for(browser, diary)
    others = await tokens_for(other_browser, printer)

    removed = await remove_access(browser, printer.client_id)
    assert removed.status_code == 303
    assert removed.headers["location"] == (
        f"/account?removed={printer.client_id}#connected-applications"
    )

    # Every token of the removed app, from either sign-in, stops working at once.
    for tokens in (first, second):
        assert_oauth_error(
            await refresh(
                browser, printer.client_id, tokens["refresh_token"], secret=printer.secret
            ),
            400,
            "invalid_grant",
            "revoked",
        )
        gone = await userinfo(browser, tokens["access_token"])
        assert gone.status_code == 401
        assert gone.json()["error"] == "invalid_token"
    introspected = await browser.post(
        "/ims/introspect",
        data={"token": first["access_token"]},
        auth=(printer.client_id, printer.secret or ""),
    )
    assert introspected.json() == {"active": False}

    # The user's other app, and another user of the same app, are untouched.
    assert (await userinfo(browser, kept["access_token"])).status_code == 200
    still = await refresh(browser, diary.client_id, kept["refresh_token"], secret=diary.secret)
    assert still.status_code == 200, still.text
    assert (await userinfo(other_browser, others["access_token"])).status_code == 200
    theirs = await refresh(
        other_browser, printer.client_id, others["refresh_token"], secret=printer.secret
    )
    assert theirs.status_code == 200, theirs.text
    assert list(app_sections(await other_browser.get("/account"))) == ["Photo <Printer> & Co"]

    # The page says what happened, and lists only the app that is left.
    page = await browser.get(removed.headers["location"])
    assert list(app_sections(page)) == ["Dream Diary"]
    assert (
        "Photo &lt;Printer&gt; &amp; Co can no longer use your account. Its access is revoked."
        in page.text
    )


async def test_after_removal_the_app_must_ask_for_consent_again(
    browser: httpx.AsyncClient, printer: Credential
) -> None:
    await tokens_for(browser, printer)
    query = {
        "client_id": printer.client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "s",
    }
    silent = await browser.get("/ims/authorize/v2", params=query)
    assert silent.status_code in (302, 303)  # consented: straight back with a code
    assert (await remove_access(browser, printer.client_id)).status_code == 303
    asked = await browser.get("/ims/authorize/v2", params=query)
    assert asked.status_code == 200
    assert 'name="interaction"' in asked.text  # the consent page


async def test_an_unredeemed_code_dies_with_the_removal(
    browser: httpx.AsyncClient, printer: Credential
) -> None:
    pkce = Pkce.new()
    params = await authorize_code(browser, printer.client_id, pkce=pkce)
    assert (await remove_access(browser, printer.client_id)).status_code == 303
    late = await exchange_code(
        browser, printer.client_id, params["code"], secret=printer.secret, pkce=pkce
    )
    assert_oauth_error(late, 400, "invalid_grant")


async def test_remove_access_asks_first(browser: httpx.AsyncClient, printer: Credential) -> None:
    tokens = await tokens_for(browser, printer)
    account = await browser.get("/account")
    assert f'href="/account/applications/{printer.client_id}/remove"' in account.text
    asked = await browser.get(f"/account/applications/{printer.client_id}/remove")
    assert asked.status_code == 200
    assert "Remove access for Photo &lt;Printer&gt; &amp; Co?" in asked.text
    assert f'action="/account/applications/{printer.client_id}/remove"' in asked.text
    # Asking changed nothing; only the form's POST removes.
    assert (await userinfo(browser, tokens["access_token"])).status_code == 200
    for client_id in ("0" * 32, "x" * 200):
        missing = await browser.get(f"/account/applications/{client_id}/remove")
        assert missing.status_code == 404


async def test_removing_an_app_never_consented_to_is_not_found(
    browser: httpx.AsyncClient,
    other_browser: httpx.AsyncClient,
    printer: Credential,
) -> None:
    others = await tokens_for(other_browser, printer)
    for client_id in (printer.client_id, "0" * 32, "x" * 200):
        response = await remove_access(browser, client_id)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
    # Nothing happened to the person who did consent.
    assert (await userinfo(other_browser, others["access_token"])).status_code == 200


async def test_remove_access_needs_the_csrf_token(
    browser: httpx.AsyncClient, printer: Credential
) -> None:
    tokens = await tokens_for(browser, printer)
    missing = await browser.post(
        f"/account/applications/{printer.client_id}/remove", data={"reason": "no token"}
    )
    assert missing.status_code == 403
    assert "did not come from this site" in missing.text
    forged = await browser.post(
        f"/account/applications/{printer.client_id}/remove", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert list(app_sections(await browser.get("/account"))) == ["Photo <Printer> & Co"]
    assert (await userinfo(browser, tokens["access_token"])).status_code == 200


async def test_remove_access_needs_sign_in(client: httpx.AsyncClient, printer: Credential) -> None:
    token = await csrf_token(client, "/signin")
    response = await client.post(
        f"/account/applications/{printer.client_id}/remove", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")


async def test_a_crafted_removed_link_claims_nothing(
    browser: httpx.AsyncClient, printer: Credential
) -> None:
    await tokens_for(browser, printer)
    for value in (printer.client_id, "<script>alert(1)</script>"):
        page = await browser.get("/account", params={"removed": value})
        assert "can no longer use your account" not in page.text
        assert "<script>alert" not in page.text
