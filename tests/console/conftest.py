"""Fixtures for the console: developers with their own signed-in browsers, and page helpers."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.config import Settings
from tests.support.pages import csrf_token, sign_in

_SECRET = re.compile(r'<code id="new-secret">([^<]+)</code>')
_TOKEN = re.compile(r'<code id="access-token" class="long">([^<]+)</code>')


@dataclass
class Developer:
    email: str
    http: httpx.AsyncClient
    app: Starlette

    async def post(
        self, page: str, action: str, fields: dict[str, str] | None = None
    ) -> httpx.Response:
        token = await csrf_token(self.http, page)
        return await self.http.post(action, data={"csrf_token": token, **(fields or {})})

    async def create_project(self, name: str = "Swatch Studio") -> str:
        created = await self.post("/console", "/console/projects", {"name": name})
        assert created.status_code == 303, created.text
        return created.headers["location"].rsplit("/", 1)[1]

    async def add_libraries(self, project_id: str) -> None:
        page = f"/console/projects/{project_id}"
        added = await self.post(page, f"{page}/apis", {"api": "cc_libraries"})
        assert added.status_code == 303, added.text

    async def create_credential(
        self, project_id: str, kind: str, name: str = "Swatch app", **fields: str
    ) -> tuple[str, str | None]:
        """(client_id, secret shown once or None) of a new credential."""
        page = f"/console/projects/{project_id}/credentials/new"
        form = {"name": name, "type": kind, "redirect_mode": "exact", **fields}
        created = await self.post(page, f"/console/projects/{project_id}/credentials", form)
        assert created.status_code == 303, created.text
        location = created.headers["location"]
        shown = await self.http.get(location)
        assert shown.status_code == 200
        found = _SECRET.search(shown.text)
        return location.rsplit("/", 1)[1], html.unescape(found.group(1)) if found else None


def shown_secret(page: str) -> str | None:
    found = _SECRET.search(page)
    return html.unescape(found.group(1)) if found else None


def shown_token(page: str) -> str | None:
    found = _TOKEN.search(page)
    return html.unescape(found.group(1)) if found else None


def field_error(page: str, field: str) -> str:
    """The message shown beside a form field (``<p id="{field}-error">``)."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    assert found, f"no message beside {field}"
    return html.unescape(found.group(1))


def secret_ids(page: str) -> dict[str, str]:
    """The active secrets on a credential page: last four characters -> secret id."""
    found = re.findall(
        r'/secrets/([0-9a-f]{32})/revoke" class="inline">.*?ending in ([^"]+)"', page, re.DOTALL
    )
    return {hint: secret_id for secret_id, hint in found}


def summary_errors(page: str) -> list[str]:
    """The messages of the error summary at the top of a page."""
    if 'class="error banner summary"' not in page:
        return []
    box = page.split('class="error banner summary"', 1)[1].split("</div>", 1)[0]
    return [html.unescape(m) for m in re.findall(r'<li><a href="#[^"]*">([^<]*)</a></li>', box)]


async def _developer(app: Starlette, settings: Settings, email: str, name: str) -> Developer:
    await app.state.cclibs.accounts.create_user(
        email=email, name=name, password="developer password", email_verified=True
    )
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    http = httpx.AsyncClient(transport=transport, base_url=settings.issuer)
    assert (await sign_in(http, email, "developer password")).status_code == 303
    return Developer(email, http, app)


@pytest.fixture
async def alice(app: Starlette, settings: Settings) -> AsyncIterator[Developer]:
    developer = await _developer(app, settings, "alice@example.com", "Alice Archer")
    yield developer
    await developer.http.aclose()


@pytest.fixture
async def bob(app: Starlette, settings: Settings) -> AsyncIterator[Developer]:
    developer = await _developer(app, settings, "bob@example.com", "Bob Baker")
    yield developer
    await developer.http.aclose()
