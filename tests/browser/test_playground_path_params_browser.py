"""The playground's "Try the API" in Chromium: an operation's ``{libraryId}`` is asked for,
pre-filled from earlier responses, URL-encoded into the path, and never sent as a template.

The API is a small stand-in on another 127.0.0.1 origin (on the playground's allow-list) that
answers in the Libraries API's shapes and records the paths it receives, so the tests see both
the request the page sends and the one that arrives, whatever state the real API is in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect
from starlette.applications import Starlette
from starlette.requests import Request as ApiRequest
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.web.app import create_app
from tests.browser.conftest import LAPTOP, screenshot
from tests.conftest import TEST_SECRET
from tests.support.servers import free_socket, running

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the page only

LIBRARY_ID = "4f1c2d3e-0000-4000-8000-00000000abcd"
LIBRARY_URN = f"urn:aaid:sc:US:{LIBRARY_ID}"
ELEMENT_ID = "9a8b7c6d-0000-4000-8000-000000001234"
LIST_LIBRARIES = "GET /api/v1/libraries — List libraries"
CREATE_LIBRARY = "POST /api/v1/libraries — Create a library"
LIST_ELEMENTS = "GET /api/v1/libraries/{libraryId}/elements — List elements"
GET_ELEMENT = "GET /api/v1/libraries/{libraryId}/elements/{elementId} — Get an element"
RENAME_LIBRARY = "PUT /api/v1/libraries/{libraryId}/metadata — Rename a library"


@dataclass
class FakeLibrariesApi:
    base_url: str = ""
    paths: list[str] = field(default_factory=list)
    """``METHOD raw-path`` of each request, as it arrived (still percent-encoded)."""

    async def _healthz(self, _request: ApiRequest) -> Response:
        return PlainTextResponse("ok")

    async def _any(self, request: ApiRequest) -> Response:
        path = request.scope["raw_path"].decode("ascii")
        self.paths.append(f"{request.method} {path}")
        library = {"id": LIBRARY_ID, "library_urn": LIBRARY_URN, "name": "Swatches"}
        if (request.method, path) == ("GET", "/api/v1/libraries"):
            return JSONResponse({"total_count": 1, "libraries": [library]})
        if (request.method, path) == ("POST", "/api/v1/libraries"):
            return JSONResponse({**library, "assetSubType": "library"}, status_code=201)
        if (request.method, path) == ("GET", f"/api/v1/libraries/{LIBRARY_URN}/elements"):
            return JSONResponse({"total_count": 1, "elements": [{"id": ELEMENT_ID}]})
        return JSONResponse({"reason": "not_found", "message": "No such thing."}, status_code=404)

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(
            routes=[
                Route("/healthz", self._healthz),
                Route("/{rest:path}", self._any, methods=methods),
            ]
        )


@pytest.fixture
def fake_api() -> Iterator[FakeLibrariesApi]:
    api = FakeLibrariesApi()
    with running(api.app(), free_socket()) as base_url:
        api.base_url = base_url
        yield api


@pytest.fixture
def live_server(
    database_url: str,
    tmp_path: Path,
    password_hasher: PasswordHasher,
    fake_api: FakeLibrariesApi,
) -> Iterator[str]:
    """The conftest's server, with the stand-in API on the playground's allow-list."""
    sock = free_socket()
    settings = load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{sock.getsockname()[1]}",
        env="development",
        playground_api_origins=fake_api.base_url,
    )
    with running(create_app(settings, password_hasher=password_hasher), sock) as base_url:
        yield base_url


def record_sent(page: Page) -> list[str]:
    """The URL of each "Try the API" request the page asks the playground to send."""
    urls: list[str] = []

    def record(request: Request) -> None:
        if request.url.endswith("/playground/api/call"):
            urls.append(json.loads(request.post_data or "{}")["url"])

    page.on("request", record)
    return urls


def record_errors(page: Page) -> list[str]:
    """Script errors and console errors (a CSP violation is one)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def open_try_the_api(page: Page, api_base: str) -> None:
    page.goto("/playground#api")
    expect(page.get_by_role("tab", name="3 · Try the API")).to_have_attribute(
        "aria-selected", "true"
    )
    page.get_by_label("API base URL").select_option(api_base)


def operation(page: Page, label: str) -> None:
    page.get_by_label("Operation").select_option(label=label)


def send(page: Page, status: str) -> None:
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#pg-status")).to_have_text(status)


def test_path_parameters_are_asked_for_pre_filled_and_encoded(
    page: Page, fake_api: FakeLibrariesApi
) -> None:
    api = fake_api.base_url
    sent, page_errors = record_sent(page), record_errors(page)
    open_try_the_api(page, api)
    url = page.get_by_label("Request URL")

    # An operation with placeholders asks for each; with nothing known yet, they are empty.
    operation(page, GET_ELEMENT)
    library = page.get_by_label("libraryId", exact=True)
    element = page.get_by_label("elementId", exact=True)
    expect(page.get_by_role("group", name="Path parameters")).to_be_visible()
    expect(library).to_have_value("")
    expect(element).to_have_value("")
    expect(url).to_have_value(f"{api}/api/v1/libraries/{{libraryId}}/elements/{{elementId}}")

    # Sending with an empty parameter marks it and sends nothing.
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#pg-param-libraryId-error")).to_have_text(
        "Enter the libraryId: the path needs it."
    )
    expect(page.locator("#pg-param-elementId-error")).to_have_text(
        "Enter the elementId: the path needs it."
    )
    expect(library).to_have_attribute("aria-invalid", "true")
    expect(library).to_be_focused()
    expect(page.locator("#pg-response")).to_be_hidden()

    # A list of libraries names one; an operation that needs a library then offers it.
    operation(page, LIST_LIBRARIES)
    expect(page.get_by_role("group", name="Path parameters")).to_be_hidden()
    send(page, "200 OK")
    operation(page, LIST_ELEMENTS)
    expect(library).to_have_value(LIBRARY_URN)
    expect(page.get_by_label("elementId", exact=True)).to_have_count(0)
    expect(url).to_have_value(f"{api}/api/v1/libraries/{LIBRARY_URN}/elements")
    send(page, "200 OK")

    # The list of elements names one too; both are filled in, and an edit is URL-encoded.
    operation(page, GET_ELEMENT)
    expect(library).to_have_value(LIBRARY_URN)
    expect(element).to_have_value(ELEMENT_ID)
    expect(library).not_to_have_attribute("aria-invalid", "true")
    expect(url).to_have_value(f"{api}/api/v1/libraries/{LIBRARY_URN}/elements/{ELEMENT_ID}")
    screenshot(page, "playground-path-parameters-laptop", LAPTOP)
    element.fill("a b/c?d")
    expect(url).to_have_value(f"{api}/api/v1/libraries/{LIBRARY_URN}/elements/a%20b%2Fc%3Fd")
    send(page, "404 Not Found")

    assert sent == [
        f"{api}/api/v1/libraries",
        f"{api}/api/v1/libraries/{LIBRARY_URN}/elements",
        f"{api}/api/v1/libraries/{LIBRARY_URN}/elements/a%20b%2Fc%3Fd",
    ]
    assert fake_api.paths == [
        "GET /api/v1/libraries",
        f"GET /api/v1/libraries/{LIBRARY_URN}/elements",
        f"GET /api/v1/libraries/{LIBRARY_URN}/elements/a%20b%2Fc%3Fd",
    ]
    assert page_errors == []


def test_a_created_library_is_offered_and_a_typed_template_is_not_sent(
    page: Page, fake_api: FakeLibrariesApi
) -> None:
    api = fake_api.base_url
    sent, page_errors = record_sent(page), record_errors(page)
    open_try_the_api(page, api)

    # A created library is the one the next operations offer.
    operation(page, RENAME_LIBRARY)
    library = page.get_by_label("libraryId", exact=True)
    expect(library).to_have_value("")
    operation(page, CREATE_LIBRARY)
    send(page, "201 Created")
    operation(page, RENAME_LIBRARY)
    expect(library).to_have_value(LIBRARY_URN)
    expect(page.get_by_label("Request URL")).to_have_value(
        f"{api}/api/v1/libraries/{LIBRARY_URN}/metadata"
    )
    # A value the user types is what the next operation offers.
    library.fill(LIBRARY_ID)
    operation(page, LIST_ELEMENTS)
    expect(page.get_by_label("libraryId", exact=True)).to_have_value(LIBRARY_ID)

    # A template typed into the URL by hand, with no field for it, is named and not sent.
    operation(page, LIST_LIBRARIES)
    page.get_by_label("Request URL").fill(f"{api}/api/v1/libraries/{{bookmarkId}}")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#pg-url-error")).to_have_text(
        "Replace {bookmarkId} in the request URL with a value."
    )
    expect(page.get_by_label("Request URL")).to_have_attribute("aria-invalid", "true")
    # Copy as cURL refuses it too (curl would read the braces as a glob).
    page.get_by_role("button", name="Copy as cURL").click()
    expect(page.locator("#pg-url-error")).to_be_visible()
    page.get_by_label("Request URL").fill(f"{api}/api/v1/libraries")
    expect(page.locator("#pg-url-error")).to_be_hidden()

    assert sent == [f"{api}/api/v1/libraries"]
    assert fake_api.paths == ["POST /api/v1/libraries"]
    assert page_errors == []
