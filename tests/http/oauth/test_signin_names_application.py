"""The sign-in page inside an authorization names the application that asks; a client that is
unknown, or asks for an address it did not register, is not named."""

from __future__ import annotations

import html as html_text
import re
from urllib.parse import urlencode

import httpx
import pytest
from markupsafe import escape
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import CALLBACK, start_authorization

pytestmark = pytest.mark.anyio

CONTINUE = "Sign in to continue to"


async def test_the_sign_in_page_names_the_application(
    client: httpx.AsyncClient, web: Credential
) -> None:
    sent = await start_authorization(client, web.client_id)
    page = await client.get(sent.headers["location"])
    assert page.status_code == 200
    assert f"{CONTINUE} <strong>Web App test</strong>." in page.text
    # A wrong password keeps the name on the page.
    form = await client.post(
        "/signin",
        data={
            "csrf_token": _csrf(page.text),
            "email": "dev@example.com",
            "password": "wrong password",
            "next": _next(page.text),
        },
    )
    assert form.status_code == 401, form.status_code
    assert f"{CONTINUE} <strong>Web App test</strong>." in form.text


async def test_the_name_is_escaped(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    named = await make_credential(app, owner_id, ClientType.WEB)
    await _rename(app, named.client_id, "<b>Bold</b> & Co")
    sent = await start_authorization(client, named.client_id)
    page = await client.get(sent.headers["location"])
    assert f"{CONTINUE} <strong>{escape('<b>Bold</b> & Co')}</strong>." in page.text


@pytest.mark.parametrize(
    "query",
    [
        {"client_id": "0" * 32, "redirect_uri": CALLBACK},
        {"client_id": "WEB", "redirect_uri": "https://evil.example/cb"},
    ],
)
async def test_an_unknown_or_unfit_request_names_no_application(
    client: httpx.AsyncClient, web: Credential, query: dict[str, str]
) -> None:
    params = {**query, "response_type": "code", "scope": "openid"}
    if params["client_id"] == "WEB":
        params["client_id"] = web.client_id
    next_path = "/ims/authorize/v2?" + urlencode(params)
    page = await client.get("/signin?" + urlencode({"next": next_path}))
    assert page.status_code == 200
    assert CONTINUE not in page.text
    assert "Web App test" not in page.text


async def test_a_client_id_sent_twice_names_no_application(
    client: httpx.AsyncClient, web: Credential
) -> None:
    # The authorization endpoint refuses two different values; the page names neither.
    query = urlencode(
        [("client_id", "0" * 32), ("client_id", web.client_id), ("redirect_uri", CALLBACK)]
    )
    page = await client.get("/signin?" + urlencode({"next": f"/ims/authorize/v2?{query}"}))
    assert page.status_code == 200
    assert CONTINUE not in page.text


async def test_a_plain_sign_in_names_no_application(client: httpx.AsyncClient) -> None:
    page = await client.get("/signin")
    assert page.status_code == 200
    assert CONTINUE not in page.text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _next(html: str) -> str:
    found = re.search(r'name="next" value="([^"]+)"', html)
    assert found
    return html_text.unescape(found.group(1))


async def _rename(app: Starlette, client_id: str, name: str) -> None:
    registry = app.state.cclibs.oauth.clients
    client = await registry.get(client_id)
    assert client is not None
    await registry.rename(client.owner_id, client_id, name)
