"""Fixtures for the console: developers with their own signed-in browsers, and page helpers."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser

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

    async def save_section(
        self, page: str, action: str, changes: dict[str, str | None] | None = None
    ) -> httpx.Response:
        """Submit the page's one form for ``action`` as a browser does after ``changes``:
        what its fields hold, each changed field typed over (None unchecks a box)."""
        shown = await self.http.get(page)
        assert shown.status_code == 200, shown.text
        fields = form_fields(shown.text, action)
        for name, value in (changes or {}).items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        return await self.http.post(action, data=fields)

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


class _Forms(HTMLParser):
    """The fields each form of a page submits, by action: what a browser sends unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._current: dict[str, str] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._current = self.forms.setdefault(a["action"], {})
        elif self._current is None or "disabled" in a or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in a:
                self._current[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._current[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._current is not None and self._textarea is not None:
            self._current[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._current = None


def form_fields(page: str, action: str) -> dict[str, str]:
    """The fields the page's POST form for ``action`` sends as it stands."""
    parser = _Forms()
    parser.feed(page)
    assert action in parser.forms, f"no form posts to {action}"
    return parser.forms[action]


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
