"""The playground tells the truth about its tokens and its requests, in Chromium: revoked and
refused tokens are shown as such (no countdown, no Refresh, no stale introspection), a
replayed callback is reported once, Refresh says why it is off and offers offline_access, a
Web App with no secret is stopped before sign-in, and Try the API keeps its URL readable.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser._console_steps import (
    Credential,
    add_credential,
    add_libraries_api,
    create_project,
    fits_the_width,
    open_console,
    sign_up,
)
from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot
from tests.browser.test_playground_browser import (
    generate_tokens,
    open_playground,
    shown_token,
    tab,
)

DEFAULT_SCOPES = "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"


def web_app(page: Page, live_server: str, email: str) -> Credential:
    """A signed-up developer with a Web App whose redirect URIs accept the playground."""
    sign_up(page, email)
    open_console(page)
    create_project(page, "Truth")
    add_libraries_api(page)
    credential = add_credential(
        page, "Web App", "Truth web", (f"{live_server}/playground/callback",)
    )
    assert credential.secret is not None
    return credential


def badge(page: Page, region: str) -> str:
    return page.get_by_role("region", name=region).locator(".badge").inner_text()


def test_revoking_the_refresh_token_shows_both_tokens_revoked(page: Page, live_server: str) -> None:
    web = web_app(page, live_server, "revoke@example.com")
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=True)
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")
    page.get_by_role("button", name="Introspect").click()
    expect(page.locator("#pg-introspection-body")).to_contain_text('"active": true')

    page.get_by_role("button", name="Revoke refresh token").click()
    expect(page.get_by_role("status").first).to_have_text(
        "The access token and the refresh token are revoked: calls with them now fail."
    )

    def shows_the_revocation() -> None:
        for name in ("Access token", "Refresh token"):
            region = page.get_by_role("region", name=name)
            expect(region.locator(".badge")).to_have_text("Revoked")
        expect(page.get_by_role("region", name="Access token")).to_contain_text(
            "Revoked with the refresh token: the server says it is inactive"
        )
        expect(page.locator("#pg-expiry")).to_have_text(
            "The access token is no longer valid: calls with it fail."
        )
        for button in ("Refresh", "Revoke refresh token", "Revoke access token"):
            expect(page.get_by_role("button", name=button, exact=True)).to_be_hidden()
        expect(page.get_by_label("Auto-refresh before it expires")).to_be_hidden()
        expect(page.locator("#pg-refresh-why")).to_have_text(
            re.compile("^The refresh token is no longer valid: Generate Tokens again")
        )
        # The introspection shown is asked again: the old "active": true is gone.
        expect(page.locator("#pg-introspection-body")).to_have_text('{\n  "active": false\n}')

    shows_the_revocation()
    page.reload()  # the state is the server's, not the page's
    expect(page.get_by_role("tab", name="2 · Tokens")).to_have_attribute("aria-selected", "true")
    shows_the_revocation()
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)


def test_a_refresh_refused_with_invalid_grant_shows_the_tokens_no_longer_valid(
    page: Page, live_server: str
) -> None:
    web = web_app(page, live_server, "refused@example.com")
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=True)
    refresh = shown_token(page, "Refresh token")
    # Revoked elsewhere (by the app itself, say): the page does not know yet.
    revoked = httpx.post(
        f"{live_server}/ims/revoke",
        data={"token": refresh, "client_id": web.client_id, "client_secret": web.secret},
        timeout=10,
    )
    assert revoked.status_code == 200
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")

    page.get_by_role("button", name="Refresh", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="invalid_grant")).to_be_visible()
    expect(page.get_by_role("region", name="Refresh token")).to_contain_text(
        "Refused by the server (invalid_grant)."
    )
    assert badge(page, "Refresh token") == "No longer valid"
    expect(page.get_by_role("region", name="Access token")).to_contain_text(
        "Ended with the refusal of the refresh token: the server says it is inactive"
    )
    assert badge(page, "Access token") == "No longer valid"
    expect(page.locator("#pg-expiry")).to_have_text(
        "The access token is no longer valid: calls with it fail."
    )
    expect(page.get_by_role("button", name="Refresh", exact=True)).to_be_hidden()
    expect(page.get_by_label("Auto-refresh before it expires")).to_be_hidden()


def test_the_back_button_replay_is_reported_once_and_the_tokens_stay(
    page: Page, live_server: str
) -> None:
    web = web_app(page, live_server, "back@example.com")
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=False)
    access = shown_token(page, "Access token")

    # Back replays the authorization request: the server, which remembers the consent,
    # sends the browser straight back to the callback with the state already used.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/playground#tokens$"))
    banner = page.locator("#pg-error")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("came back a second time")
    expect(banner).to_contain_text("The tokens shown are unchanged.")
    expect(banner).not_to_contain_text("mismatch")
    expect(page.get_by_role("region", name="Access token").locator("code")).to_have_text(access)
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")

    # Once: a reload shows the tokens and no error.
    page.reload()
    expect(page.get_by_role("region", name="Access token").locator("code")).to_have_text(access)
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")
    expect(banner).to_be_hidden()
    tab(page, "1 · Authorization")
    expect(banner).to_be_hidden()


def test_refresh_says_why_it_is_off_and_offers_offline_access(page: Page, live_server: str) -> None:
    web = web_app(page, live_server, "offline@example.com")
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=False)
    expect(page.get_by_role("region", name="Refresh token")).to_have_count(0)
    refresh = page.get_by_role("button", name="Refresh", exact=True)
    auto = page.get_by_label("Auto-refresh before it expires")
    expect(refresh).to_be_disabled()
    expect(auto).to_be_disabled()
    why = (
        "Refresh needs a refresh token, and there is none: offline_access was not among the "
        "scopes asked for."
    )
    expect(page.locator("#pg-refresh-why")).to_contain_text(why)
    # The reason is the buttons' description, for a screen reader too.
    expect(refresh).to_have_accessible_description(re.compile("^" + re.escape(why)))
    expect(auto).to_have_accessible_description(re.compile("^" + re.escape(why)))

    page.get_by_role("button", name="Add offline_access to the scopes").click()
    expect(page.get_by_role("tab", name="1 · Authorization")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.get_by_label("Scopes")).to_have_value(DEFAULT_SCOPES + ",offline_access")
    expect(page.get_by_label("Scopes")).to_be_focused()
    expect(page.locator("input[data-scope][value=offline_access]")).to_be_checked()
    expect(page.get_by_role("status").first).to_contain_text("press Generate Tokens")
    tab(page, "2 · Tokens")
    expect(page.locator("#pg-refresh-why")).to_contain_text(
        "It is in the Scopes field now: press Generate Tokens again."
    )
    expect(page.get_by_role("button", name="Add offline_access to the scopes")).to_be_hidden()
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)
    page.set_viewport_size(LAPTOP)
    tab(page, "1 · Authorization")

    # The next Generate Tokens asks for it, and Refresh works.
    page.get_by_role("button", name="Generate Tokens").click()
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(r"/playground#tokens$"))
    expect(page.get_by_role("region", name="Refresh token")).to_be_visible()
    expect(refresh).to_be_enabled()
    expect(auto).to_be_enabled()
    expect(page.locator("#pg-refresh-why")).to_be_hidden()


def test_a_web_app_with_no_secret_is_stopped_on_the_form(page: Page, live_server: str) -> None:
    web = web_app(page, live_server, "nosecret@example.com")
    open_playground(page)
    page.get_by_label("Use one of my credentials").select_option(label="Truth web · Web App")
    page.get_by_role("button", name="Use it").click()
    expect(page.get_by_role("status").first).to_contain_text("Paste its client secret")
    expect(page.get_by_label("API Key (Client ID)")).to_have_value(web.client_id)
    expect(page.get_by_label("Client Secret")).to_have_value("")

    page.get_by_role("button", name="Generate Tokens").click()
    secret = page.get_by_label("Client Secret")
    problem = page.locator("#pg-secret-error")
    expect(problem).to_have_text(
        re.compile(r"^Truth web is a Web App credential: the token endpoint will ask for its")
    )
    expect(problem).to_have_attribute("role", "alert")
    expect(secret).to_have_attribute("aria-invalid", "true")
    expect(secret).to_be_focused()
    # Nobody was sent to sign in or consent.
    expect(page).to_have_url(re.compile(r"/playground#authorization$"))
    expect(page.get_by_role("button", name="Allow")).to_have_count(0)
    expect(page.get_by_role("button", name="Generate Tokens")).to_be_enabled()

    # With the secret it goes through.
    secret.fill(web.secret or "")
    expect(problem).to_be_hidden()
    page.get_by_role("button", name="Generate Tokens").click()
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(r"/playground#tokens$"))
    expect(page.get_by_role("region", name="Access token")).to_be_visible()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the layout only
def test_try_the_api_puts_method_and_url_on_one_row(new_context: ContextFactory) -> None:
    for size in (LAPTOP, PHONE):
        page = new_context(viewport=size).new_page()
        page.goto("/playground#api")
        method = page.get_by_label("Method").bounding_box()
        url = page.get_by_label("Request URL").bounding_box()
        assert method is not None and url is not None
        if size is LAPTOP:
            assert abs(method["y"] - url["y"]) < 2, (method, url)  # one row
            assert url["width"] >= 700, url  # the row's width, not 364 px
        else:
            assert url["y"] > method["y"] + method["height"], (method, url)  # stacked
            assert url["x"] + url["width"] <= size["width"]
        slug = "laptop" if size is LAPTOP else "phone"
        screenshot(page, f"playground-request-line-{slug}", size)
