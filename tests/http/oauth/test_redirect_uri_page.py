"""The page for a redirect URI the credential did not register: what was sent, to anyone; what
is registered and a link to the credential, to its owner only; every value escaped; never a
redirect to the address that was sent."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from markupsafe import escape
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import CALLBACK, assert_error_page, start_authorization
from tests.support.pages import sign_in, sign_up

pytestmark = pytest.mark.anyio

HOSTILE = 'https://evil.example/cb?x="><script>alert(1)</script>'
CONSOLE_LINK = re.compile(r'href="/console/projects/[0-9a-f]+/credentials/([0-9a-f]{32})"')


def registered_list(page: httpx.Response) -> str:
    found = re.search(
        r'<ul class="uris" aria-label="Registered redirect URIs">(.*?)</ul>', page.text, re.S
    )
    return found.group(1) if found else ""


async def test_the_owner_sees_what_was_sent_what_is_registered_and_the_credential(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id, redirect_uri=HOSTILE)
    assert_error_page(page, "redirect_uri is not registered")
    # What was sent, escaped, as text: never a link, never the raw markup.
    assert f'<code class="uri" id="sent-redirect-uri">{escape(HOSTILE)}</code>' in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert 'href="https://evil.example' not in page.text
    assert CALLBACK in registered_list(page)
    link = CONSOLE_LINK.search(page.text)
    assert link and link.group(1) == web.client_id
    assert "Open Web App test in the console" in page.text
    # The header is the signed-in user's, not a "Sign in" link.
    assert "Dev Eloper" in page.text
    assert 'href="/signin"' not in page.text


async def test_a_stranger_sees_what_was_sent_but_not_the_credential(
    client: httpx.AsyncClient, web: Credential
) -> None:
    assert (await sign_up(client, email="mallory@example.com", name="Mallory")).status_code == 303
    page = await start_authorization(client, web.client_id, redirect_uri=HOSTILE)
    assert_error_page(page, "redirect_uri is not registered", escape(HOSTILE))
    assert CONSOLE_LINK.search(page.text) is None
    assert "/console/projects/" not in page.text
    assert CALLBACK not in page.text
    assert "Only the credential's owner sees what is registered" in page.text
    assert "Mallory" in page.text


async def test_signed_out_the_page_offers_the_owner_a_sign_in_that_comes_back(
    client: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(client, web.client_id, redirect_uri=HOSTILE)
    assert_error_page(page, "redirect_uri is not registered", escape(HOSTILE))
    assert CALLBACK not in page.text
    found = re.search(r'<a href="(/signin\?next=[^"]+)">sign in as its owner</a>', page.text)
    assert found, page.text
    next_path = parse_qs(urlsplit(found.group(1).replace("&amp;", "&")).query)["next"][0]
    assert next_path.startswith("/ims/authorize/v2?")
    # Signed in as the owner, the same link shows the details.
    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    again = await client.get(next_path)
    assert_error_page(again, escape(HOSTILE))
    assert CALLBACK in registered_list(again)


async def test_a_missing_redirect_uri_with_several_registered_names_them_to_the_owner(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    several = await make_credential(
        app,
        owner_id,
        ClientType.WEB,
        redirect_uris=[CALLBACK, "https://app.example.com/second"],
    )
    page = await start_authorization(browser, several.client_id, redirect_uri=None)
    assert_error_page(page, "redirect_uri is required", "No <code>redirect_uri</code> parameter.")
    listed = registered_list(page)
    assert CALLBACK in listed and "https://app.example.com/second" in listed


async def test_an_unknown_client_has_no_details(browser: httpx.AsyncClient) -> None:
    page = await start_authorization(browser, "0" * 32, redirect_uri=HOSTILE)
    assert_error_page(page, "There is no application with this client_id.")
    assert "Redirect URI" not in page.text
    assert "evil.example" not in page.text
