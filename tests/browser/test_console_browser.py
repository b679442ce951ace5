"""The developer console as a developer uses it: real Chromium, real server, real database.

A new user signs up, makes a project and its credentials, copies the client ID, rotates a
secret, generates a token, and meets the refusals of unsafe redirect URIs. What the console
hands out is then used at the real token and introspection endpoints, from outside the browser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.browser._console_steps import (
    CALLBACK,
    Credential,
    add_credential,
    add_libraries_api,
    create_project,
    fits_the_width,
    open_console,
    open_section,
    read_new_credential,
    redirects_field,
    secret_rows,
    secrets_region,
    section_tabs,
    sign_up,
    token_endpoint_check,
)
from tests.browser.conftest import LAPTOP, PHONE, ContextFactory, screenshot

pytestmark = pytest.mark.browser

PROJECT = "Moodboard"
# What the token endpoint makes of a client secret (see token_endpoint_check).
WORKS = (400, "invalid_grant")  # client authentication passed; only the made-up code failed
REFUSED = (401, "invalid_client")


# Steps ------------------------------------------------------------------------------------


def web_app_in_new_project(page: Page, email: str = "grace@example.com") -> Credential:
    """Sign up, create a project with the Libraries API, add a Web App credential."""
    sign_up(page, email)
    open_console(page)
    create_project(page, PROJECT)
    add_libraries_api(page)
    return add_credential(page, "Web App", "Moodboard web", (CALLBACK,))


def secret_result(base_url: str, client_id: str, secret: str) -> tuple[int, str]:
    """What the token endpoint makes of a secret: (400, invalid_grant) when it works."""
    response = token_endpoint_check(base_url, client_id, secret)
    assert response.headers["cache-control"] == "no-store"
    return response.status_code, response.json()["error"]


def expect_message_beside(field: Locator, name: str) -> None:
    """The field's message sits in the field's own block, right under it, and is the field's
    error message; the summary at the top of the page is the one alert, and has the focus."""
    message = field.locator("xpath=..").locator(f"#{name}-error")
    expect(message).to_be_visible()
    expect(field).to_have_attribute("aria-errormessage", f"{name}-error")
    expect(field).to_have_attribute("aria-invalid", "true")
    summary = field.page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(message.inner_text())
    field_box, message_box = field.bounding_box(), message.bounding_box()
    assert field_box is not None and message_box is not None
    below = message_box["y"] - (field_box["y"] + field_box["height"])
    assert 0 <= below < 80, f"the message is {below}px from its field"


# Tests ------------------------------------------------------------------------------------


def test_new_user_adds_a_web_app_and_sees_its_secret_once(
    new_context: ContextFactory, live_server: str
) -> None:
    context = new_context(viewport=LAPTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()

    sign_up(page, "grace@example.com")
    open_console(page)
    expect(page.get_by_text("You have no projects yet.")).to_be_visible()
    project_url = create_project(page, PROJECT)
    expect(page.get_by_text("No credentials yet.")).to_be_visible()
    add_libraries_api(page)

    web = add_credential(page, "Web App", "Moodboard web", (CALLBACK,))
    expect(page.get_by_text("Web App: Your application has a server")).to_be_visible()
    expect(page.locator("#summary-redirects")).to_have_text(CALLBACK)

    # The copy button (shown by console.js) puts the client ID on the clipboard, and says so.
    copy = page.get_by_role("button", name="Copy the client ID")
    expect(copy).to_be_visible()
    copy.click()
    expect(copy.locator("xpath=..").get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == web.client_id

    # The secret is shown this once...
    assert web.secret is not None
    reveal = page.get_by_role("region", name="Your new client secret")
    expect(reveal).to_contain_text("It is shown this once")
    expect(page.get_by_role("button", name="Copy the client secret")).to_be_visible()
    expect(secret_rows(page)).to_have_count(1)
    expect(secret_rows(page).first).to_contain_text(web.secret[-4:])

    # ...and a reload shows neither the secret nor its box, nor the creation notice.
    page.reload()
    expect(page.get_by_role("heading", name="Moodboard web", level=1)).to_be_visible()
    expect(page.locator("#new-secret")).to_have_count(0)
    expect(reveal).to_have_count(0)
    expect(page.get_by_role("status")).to_have_count(0)
    assert web.secret not in page.content()
    expect(page.locator("#client-id")).to_have_text(web.client_id)  # the ID stays, of course

    # The JSON download has the settings, and no secret.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download JSON").click()
    document = json.loads(Path(download.value.path()).read_text())
    assert download.value.suggested_filename == "Moodboard-web-oauth.json"
    assert document["client_id"] == web.client_id
    assert document["redirect_uris"] == [CALLBACK]
    assert document["client_secret"] is None
    assert web.secret not in json.dumps(document)

    # The project lists the credential, and the console lists the project.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=PROJECT).click()
    expect(page).to_have_url(project_url)
    row = page.get_by_role("region", name="Credentials").get_by_role("row", name="Moodboard web")
    expect(row).to_contain_text("Web App")
    expect(row).to_contain_text(web.client_id)
    expect(row).to_contain_text("Development")
    open_console(page)
    projects = page.get_by_role("list", name="Your projects")
    expect(projects.get_by_role("link", name=PROJECT)).to_be_visible()
    expect(projects).to_contain_text("1 credential")
    expect(projects).to_contain_text("Creative Cloud Libraries")


def test_secret_rotation_keeps_the_old_secret_until_it_is_revoked(
    page: Page, live_server: str
) -> None:
    web = web_app_in_new_project(page)
    old = web.secret
    assert old is not None
    assert secret_result(live_server, web.client_id, old) == WORKS
    wrong = old[:-1] + ("A" if old[-1] != "A" else "B")
    assert secret_result(live_server, web.client_id, wrong) == REFUSED

    page.reload()  # the creation's one-time secret is gone
    secrets = secrets_region(page)
    expect(secrets.get_by_text("Only secret")).to_be_visible()
    secrets.get_by_role("button", name="Generate a new secret").click()

    expect(page.get_by_role("status").first).to_have_text(
        "A new secret is generated. Both secrets work until you revoke one."
    )
    new = page.locator("#new-secret").inner_text().strip()
    assert new.startswith("p8e-")
    assert new != old
    expect(secret_rows(page)).to_have_count(2)
    generate = secrets.get_by_role("button", name="Generate a new secret")
    expect(generate).to_be_disabled()
    expect(generate).to_have_accessible_description(
        "Two secrets are active: revoke one before you generate another."
    )

    # Both secrets work while both are listed.
    assert secret_result(live_server, web.client_id, old) == WORKS
    assert secret_result(live_server, web.client_id, new) == WORKS

    # Revoking acts at once, so the page asks first; the user confirms.
    dialogs: list[str] = []

    def confirm(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.once("dialog", confirm)
    secrets.get_by_role("button", name=f"Revoke the secret ending in {old[-4:]}").click()
    expect(page.get_by_role("status")).to_have_text(
        "The secret is revoked: it no longer works at the token endpoint."
    )
    expect(secret_rows(page)).to_have_count(1)
    assert dialogs and "stop working at once" in dialogs[0]
    expect(secret_rows(page).first).to_contain_text(new[-4:])
    expect(secrets.get_by_role("button", name="Generate a new secret")).to_be_enabled()
    expect(page.locator("#new-secret")).to_have_count(0)

    assert secret_result(live_server, web.client_id, old) == REFUSED
    assert secret_result(live_server, web.client_id, new) == WORKS


def test_server_to_server_token_works_at_the_endpoints(page: Page, live_server: str) -> None:
    sign_up(page, "grace@example.com")
    open_console(page)
    create_project(page, PROJECT)
    add_libraries_api(page)
    server = add_credential(page, "Server-to-Server", "Nightly sync")
    assert server.secret is not None
    # No user signs in to it: no redirect URIs, and no status or testers (nor a badge).
    expect(section_tabs(page)).to_have_text(["Overview and secrets", "Scopes and tokens"])
    expect(page.get_by_role("region", name="Redirect URIs")).to_have_count(0)
    expect(page.get_by_text("Development", exact=True)).to_have_count(0)
    expect(page.get_by_text("Production", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Generate access token").click()
    token_box = page.get_by_role("region", name="Access token", exact=True)
    expect(token_box).to_contain_text("It is shown this once")
    token = page.locator("#access-token").inner_text().strip()
    assert token
    expect(page.get_by_role("button", name="Copy the access token")).to_be_visible()

    with httpx.Client(base_url=live_server, timeout=10) as http:
        introspected = http.post(
            "/ims/introspect",
            data={"token": token, "client_id": server.client_id, "client_secret": server.secret},
        )
        assert introspected.status_code == 200, introspected.text
        assert introspected.json()["active"] is True
        assert introspected.json()["client_id"] == server.client_id

        # The cURL command on the page, made with httpx instead: it gets a token too.
        curl = page.locator("#curl").inner_text()
        assert server.client_id in curl
        assert "grant_type=client_credentials" in curl
        assert live_server + "/ims/token/v3" in curl
        assert server.secret not in curl  # $CLIENT_SECRET stands in for it
        scope = re.search(r"scope=([^'\"\s]*)", curl)
        assert scope is not None, curl
        issued = http.post(
            "/ims/token/v3",
            data={
                "grant_type": "client_credentials",
                "client_id": server.client_id,
                "client_secret": server.secret,
                "scope": scope.group(1),
            },
        )
        assert issued.status_code == 200, issued.text
        assert issued.json()["token_type"].lower() == "bearer"
        # The same scopes as the console's token, which the page lists.
        shown = token_box.locator("p code").inner_text().split()
        assert sorted(issued.json()["scope"].split()) == sorted(shown)
        assert sorted(scope.group(1).split(",")) == sorted(shown)
        again = http.post(
            "/ims/introspect",
            data={
                "token": issued.json()["access_token"],
                "client_id": server.client_id,
                "client_secret": server.secret,
            },
        )
        assert again.json()["active"] is True

    page.reload()
    expect(page.locator("#access-token")).to_have_count(0)
    assert token not in page.content()


def test_unsafe_redirect_uris_are_refused_beside_their_field(page: Page) -> None:
    web_app_in_new_project(page)
    redirects = open_section(page, "Redirect URIs")
    save = redirects.get_by_role("button", name="Save redirect URIs")

    redirects_field(page).fill("http://example.com/cb")
    save.click()
    field = redirects_field(page)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_error_message(re.compile(r"https"))
    expect(field).to_have_value("http://example.com/cb")  # kept, to be corrected
    expect_message_beside(field, "redirect_uris")

    # A pattern that admits any host.
    redirects.get_by_role("radio", name="A default URI and a pattern").check()
    default = page.get_by_label("Default redirect URI")
    pattern = page.get_by_label("Redirect URI pattern")
    expect(redirects_field(page)).to_be_hidden()
    default.fill("https://example.com/cb")
    pattern.fill("https://.*")
    save.click()
    expect(pattern).to_have_attribute("aria-invalid", "true")
    expect(pattern).to_have_accessible_error_message(re.compile(r"https://\.\*"))
    expect_message_beside(pattern, "redirect_uri_pattern")
    expect(default).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("radio", name="A default URI and a pattern")).to_be_checked()

    # Unescaped dots: example.com.* matches example.com.evil.io.
    pattern.fill("https://example.com.*")
    save.click()
    expect(pattern).to_have_attribute("aria-invalid", "true")
    unescaped = re.compile(r"https://example\.com\.\*.*escape every dot", re.IGNORECASE)
    expect(pattern).to_have_accessible_error_message(unescaped)
    expect_message_beside(pattern, "redirect_uri_pattern")
    expect(pattern).to_have_value("https://example.com.*")

    # Nothing was saved, and the try box says such a host would be refused.
    page.get_by_label("Try a redirect URI").fill("https://example.com.evil.io")
    page.get_by_role("button", name="Check").click()
    result = page.locator("#try-result")
    expect(result).to_have_text(re.compile(r"^https://example\.com\.evil\.io would be refused"))
    expect(result).to_have_role("status")
    expect(redirects_field(page)).to_have_value(CALLBACK)
    page.get_by_label("Try a redirect URI").fill(CALLBACK)
    page.get_by_role("button", name="Check").click()
    expect(result).to_have_text(f"{CALLBACK} would be accepted.")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a form, not storage
def test_a_credential_with_no_type_chosen_is_refused_on_the_form(page: Page) -> None:
    sign_up(page, "grace@example.com")
    open_console(page)
    create_project(page, PROJECT)
    page.get_by_role("link", name="Add credential").click()
    page.get_by_label("Name", exact=True).fill("Moodboard web")
    page.get_by_role("button", name="Add credential").click()

    # The form again (not an error page), with the message inside the type group.
    expect(page.get_by_role("heading", name="Add a credential")).to_be_visible(timeout=2000)
    types = page.get_by_role("group", name="What kind of application is it?")
    expect(types.locator("#type-error")).to_have_text("Choose the kind of application.")
    expect(page.get_by_role("alert")).to_contain_text("Choose the kind of application.")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Moodboard web")


def test_a_credential_can_be_added_with_the_keyboard_alone(page: Page) -> None:
    sign_up(page, "grace@example.com")
    open_console(page)
    create_project(page, PROJECT)
    page.get_by_role("link", name="Add credential").click()
    expect(page.get_by_role("heading", name="Add a credential")).to_be_visible()

    web_app = page.get_by_role("radio", name=re.compile(r"^Web App\b"))
    for _ in range(20):  # from the top of the page to the type radios
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "type":
            break
    expect(web_app).to_be_focused()
    page.keyboard.press("Space")
    expect(web_app).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    page.keyboard.type("Keyboard web")
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="An exact list of URIs")).to_be_focused()
    page.keyboard.press("Tab")
    expect(redirects_field(page)).to_be_focused()
    page.keyboard.type(CALLBACK)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Add credential")).to_be_focused()
    page.keyboard.press("Enter")

    web = read_new_credential(page, "Keyboard web")
    assert web.secret is not None
    open_section(page, "Redirect URIs")
    expect(redirects_field(page)).to_have_value(CALLBACK)


def test_credential_and_project_pages_fit_a_phone(new_context: ContextFactory) -> None:
    page = new_context(viewport=PHONE).new_page()
    web_app_in_new_project(page)
    expect(page.locator("#new-secret")).to_be_visible()
    assert fits_the_width(page), "the Web App credential page scrolls sideways"
    page.get_by_role("button", name="Generate a new secret").click()
    expect(secret_rows(page)).to_have_count(2)
    assert fits_the_width(page), "the secrets table makes the page scroll sideways"
    for title in ("Redirect URIs", "Scopes and tokens", "Status and testers"):
        open_section(page, title)
        assert fits_the_width(page), f"the {title} section scrolls sideways"

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=PROJECT).click()
    server = add_credential(page, "Server-to-Server", "Nightly sync")
    page.get_by_role("button", name="Generate access token").click()
    expect(page.locator("#access-token")).to_be_visible()
    assert server.secret is not None
    assert fits_the_width(page), "the Server-to-Server page (token, cURL) scrolls sideways"

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=PROJECT).click()
    expect(page.get_by_role("region", name="Credentials").get_by_role("row")).to_have_count(3)
    assert fits_the_width(page), "the project page scrolls sideways"
    open_console(page)
    assert fits_the_width(page), "the console's front page scrolls sideways"


# Screenshots do not depend on the database: one server, both viewports.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_console_screenshots_for_review(new_context: ContextFactory) -> None:
    """Full-page screenshots in artifacts/screenshots/console-*; no page may scroll sideways."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        take_screenshots(new_context(viewport=size).new_page(), viewport, size)


def take_screenshots(page: Page, viewport: str, size: dict[str, int]) -> None:
    def shoot(name: str) -> None:
        screenshot(page, f"console-{name}-{viewport}", size)

    sign_up(page, f"{viewport}@example.com")
    open_console(page)
    shoot("empty")
    project_url = create_project(page, PROJECT)
    add_libraries_api(page)
    shoot("project-empty")

    page.get_by_role("link", name="Add credential").click()
    shoot("credential-new")
    page.get_by_role("radio", name=re.compile(r"^Web App\b")).check()
    shoot("credential-new-web")

    page.goto(project_url)
    add_credential(page, "Web App", "Moodboard web", (CALLBACK,))
    shoot("web-secret")

    open_section(page, "Redirect URIs")
    redirects_field(page).fill("http://example.com/cb")
    page.get_by_role("button", name="Save redirect URIs").click()
    expect(redirects_field(page)).to_have_attribute("aria-invalid", "true")
    shoot("web-refused")

    page.goto(project_url)
    add_credential(page, "Server-to-Server", "Nightly sync")
    page.get_by_role("button", name="Generate access token").click()
    expect(page.locator("#access-token")).to_be_visible()
    shoot("server-token")

    page.goto(project_url)
    shoot("project")
    open_console(page)
    shoot("projects")


def test_each_section_saves_with_one_button_and_keeps_what_was_typed(
    new_context: ContextFactory, live_server: str
) -> None:
    page = new_context(viewport=LAPTOP).new_page()
    web = web_app_in_new_project(page)
    page.reload()  # the one-time secret's box is gone: the page as it is every other time

    # What to paste into the application, at the top, with the first section in the window.
    summary = page.get_by_role("region", name="For your application")
    expect(summary.locator("#client-id")).to_have_text(web.client_id)
    expect(summary.locator("#authorization-endpoint")).to_have_text(
        live_server + "/ims/authorize/v2"
    )
    expect(summary.locator("#token-endpoint")).to_have_text(live_server + "/ims/token/v3")
    expect(summary.locator("#summary-redirects")).to_have_text(CALLBACK)
    expect(summary.locator("#summary-secret")).to_contain_text("Needed, on your server only.")
    expect(summary.locator("#scope-list")).to_contain_text("openid,AdobeID")
    expect(page.locator(".credential-head .badge")).to_have_text("Development")
    save_name = page.get_by_role("button", name="Save name")
    box = save_name.bounding_box()
    assert box is not None and box["y"] + box["height"] <= LAPTOP["height"], box
    expect(section_tabs(page)).to_have_text(
        ["Overview and secrets", "Redirect URIs", "Scopes and tokens", "Status and testers"]
    )

    # Scopes and tokens: one form, one Save; two refusals at once keep every typed value.
    section = open_section(page, "Scopes and tokens")
    saves = section.get_by_role("button", name=re.compile(r"^Save"))
    expect(saves).to_have_count(1)
    cc_files = section.get_by_role("checkbox", name=re.compile(r"^cc_files"))
    offline = section.get_by_role("switch", name="Offline access (refresh tokens)")
    minutes = section.get_by_label("Access token lifetime (minutes)")
    days = section.get_by_label("Refresh token lifetime (days)")
    cc_files.uncheck()
    offline.uncheck()
    minutes.fill("1")
    days.fill("91")
    saves.click()
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    expect(alert.get_by_role("listitem")).to_have_count(2)
    expect_message_beside(minutes, "access_token_ttl")
    expect(days).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_have_value("1")
    expect(days).to_have_value("91")
    expect(cc_files).not_to_be_checked()
    expect(offline).not_to_be_checked()
    expect(summary.locator("#scope-list")).to_contain_text("cc_files")  # nothing was saved

    minutes.fill("30")
    days.fill("7")
    saves.click()
    expect(page.get_by_role("status")).to_have_text("The scopes and token settings are saved.")
    expect(minutes).to_have_value("30")
    expect(cc_files).not_to_be_checked()
    expect(offline).not_to_be_checked()
    expect(summary.locator("#scope-list")).not_to_contain_text("cc_files")
    expect(summary.locator("#scope-list")).not_to_contain_text("offline_access")

    # Status and testers: the chosen status is kept beside a refused email.
    section = open_section(page, "Status and testers")
    expect(section.get_by_role("button", name=re.compile(r"^Save"))).to_have_count(1)
    section.get_by_role("radio", name="Production").check()
    testers = section.get_by_label("Beta users")
    testers.fill("bob@example.com\nnobody")
    section.get_by_role("button", name="Save status and testers").click()
    expect_message_beside(testers, "beta_users")
    expect(testers).to_have_value("bob@example.com\nnobody")
    expect(section.get_by_role("radio", name="Production")).to_be_checked()
    expect(page.locator(".credential-head .badge")).to_have_text("Development")
    testers.fill("bob@example.com")
    section.get_by_role("button", name="Save status and testers").click()
    expect(page.get_by_role("status")).to_have_text("The status and beta users are saved.")
    expect(page.locator(".credential-head .badge")).to_have_text("Production")
    expect(testers).to_have_value("bob@example.com")


# Screenshots do not depend on the database: one server, both viewports.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_credential_page_screenshots_for_review(new_context: ContextFactory) -> None:
    """credential-* in artifacts/screenshots: each section of a Web App, and a
    Server-to-Server credential, at a laptop's and a phone's width."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        page = new_context(viewport=size).new_page()
        web_app_in_new_project(page, f"{viewport}@example.com")
        page.reload()
        project_url = page.get_by_role("navigation", name="Breadcrumb").get_by_role(
            "link", name=PROJECT
        )
        screenshot(page, f"credential-web-overview-{viewport}", size)
        for title, name in [
            ("Redirect URIs", "redirects"),
            ("Scopes and tokens", "scopes"),
            ("Status and testers", "status"),
        ]:
            open_section(page, title)
            screenshot(page, f"credential-web-{name}-{viewport}", size)
        open_section(page, "Scopes and tokens")
        page.get_by_label("Access token lifetime (minutes)").fill("1")
        page.get_by_role("button", name="Save scopes and tokens").click()
        expect(page.get_by_role("alert")).to_be_visible()
        screenshot(page, f"credential-web-scopes-refused-{viewport}", size)
        project_url.click()
        add_credential(page, "Server-to-Server", "Nightly sync")
        page.reload()
        screenshot(page, f"credential-server-overview-{viewport}", size)
