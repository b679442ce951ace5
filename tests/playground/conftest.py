"""Driving the playground over HTTP as its page does: JSON commands with the CSRF header."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import consent
from tests.support.pages import sign_in

_CSRF = re.compile(r'data-csrf="([^"]+)"')
ISSUER = "http://127.0.0.1:8000"
"""A loopback issuer: the playground's callback must be a redirect URI that http may use."""
CALLBACK = ISSUER + "/playground/callback"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"issuer": ISSUER}


@dataclass
class PlaygroundPage:
    http: httpx.AsyncClient
    csrf: str

    async def command(self, action: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(
            f"/playground/api/{action}",
            json=body or {},
            headers={"X-CSRF-Token": self.csrf},
        )

    async def ok(self, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.command(action, body)
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        data: dict[str, Any] = response.json()
        return data

    async def refused(self, action: str, body: dict[str, Any] | None = None) -> str:
        response = await self.command(action, body)
        assert response.status_code == 400, response.text
        data = response.json()
        assert data["reason"] == "bad_request"
        return str(data["message"])

    async def code_flow(self, client_id: str, secret: str | None, scopes: str) -> dict[str, Any]:
        """Generate Tokens: authorize, consent on the real page, the callback; the view."""
        started = await self.ok(
            "authorize", {"client_id": client_id, "client_secret": secret or "", "scopes": scopes}
        )
        authorize = await self.http.get(started["authorization_url"])
        if authorize.status_code == 200:
            authorize = await consent(self.http, authorize)
        assert authorize.status_code in (302, 303), authorize.text
        location = authorize.headers["location"]
        assert location.startswith(CALLBACK + "?"), location
        back = await self.http.get(location)
        assert back.status_code == 303
        assert back.headers["location"] == "/playground#tokens", back.headers["location"]
        return (await self.ok("state"))["view"]


async def open_playground(http: httpx.AsyncClient) -> PlaygroundPage:
    page = await http.get("/playground")
    assert page.status_code == 200
    found = _CSRF.search(page.text)
    assert found
    return PlaygroundPage(http, found.group(1))


@pytest.fixture
async def developer(client: httpx.AsyncClient, owner_id: str) -> PlaygroundPage:
    """The owner of the credentials below, signed in, on the playground page."""
    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    return await open_playground(client)


@pytest.fixture
async def web_app(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(app, owner_id, ClientType.WEB, redirect_uris=[CALLBACK])
