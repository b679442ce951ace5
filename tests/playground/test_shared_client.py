"""The playground's HTTP client is shared by every browser: it must remember nothing of one
user's calls (no cookie) that could reach another user's."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from tests.playground.conftest import ISSUER, PlaygroundPage, open_playground

pytestmark = pytest.mark.anyio

_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _call(page: PlaygroundPage, method: str, path: str, **fields: str) -> dict[str, Any]:
    answered = await page.ok("call", {"method": method, "url": ISSUER + path, **fields})
    response: dict[str, Any] = answered["response"]
    return response


async def test_a_sign_in_through_try_the_api_reaches_no_other_browser(
    app: Starlette, owner_id: str
) -> None:
    transport_a = httpx.ASGITransport(app=app, client=("198.51.100.1", 5000))
    transport_b = httpx.ASGITransport(app=app, client=("198.51.100.2", 5000))
    async with (
        httpx.AsyncClient(transport=transport_a, base_url=ISSUER) as browser_a,
        httpx.AsyncClient(transport=transport_b, base_url=ISSUER) as browser_b,
    ):
        alice = await open_playground(browser_a)
        bob = await open_playground(browser_b)

        # A signs in to the server itself through "Try the API".
        form = await _call(alice, "GET", "/signin")
        found = _FORM_TOKEN.search(form["body"])
        assert found, form["body"][:500]
        await _call(
            alice,
            "POST",
            "/signin",
            headers="Content-Type: application/x-www-form-urlencoded",
            body=urlencode(
                {
                    "csrf_token": found.group(1),
                    "email": "dev@example.com",
                    "password": "developer password",
                }
            ),
        )

        # B's call carries no session of A's.
        console = await _call(bob, "GET", "/console")
        assert console["status"] == 303
        location = dict((k.lower(), v) for k, v in console["headers"])["location"]
        assert location.startswith("/signin")
        assert len(app.state.cclibs.playground.http.cookies.jar) == 0
