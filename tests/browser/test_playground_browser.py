"""The OAuth 2.0 Playground in Chromium, as a new developer uses it: a credential from the
console, Generate Tokens through the real sign-in and consent, refresh, a real API call,
revocation; the same for a Single-Page App with PKCE and no secret; and no secret or token
in any URL the browser visited or any line the server logged.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser._console_steps import (
    add_credential,
    add_libraries_api,
    create_project,
    open_console,
    sign_up,
)
from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot


def open_playground(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Playground").click()
    expect(page.get_by_role("heading", name="OAuth 2.0 Playground", level=1)).to_be_visible()
    # The endpoints come from discovery.
    expect(page.get_by_label("OAuth 2.0 token endpoint")).to_have_value(
        re.compile(r"/ims/token/v3$")
    )


def tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def generate_tokens(page: Page, client_id: str, secret: str | None, *, offline: bool) -> None:
    page.get_by_label("API Key (Client ID)").fill(client_id)
    if secret is not None:
        page.get_by_label("Client Secret").fill(secret)
        page.get_by_role("button", name="Show").click()
        expect(page.get_by_label("Client Secret")).to_have_attribute("type", "text")
    page.get_by_role("button", name="Use Adobe's default list").click()
    expect(page.get_by_label("Scopes")).to_have_value(
        "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"
    )
    if offline:
        page.get_by_text("Pick from the supported scopes").click()
        page.get_by_role("checkbox", name=re.compile(r"^offline_access")).check()
    expect(page.get_by_label("Use PKCE (S256)")).to_be_checked()
    page.get_by_role("button", name="Generate Tokens").click()
    # The real consent page of the authorization server.
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(r"/playground#tokens$"))
    expect(page.get_by_role("tab", name="2 · Tokens")).to_have_attribute("aria-selected", "true")


def shown_token(page: Page, name: str) -> str:
    region = page.get_by_role("region", name=name)
    expect(region).to_be_visible()
    return region.locator("code").inner_text().strip()


def call_userinfo(page: Page) -> str:
    tab(page, "3 · Try the API")
    page.get_by_label("Operation").select_option(
        label="GET /ims/userinfo/v2 — Who am I (OpenID Connect userinfo)"
    )
    page.get_by_role("button", name="Send the request").click()
    status = page.locator("#pg-status")
    expect(status).to_have_text(re.compile(r"^\d{3} "))
    return status.inner_text()


def test_a_web_app_from_the_console_to_an_api_call_and_back(
    page: Page, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    sign_up(page, "grace@example.com")
    open_console(page)
    create_project(page, "Swatch Studio")
    add_libraries_api(page)
    web = add_credential(page, "Web App", "Swatch web", (f"{live_server}/playground/callback",))
    assert web.secret is not None

    open_playground(page)
    expect(page.locator("#pg-callback")).to_have_text(f"{live_server}/playground/callback")
    generate_tokens(page, web.client_id, web.secret, offline=True)
    access = shown_token(page, "Access token")
    refresh = shown_token(page, "Refresh token")
    id_token = shown_token(page, "ID token")
    for name in ("Access token", "ID token"):
        expect(page.get_by_role("region", name=name).locator(".signature")).to_contain_text(
            "Signature: valid"
        )
    expect(page.locator("#pg-expiry")).to_contain_text("The access token expires in 23 h")

    page.get_by_role("button", name="Refresh", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("A new access token is here.")
    expect(page.get_by_role("region", name="Access token").locator("code")).not_to_have_text(access)
    new_access = shown_token(page, "Access token")
    new_refresh = shown_token(page, "Refresh token")
    assert new_refresh != refresh  # rotated

    page.get_by_role("button", name="Introspect").click()
    expect(page.locator("#pg-introspection-body")).to_contain_text('"active": true')

    assert call_userinfo(page).startswith("200")
    expect(page.locator("#pg-response-body")).to_contain_text("grace@example.com")

    tab(page, "2 · Tokens")
    page.get_by_role("button", name="Revoke access token").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "The access token and the refresh token are revoked"
    )
    # The introspection shown before is asked again, and the tab shows both tokens ended.
    expect(page.locator("#pg-introspection-body")).to_contain_text('"active": false')
    expect(page.locator("#pg-expiry")).to_have_text(
        "The access token is no longer valid: calls with it fail."
    )
    expect(page.get_by_role("region", name="Refresh token").locator(".badge")).to_have_text(
        "Revoked"
    )
    assert call_userinfo(page).startswith("401")

    # Nothing secret in any URL the browser visited, nor in the server's log.
    logged = capsys.readouterr()
    log = logged.out + logged.err
    assert "/playground/callback" in log  # the server's access log was captured
    secrets = {web.secret, access, refresh, id_token, new_access, new_refresh}
    for url in visited:
        for secret in secrets:
            assert secret not in url, url
    for secret in secrets:
        assert secret not in log


def test_a_single_page_app_with_pkce_and_no_secret(
    page: Page, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    sign_up(page, "ada@example.com", "Ada Lovelace")
    open_console(page)
    create_project(page, "Palette")
    add_libraries_api(page)
    spa = add_credential(
        page, "Single-Page App", "Palette web", (f"{live_server}/playground/callback",)
    )
    assert spa.secret is None
    open_playground(page)
    generate_tokens(page, spa.client_id, None, offline=False)
    access = shown_token(page, "Access token")
    expect(page.get_by_role("region", name="Refresh token")).to_have_count(0)
    expect(page.get_by_role("button", name="Refresh", exact=True)).to_be_disabled()
    assert call_userinfo(page).startswith("200")
    tab(page, "2 · Tokens")
    page.get_by_role("button", name="Revoke access token").click()
    expect(page.get_by_role("status").first).to_contain_text("is revoked")
    assert call_userinfo(page).startswith("401")
    logged = capsys.readouterr()
    for url in visited:
        assert access not in url
    assert access not in logged.out + logged.err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pictures, not storage
def test_playground_screenshots_for_review(new_context: ContextFactory, live_server: str) -> None:
    page = new_context(viewport=LAPTOP).new_page()
    sign_up(page, "shots@example.com", "Shot Taker")
    open_console(page)
    create_project(page, "Shots")
    add_libraries_api(page)
    web = add_credential(page, "Web App", "Shots web", (f"{live_server}/playground/callback",))
    open_playground(page)
    page.get_by_role("button", name="Show").click()
    page.get_by_label("API Key (Client ID)").fill(web.client_id)
    page.get_by_label("Client Secret").fill(web.secret or "")
    page.get_by_text("Pick from the supported scopes").click()
    screenshot(page, "playground-authorization-laptop", LAPTOP)
    page.get_by_text("Pick from the supported scopes").click()
    generate_tokens(page, web.client_id, None, offline=True)
    page.get_by_role("region", name="Access token").get_by_text("Decoded header and claims").click()
    screenshot(page, "playground-tokens-laptop", LAPTOP)
    call_userinfo(page)
    screenshot(page, "playground-api-laptop", LAPTOP)
    for name, slug in (("Other flows", "flows"), ("FAQ", "faq")):
        tab(page, name)
        screenshot(page, f"playground-{slug}-laptop", LAPTOP)
    phone = new_context(viewport=PHONE, storage_state=page.context.storage_state()).new_page()
    for slug in ("authorization", "tokens", "api"):
        phone.goto(f"/playground#{slug}")
        expect(phone.locator(f"#{slug}")).to_be_visible()
        if slug == "tokens":
            expect(phone.get_by_role("region", name="Access token")).to_be_visible()
        screenshot(phone, f"playground-{slug}-phone", PHONE)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page's clock only
def test_auto_refresh_renews_the_token_before_it_expires(page: Page, live_server: str) -> None:
    page.clock.install()
    sign_up(page, "tick@example.com", "Tick Tock")
    open_console(page)
    create_project(page, "Clockwork")
    add_libraries_api(page)
    web = add_credential(page, "Web App", "Clock web", (f"{live_server}/playground/callback",))
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=True)
    first = shown_token(page, "Access token")
    page.get_by_label("Auto-refresh before it expires").check()
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")
    # Nearly a day later (in the page's clock): within the last five minutes, it refreshes.
    page.clock.fast_forward("23:56:00")
    expect(page.get_by_role("status").first).to_contain_text("refreshed automatically")
    expect(page.get_by_role("region", name="Access token").locator("code")).not_to_have_text(first)
    expect(page.locator("#pg-expiry")).to_contain_text("expires in 23 h")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page, not storage
def test_links_curl_and_a_shared_link(new_context: ContextFactory, live_server: str) -> None:
    context = new_context(viewport=LAPTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    sign_up(page, "links@example.com", "Lin Kerr")
    open_console(page)
    create_project(page, "Links")
    add_libraries_api(page)
    web = add_credential(page, "Web App", "Links web", (f"{live_server}/playground/callback",))
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=False)
    access = shown_token(page, "Access token")

    # A response's links to an allowed origin can be followed.
    tab(page, "3 · Try the API")
    page.get_by_label("Request URL").fill(f"{live_server}/.well-known/openid-configuration")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#pg-status")).to_have_text(re.compile(r"^200 "))
    page.get_by_role("button", name=f'"{live_server}/ims/keys"').click()
    expect(page.get_by_label("Request URL")).to_have_value(f"{live_server}/ims/keys")
    expect(page.locator("#pg-response-body")).to_contain_text('"keys"')

    # Copy as cURL: the same request, runnable, with the current token.
    page.get_by_role("button", name="Copy as cURL").click()
    curl = page.evaluate("navigator.clipboard.readText()")
    assert curl.startswith(f"curl -X GET '{live_server}/ims/keys'")
    assert f"-H 'Authorization: Bearer {access}'" in curl
    assert f"-H 'x-api-key: {web.client_id}'" in curl

    # A shared link restores the settings, never the secret or the tokens.
    tab(page, "1 · Authorization")
    page.get_by_role("button", name="Copy a link to these settings").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert web.client_id in link
    assert web.secret not in link and access not in link
    friend = new_context(viewport=LAPTOP).new_page()
    friend.goto(link)
    expect(friend.get_by_label("API Key (Client ID)")).to_have_value(web.client_id)
    expect(friend.get_by_label("Scopes")).to_have_value(
        "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"
    )
    expect(friend.get_by_label("Client Secret")).to_have_value("")
    tab(friend, "2 · Tokens")
    expect(friend.get_by_text("No tokens yet.")).to_be_visible()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page, not storage
def test_the_device_flow_shows_a_code_and_polls(page: Page, live_server: str) -> None:
    sign_up(page, "device@example.com", "Dee Vice")
    open_console(page)
    create_project(page, "Kiosk")
    native = add_credential(page, "Native App", "Kiosk", ("http://127.0.0.1/callback",))
    open_playground(page)
    page.get_by_label("API Key (Client ID)").fill(native.client_id)
    page.get_by_label("Scopes").fill("openid,offline_access")
    tab(page, "Other flows")
    page.get_by_role("button", name="Start device authorization").click()
    code = page.locator("#pg-user-code")
    expect(code).to_have_text(re.compile(r"^[A-Z]{4}-[A-Z]{4}$"))
    link = page.locator("#pg-device-link")
    expect(link).to_have_text(f"{live_server}/ims/device")

    # On "another device" (another tab of the same signed-in browser) the user approves.
    with page.context.expect_page() as opened:
        link.click()
    approval = opened.value
    approval.get_by_role("button", name="Continue").click()
    approval.get_by_role("button", name="Allow").click()

    expect(page.locator("#pg-device-status")).to_have_text(
        "Approved: the tokens are on the Tokens tab.", timeout=20_000
    )
    expect(page.get_by_role("tab", name="2 · Tokens")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("region", name="Refresh token")).to_be_visible()
