"""The first pages a newcomer sees: home (signed out and signed in), error pages that keep the
signed-in user's menu, the favicon, and the sign-up password hint."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import make_credential
from tests.support.oauth_flow import CALLBACK, authorize_code, redeem_code
from tests.support.pages import sign_in, sign_up, submit

pytestmark = pytest.mark.anyio

SIGN_IN_LINK = '<a href="/signin">Sign in</a>'


def header(page: httpx.Response) -> str:
    found = re.search(r'<header class="topbar">(.*?)</header>', page.text, re.S)
    assert found, page.text[:500]
    return found.group(1)


async def test_home_signed_out_says_what_cclibs_is_and_leads_three_ways(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert "Creative Cloud Libraries API" in page.text
    assert "OAuth 2.0 and OpenID Connect server" in page.text
    for href, title in [
        ("/playground", "Get a token"),
        ("/console", "Register an application"),
        ("#command-line", "Use the command line"),
    ]:
        assert f'<a href="{href}"><strong>{title}</strong>' in page.text
    # The command line exactly as it runs from a fresh clone, for this server's address.
    commands = re.search(r'<pre class="commands"><code>(.*?)</code></pre>', page.text, re.S)
    assert commands
    lines = [line.split("#")[0].strip() for line in commands.group(1).splitlines()]
    assert lines[0] == ".venv/bin/cclibs profiles add local --issuer http://testserver"
    assert ".venv/bin/cclibs login" in lines
    assert ".venv/bin/cclibs libraries list" in lines
    assert 'href="/signup"' in page.text
    assert "Your projects" not in page.text
    assert "Applications you connected" not in page.text


@pytest.mark.parametrize("settings_overrides", [{"issuer": "http://127.0.0.1:8000"}])
async def test_on_the_default_address_the_commands_need_no_profile_change(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")
    assert "profiles add" not in page.text
    assert ".venv/bin/cclibs login" in page.text


async def test_home_signed_in_lists_projects_credentials_and_connected_apps(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    web = await make_credential(app, owner_id, ClientType.WEB)
    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    code = (await authorize_code(client, web.client_id, scope="openid"))["code"]
    tokens = await redeem_code(client, code, web.client_id, web.secret, redirect_uri=CALLBACK)
    assert tokens.status_code == 200, tokens.text
    page = await client.get("/")
    assert page.status_code == 200
    assert "Dev Eloper" in header(page)
    assert SIGN_IN_LINK not in page.text
    assert "Your projects" in page.text
    projects = await app.state.cclibs.oauth.projects.list_for(owner_id)
    project = projects[0].project
    assert f'<a href="/console/projects/{project.id}" class="row-title">' in page.text
    credential = f"/console/projects/{project.id}/credentials/{web.client_id}"
    assert f'<a href="{credential}">Web App test</a> (Web App)' in page.text
    apps = re.search(r'aria-label="Applications you connected">(.*?)</ul>', page.text, re.S)
    assert apps, page.text
    assert "Web App test" in apps.group(1)
    assert "Tokens last issued" in apps.group(1)
    # Every link on the page leads somewhere.
    for href in set(re.findall(r'href="(/[^"#]*)', page.text)):
        assert (await client.get(href)).status_code == 200, href


async def test_home_signed_in_without_projects_points_to_the_console(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client)
    page = await client.get("/")
    assert "You have no projects yet." in page.text
    assert "No application has access to your account yet." in page.text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/no/such/page", 404), ("/console/projects/nope", 404), ("/account", 405)],
)
async def test_error_pages_show_the_signed_in_users_menu(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    await sign_up(client)
    page = await (client.put(path) if status == 405 else client.get(path))
    assert page.status_code == status
    top = header(page)
    assert "Ada Lovelace" in top
    assert 'action="/signout"' in top
    assert SIGN_IN_LINK not in top


async def test_a_csrf_error_page_shows_the_menu_too(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    page = await client.post("/account/password", data={"current_password": "x"})
    assert page.status_code == 403
    assert "Ada Lovelace" in header(page)


async def test_error_pages_signed_out_offer_sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert SIGN_IN_LINK in header(page)


async def test_the_favicon_is_linked_and_served(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = await client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.lstrip().startswith("<svg")
    legacy = await client.get("/favicon.ico")
    assert legacy.status_code == 301
    assert legacy.headers["location"] == "/static/favicon.svg"
    followed = await client.get("/favicon.ico", follow_redirects=True)
    assert followed.status_code == 200
    assert followed.headers["content-type"].startswith("image/svg+xml")


async def test_the_sign_up_password_hint_is_not_repeated_by_its_error(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/signup")
    assert 'id="password-hint">At least 8 characters' in page.text
    refused = await submit(
        client,
        "/signup",
        "/signup",
        {"email": "ada@example.com", "name": "Ada", "password": "short"},
    )
    assert refused.status_code == 400
    assert refused.text.count("8 characters") == 1
    assert 'id="password-error"' in refused.text
    assert 'id="password-hint"' not in refused.text
