"""The first five minutes in Chromium: the home page signed out and signed in, its three ways
in, and the README's walk-through "First token in the browser", whose two pictures this test
takes again (docs/images/, committed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser._console_steps import (
    add_credential,
    add_libraries_api,
    create_project,
    open_console,
    sign_up,
)
from tests.browser.conftest import LAPTOP, PHONE, SCREENSHOTS, ContextFactory, screenshot
from tests.browser.test_playground_browser import generate_tokens, open_playground

README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
"""The README's pictures: written by the walk-through below, committed with the README."""
README = Path(__file__).resolve().parents[2] / "README.md"


def start_tiles(page: Page) -> dict[str, str]:
    region = page.get_by_role("region", name=re.compile("What brings you here|Pick up where"))
    links = region.get_by_role("link")
    return {
        links.nth(i).locator("strong").inner_text(): links.nth(i).get_attribute("href") or ""
        for i in range(links.count())
    }


def test_a_newcomer_finds_the_three_ways_in(page: Page, live_server: str) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="cclibs", level=1)).to_be_visible()
    assert start_tiles(page) == {
        "Get a token": "/playground",
        "Register an application": "/console",
        "Use the command line": "#command-line",
    }
    page.get_by_role("link", name=re.compile("^Use the command line")).click()
    commands = page.locator("#command-line pre.commands")
    expect(commands).to_be_in_viewport()
    expect(commands).to_contain_text(f".venv/bin/cclibs profiles add local --issuer {live_server}")
    expect(commands).to_contain_text(".venv/bin/cclibs login")

    # Signed in, home shows the user's projects and credentials, each a link to the console.
    sign_up(page, "newcomer@example.com", "New Comer")
    open_console(page)
    create_project(page, "First steps")
    add_libraries_api(page)
    callback = f"{live_server}/playground/callback"
    credential = add_credential(page, "Web App", "First web", (callback,))
    page.get_by_role("link", name="Home", exact=True).click()
    projects = page.get_by_role("list", name="Your projects")
    expect(projects.get_by_role("link", name="First steps")).to_be_visible()
    projects.get_by_role("link", name="First web").click()
    expect(page).to_have_url(credential.url)
    expect(page.get_by_role("heading", name="First web", level=1)).to_be_visible()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pictures, not storage
def test_home_screenshots_for_review(new_context: ContextFactory, live_server: str) -> None:
    """artifacts/screenshots/home-*: signed out and signed in, laptop and phone; no page may
    scroll sideways; and the redirect URI error as its owner sees it."""
    for viewport, size in [("laptop", LAPTOP), ("phone", PHONE)]:
        page = new_context(viewport=size).new_page()
        page.goto("/")
        expect(page.get_by_role("heading", name="cclibs", level=1)).to_be_visible()
        screenshot(page, f"home-signed-out-{viewport}", size)
        sign_up(page, f"home-{viewport}@example.com", "Home Owner")
        open_console(page)
        create_project(page, "Swatch Studio")
        add_libraries_api(page)
        web = add_credential(page, "Web App", "Swatch web", ("https://app.example.com/callback",))
        page.goto("/")
        expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
        screenshot(page, f"home-signed-in-{viewport}", size)
        page.goto(
            f"/ims/authorize/v2?client_id={web.client_id}&response_type=code&scope=openid"
            "&redirect_uri=https://app.example.com/a/rather/long/path/that/was/never/registered"
        )
        expect(page.get_by_role("link", name="Open Swatch web in the console")).to_be_visible()
        screenshot(page, f"error-redirect-uri-{viewport}", size)
        # Signed out, inside that application's sign-in: the page names it.
        stranger = new_context(viewport=size).new_page()
        stranger.goto(
            f"/ims/authorize/v2?client_id={web.client_id}&response_type=code&scope=openid"
            "&redirect_uri=https://app.example.com/callback"
        )
        expect(stranger.get_by_text("Sign in to continue to Swatch web.")).to_be_visible()
        screenshot(stranger, f"signin-continue-to-{viewport}", size)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # pictures, not storage
def test_readme_first_token_screenshots(page: Page, live_server: str) -> None:
    """The README's walk-through, step by step as it is written there: sign up, console,
    project, credential, playground; its two pictures are taken again on the way."""
    readme = README.read_text()
    for step in ("Create an account", "Create project", "Add credential", "Generate Tokens"):
        assert step in readme, f"the README's walk-through no longer says {step!r}"
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    sign_up(page, "grace@example.com")
    open_console(page)
    create_project(page, "Swatch Studio")
    add_libraries_api(page)
    web = add_credential(page, "Web App", "Swatch web", (f"{live_server}/playground/callback",))
    assert web.secret is not None
    picture(page, "first-token-credential.png")
    open_playground(page)
    generate_tokens(page, web.client_id, web.secret, offline=True)
    expect(page.get_by_role("region", name="Access token")).to_be_visible()
    picture(page, "first-token-playground.png")


_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.S | re.M)
_BARE = re.compile(r"(^|[|;&]\s*)cclibs\s")


def test_the_readme_commands_run_from_a_fresh_clone() -> None:
    """Each command as it runs in a fresh clone's folder: ``.venv/bin/cclibs``, not ``cclibs``
    (which is on no PATH yet); how to stop the server; the admin commands' data directory."""
    readme = README.read_text()
    blocks = _BLOCK.findall(readme)
    assert len(blocks) >= 5
    for block in blocks:
        for line in block.splitlines():
            assert not _BARE.search(line), f"a command that needs cclibs on PATH: {line}"
    assert "Stop it with Ctrl-C" in readme
    assert "same `--data-dir`" in readme
    assert "./scripts/screenshots" in readme
    assert "export PATH=" in (README.parent / "scripts" / "serve").read_text()


def picture(page: Page, name: str) -> None:
    """A viewport picture for the README (what a person sees first). It replaces the README's
    own when ``CCLIBS_README_IMAGES=1`` (``scripts/screenshots`` sets it); otherwise it goes
    with the review screenshots, so that a test run leaves the working tree as it was."""
    folder = README_IMAGES if os.environ.get("CCLIBS_README_IMAGES") == "1" else SCREENSHOTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.wait_for_load_state("load")
    page.screenshot(path=path)
    assert path.stat().st_size > 10_000, f"{name} looks empty"
    assert f"docs/images/{name}" in README.read_text(), f"the README does not show {name}"
