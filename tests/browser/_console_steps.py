"""What a developer does in the console, step by step, as the browser tests drive it.

Every step finds fields and buttons by their labels and roles, the way a person (or a screen
reader) does, so a page that loses a label or a role fails the step that needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from playwright.sync_api import Locator, Page, expect

__all__ = [
    "CALLBACK",
    "Credential",
    "add_credential",
    "add_libraries_api",
    "create_project",
    "fits_the_width",
    "open_console",
    "open_section",
    "secret_rows",
    "secrets_region",
    "section_tabs",
    "sign_up",
    "token_endpoint_check",
]

NAME = "Grace Hopper"
PASSWORD = "correct horse battery"
CALLBACK = "https://app.example.com/callback"
CLIENT_ID = re.compile(r"[0-9a-f]{32}")
SECRET = re.compile(r"p8e-[A-Za-z0-9_-]{43}")
PROJECT_PATH = re.compile(r"/console/projects/[^/]+$")
CREDENTIAL_PATH = re.compile(r"/console/projects/[^/]+/credentials/[^/]+$")


@dataclass(frozen=True)
class Credential:
    client_id: str
    secret: str | None
    """The secret the page showed once at creation (confidential types only)."""
    url: str


def sign_up(page: Page, email: str, name: str = NAME) -> None:
    """Sign up, then sign in from the "check your inbox" page (the address stays unconfirmed)."""
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("link", name=name)).to_be_visible()


def open_console(page: Page) -> None:
    """The Console link in the main navigation."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Console").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.get_by_role("heading", name="Projects", level=1)).to_be_visible()


def create_project(page: Page, name: str) -> str:
    """Create a project from the console's front page; returns the project page's URL."""
    page.get_by_label("Project name").fill(name)
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(PROJECT_PATH)
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(f"Project {name} is created.")
    return page.url


def add_libraries_api(page: Page) -> None:
    apis = page.get_by_role("region", name="APIs")
    apis.get_by_role("button", name="Add Creative Cloud Libraries").click()
    expect(page.get_by_role("status")).to_contain_text("Creative Cloud Libraries is added.")
    expect(apis.get_by_role("button", name="Remove Creative Cloud Libraries")).to_be_visible()


def add_credential(
    page: Page, kind: str, name: str, redirect_uris: tuple[str, ...] = ()
) -> Credential:
    """From the project page: "Add credential", choose the type, name it, save it."""
    page.get_by_role("link", name="Add credential").click()
    expect(page.get_by_role("heading", name="Add a credential", level=1)).to_be_visible()
    page.get_by_role("radio", name=re.compile("^" + re.escape(kind) + r"\b")).check()
    page.get_by_label("Name", exact=True).fill(name)
    if redirect_uris:
        redirects_field(page).fill("\n".join(redirect_uris))
    page.get_by_role("button", name="Add credential").click()
    return read_new_credential(page, name)


def read_new_credential(page: Page, name: str) -> Credential:
    """The credential page right after creation: its client ID and its one-time secret."""
    expect(page).to_have_url(CREDENTIAL_PATH)
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page.get_by_role("status").first).to_have_text(f"Credential {name} is created.")
    client_id = page.locator("#client-id").inner_text().strip()
    assert CLIENT_ID.fullmatch(client_id), client_id
    shown = page.locator("#new-secret")
    secret = shown.inner_text().strip() if shown.count() else None
    assert secret is None or SECRET.fullmatch(secret), secret
    return Credential(client_id, secret, page.url)


def section_tabs(page: Page) -> Locator:
    """The credential page's sections (Adobe's tabs), as links."""
    return page.get_by_role("navigation", name="Credential sections").get_by_role("link")


def open_section(page: Page, title: str) -> Locator:
    """Open one of the credential page's sections by its tab; returns the section.

    The page the tab is on must have finished loading first: a click made while Chromium
    still settles the page just shown (a POST's redirect back to the same section) can land
    beside the link, and the section never opens (seen once in CI, on PostgreSQL).
    """
    page.wait_for_load_state("load")
    section_tabs(page).filter(has_text=title).click()
    expect(section_tabs(page).filter(has_text=title)).to_have_attribute("aria-current", "page")
    section = page.get_by_role("region", name=title, exact=True)
    expect(section).to_be_visible()
    return section


def redirects_field(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Redirect URIs", exact=True)


def secrets_region(page: Page) -> Locator:
    return page.get_by_role("region", name="Client secrets")


def secret_rows(page: Page) -> Locator:
    """The secrets table's body rows (the header row left out)."""
    return secrets_region(page).get_by_role("row").filter(has_not=page.get_by_role("columnheader"))


def token_endpoint_check(
    base_url: str, client_id: str, secret: str, redirect_uri: str = CALLBACK
) -> httpx.Response:
    """An authorization-code exchange with a made-up code: it tests only the client's secret.

    A working secret passes client authentication and fails on the code (``invalid_grant``,
    400); a wrong or revoked one fails first (``invalid_client``, 401).
    """
    return httpx.post(
        base_url + "/ims/token/v3",
        data={
            "grant_type": "authorization_code",
            "code": "not-a-real-code",
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": secret,
        },
        timeout=10,
    )


def fits_the_width(page: Page) -> bool:
    """No sideways scrolling: the document is no wider than the window."""
    page.wait_for_load_state("load")
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))
