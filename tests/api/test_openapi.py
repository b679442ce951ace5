"""``/api/v1/openapi.json`` and ``/api/v1/docs``: a valid OpenAPI 3.1 document that matches the
router route for route, whose schemas the real answers of a whole flow fit, and a page that
shows it in Chromium under the pages' CSP."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from PIL import Image
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.routing import Route

from cclibs.web.api import openapi as api_openapi
from cclibs.web.api.http import OPERATIONS
from cclibs.web.api.openapi import document as api_document
from cclibs.web.routing import FirstSegmentIndex
from tests.api.test_sharing import SHARING_OPERATIONS
from tests.browser import conftest as _browser
from tests.browser.conftest import LAPTOP, PHONE, BrowserThread, screenshot
from tests.support.api_auth import ApiCaller, ApiCallers

pytestmark = pytest.mark.anyio

# The browser tests' fixtures, for the one test here that drives Chromium.
browser_thread = _browser.browser_thread
playwright = _browser.playwright
browser = _browser.browser
live_server = _browser.live_server
live_server_overrides = _browser.live_server_overrides
offsite_requests = _browser.offsite_requests
new_context = _browser.new_context
page = _browser.page

PAGE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For tests of the document and the page alone: one database is enough."""

BASE = "/api/v1"
CLIENT = {"app": "openapi-test", "deviceId": "device-1", "device": "laptop"}


def document() -> Mapping[str, Any]:
    return api_openapi.openapi_document()


def refs_in(value: Any) -> set[str]:
    if isinstance(value, Mapping):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        return found.union(*(refs_in(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(refs_in(v) for v in value))
    return set()


def validator_for(schema: Mapping[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` references resolve in the document."""
    return Draft202012Validator({**schema, "components": document()["components"]})


def assert_fits(schema: Mapping[str, Any], value: Any, what: str) -> None:
    errors = sorted(validator_for(schema).iter_errors(value), key=lambda e: list(e.path))
    details = "\n".join(f"  at {list(e.path)}: {e.message[:300]}" for e in errors[:5])
    assert not errors, f"{what} does not fit its schema:\n{details}"


# The document ----------------------------------------------------------------------------


@PAGE_ONLY
async def test_the_document_is_valid_openapi_3_1(app: Starlette) -> None:
    OpenAPIV31SpecValidator(dict(document())).validate()
    for name, schema in document()["components"]["schemas"].items():
        # Each schema is valid JSON Schema 2020-12 (OpenAPI 3.1's dialect).
        Draft202012Validator.check_schema({**schema, "$id": f"urn:cclibs:{name}"})


@PAGE_ONLY
async def test_every_reference_and_every_name_an_operation_uses_is_defined(
    app: Starlette,
) -> None:
    doc = document()
    for reference in refs_in(doc):
        _, section, name = reference.rsplit("/", 2)
        assert name in doc["components"][section], f"{reference} is not defined"
    schemas = doc["components"]["schemas"]
    for op in OPERATIONS:
        named = [n for n in op.responses.values() if n]
        if op.body is not None:
            named.append(api_document.media_type_of(op.body)[1])
        for name in named:
            assert name in schemas, f"{op.operation_id} names {name}, which has no schema"


@PAGE_ONLY
async def test_the_schema_checks_are_not_vacuous(app: Starlette) -> None:
    def refused(name: str, value: Any) -> bool:
        return bool(
            list(validator_for({"$ref": f"#/components/schemas/{name}"}).iter_errors(value))
        )

    error = {"reason": "not_found", "message": "Nothing here."}
    assert not refused("ErrorResponse", error)
    assert refused("ErrorResponse", {**error, "detail": "closed objects refuse new fields"})
    assert refused("ErrorResponse", {"reason": "not_found"})
    page = {
        "total_count": 0,
        "libraries": [],
        "_page": {"orderBy": "name", "start": "0", "count": 0},
    }
    assert refused("LibrariesInfo", page)  # no _links
    assert not refused("LibrariesInfo", {**page, "_links": {"page": {"href": "/api/v1/x"}}})
    assert refused("Thumbnail", {"type": "href"})  # a link needs its rendition
    assert not refused("Thumbnail", {})


@PAGE_ONLY
async def test_the_tables_of_the_builder_name_real_operations(app: Starlette) -> None:
    ids = {op.operation_id for op in OPERATIONS}
    assert set(api_document._MORE_ERRORS) <= ids
    assert ids >= api_document._OPTIONAL_BODY
    operations = [op for methods in document()["paths"].values() for op in methods.values()]
    assert sorted(o["operationId"] for o in operations) == sorted(ids), "one id per operation"
    optional = {
        o["operationId"] for o in operations if not o.get("requestBody", {}).get("required", True)
    }
    assert optional == api_document._OPTIONAL_BODY


def router_api_paths(app: Starlette) -> dict[str, set[str]]:
    """Path template → methods, for every route of the app under /api/v1 (the trailing-slash
    alias of a path is the same path; HEAD comes with every GET)."""
    found: dict[str, set[str]] = {}
    (index,) = app.routes  # the routes behind cclibs.web.routing.FirstSegmentIndex
    assert isinstance(index, FirstSegmentIndex)
    for route in index.routes:
        if not isinstance(route, Route) or not route.path.startswith(BASE):
            continue
        methods = set(route.methods or ())
        assert ("HEAD" in methods) == ("GET" in methods), route.path
        path = route.path.rstrip("/") or "/"
        found.setdefault(path, set()).update(methods - {"HEAD"})
    return found


@PAGE_ONLY
async def test_every_route_under_api_v1_is_in_the_document_and_nothing_else(
    app: Starlette,
) -> None:
    described = {
        path: {method.upper() for method in methods}
        for path, methods in document()["paths"].items()
    }
    assert router_api_paths(app) == described


@PAGE_ONLY
async def test_every_operation_says_how_it_fails(app: Starlette) -> None:
    errors = {
        code: f"#/components/responses/{name}"
        for code, (name, _) in api_document.ERROR_RESPONSES.items()
    }
    for path, methods in document()["paths"].items():
        for method, op in methods.items():
            where = f"{method.upper()} {path}"
            answers = op["responses"]
            public = op.get("security") == []
            for code in (400, 401, 403):
                assert (str(code) in answers) != public, f"{where}: {code}"
            if "{" in path:
                assert answers["404"] == {"$ref": errors[404]}, where
            if "requestBody" in op:
                assert {"400", "413"} <= set(answers), where
                if "application/octet-stream" not in op["requestBody"]["content"]:
                    assert answers["415"] == {"$ref": errors[415]}, where
            names = {p["$ref"].rsplit("/", 1)[1] for p in op.get("parameters", [])}
            if "if-match" in names:
                assert answers["412"] == {"$ref": errors[412]}, where
            assert set(re.findall(r"\{(\w+)\}", path)) <= names, f"{where}: path parameters"


async def test_openapi_json_is_served_with_an_etag(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"  # other origins' tools
    assert response.json() == document()
    etag = response.headers["etag"]
    again = await client.get(f"{BASE}/openapi.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""


@PAGE_ONLY
async def test_the_docs_page_lists_every_operation_under_its_tag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{BASE}/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text
    assert "<script>" not in html and "<script " not in html.replace('<script src="', "")
    for tag in document()["tags"]:
        assert f'id="tag-{tag["name"]}"' in html
    for path, methods in document()["paths"].items():
        for op in methods.values():
            assert f'id="op-{op["operationId"]}"' in html
            assert f"<code>{path}</code>" in html
    for name in document()["components"]["schemas"]:
        assert f'id="schema-{name}"' in html


@PAGE_ONLY
async def test_the_docs_page_errors_are_pages(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{BASE}/docs")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    api = await client.post(f"{BASE}/openapi.json")
    assert api.status_code == 405
    assert_fits({"$ref": "#/components/schemas/ErrorResponse"}, api.json(), "a 405")


# The page in Chromium --------------------------------------------------------------------


def record_violations(page: Page) -> list[str]:
    """Script errors, console errors and CSP violations (each also reported to the console)."""
    found: list[str] = []
    page.on("pageerror", lambda error: found.append(str(error)))
    page.on("console", lambda msg: found.append(msg.text) if msg.type == "error" else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " (window.__violations = window.__violations || []).push(e.violatedDirective))"
    )
    return found


@pytest.mark.browser
@PAGE_ONLY
def test_the_docs_page_renders_in_chromium_without_csp_violations(
    browser_thread: BrowserThread, page: Page, offsite_requests: list[str]
) -> None:
    def visit() -> None:
        problems = record_violations(page)
        page.goto(f"{BASE}/docs")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "cclibs Creative Cloud Libraries API"
        )
        for tag in document()["tags"]:
            expect(page.get_by_role("heading", name=tag["name"], exact=True)).to_be_visible()
        page.get_by_role("link", name="ErrorResponse").first.click()
        expect(page).to_have_url(re.compile("#schema-ErrorResponse$"))
        expect(page.locator("#schema-ErrorResponse")).to_be_in_viewport()
        # The page is some 75,000 px long: a picture of it whole takes longer than it says.
        screenshot(page, "api-docs-laptop", LAPTOP, full_page=False)
        page.set_viewport_size(PHONE)
        screenshot(page, "api-docs-phone", PHONE, full_page=False)
        assert page.evaluate("window.__violations || []") == []
        assert problems == []
        assert offsite_requests == []

    browser_thread.run(visit)


# A real flow against the schemas -----------------------------------------------------------


def png(side: int = 8) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def color_element(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "application/vnd.adobe.element.color+dcx",
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 10, "g": 20, "b": 30}},
            }
        ],
    }


class CheckedApi:
    """Calls the API and holds each answer to the document: the status must be one the
    operation lists, a JSON body must fit the schema listed for it, and an ETag or Location
    header must be one it announces."""

    def __init__(self, client: httpx.AsyncClient, caller: ApiCaller) -> None:
        self.client = client
        self.caller = caller
        self.succeeded: set[str] = set()
        """operationIds that answered 2xx."""
        self._templates = sorted(
            (
                (re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "/?$"), path, methods)
                for path, methods in document()["paths"].items()
            ),
            key=lambda item: item[1].count("{"),
        )

    def operation(self, method: str, path: str) -> dict[str, Any]:
        for pattern, _template, methods in self._templates:
            if pattern.match(path) and method.lower() in methods:
                op: dict[str, Any] = methods[method.lower()]
                return op
        raise AssertionError(f"{method} {path} is not in the document")

    async def __call__(
        self, method: str, url: str, *, expect: int, auth: bool = True, **options: Any
    ) -> httpx.Response:
        headers = {**(self.caller.headers if auth else {}), **options.pop("headers", {})}
        response = await self.client.request(method, url, headers=headers, **options)
        assert response.status_code == expect, f"{method} {url}: {response.text[:500]}"
        self.check(method, httpx.URL(url).path, response)
        return response

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        op = self.operation(method, path)
        where = f"{op['operationId']} {response.status_code}"
        answer = op["responses"].get(str(response.status_code))
        assert answer is not None, f"{where}: the status is not documented"
        if "$ref" in answer:
            answer = document()["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
        for header in ("etag", "location"):
            if header in response.headers:
                assert header in {h.lower() for h in answer.get("headers", {})}, where
        content = answer.get("content")
        if content is None:
            assert response.content == b"", f"{where}: a body where none is documented"
        elif "application/json" in content:
            assert response.headers["content-type"].startswith("application/json"), where
            assert_fits(content["application/json"]["schema"], response.json(), where)
        if 200 <= response.status_code < 300:
            self.succeeded.add(op["operationId"])


async def test_the_answers_of_a_whole_flow_fit_the_document(
    client: httpx.AsyncClient, api_caller: ApiCaller, api_callers: ApiCallers
) -> None:
    api = CheckedApi(client, api_caller)
    await api("GET", BASE, expect=200, auth=False)
    spec = await api("GET", f"{BASE}/openapi.json", expect=200, auth=False)
    await api(
        "GET",
        f"{BASE}/openapi.json",
        expect=304,
        auth=False,
        headers={"If-None-Match": spec.headers["etag"]},
    )
    docs = await client.get(f"{BASE}/docs")
    assert docs.status_code == 200
    api.succeeded.add("getApiDocs")

    # A library, a file, and elements of two kinds.
    created = (await api("POST", f"{BASE}/libraries", expect=201, json={"name": "Flow"})).json()
    lib = f"{BASE}/libraries/{created['library_urn']}"
    upload = await api(
        "POST",
        f"{lib}/representations/content",
        expect=200,
        files={
            "Representation-Content": ("asset", png(), "image/png"),
            "Representation-Data": (None, '{"type": "image/png"}'),
        },
    )
    uploaded = upload.json()
    image = {
        "name": "Red",
        "type": "application/vnd.adobe.element.image+dcx",
        "client": CLIENT,
        "groups": [{"id": "g1", "name": "Group", "classifier": "$default", "order": "a"}],
        "sourceRef": "inspiration",
        "representations": [
            {
                "type": "image/png",
                "relationship": "primary",
                "storage_href": uploaded["storage_href"],
                "width": 8,
                "height": 8,
            }
        ],
    }
    image_id = (await api("POST", f"{lib}/elements", expect=201, json=image)).json()["elements"][0][
        "id"
    ]
    color = await api("POST", f"{lib}/elements", expect=201, json=color_element("Blue"))
    color_id = color.json()["elements"][0]["id"]

    # Reads, with every selector.
    everything = "details,collaboration,groups,rendition_grid"
    await api("GET", f"{BASE}/libraries", expect=200, params={"selector": everything})
    await api("GET", f"{BASE}/libraries", expect=200, params={"owner": "incoming"})
    library = await api("GET", lib, expect=200, params={"selector": everything})
    await api("GET", lib, expect=304, headers={"If-None-Match": library.headers["etag"]})
    first = await api("GET", f"{lib}/elements", expect=200, params={"selector": "full", "limit": 1})
    await api("GET", first.json()["_links"]["next"]["href"], expect=200)
    await api("GET", f"{lib}/elements", expect=200, params={"group": "g1", "type": image["type"]})
    element = await api(
        "GET", f"{lib}/elements/{image_id}", expect=200, params={"selector": "full"}
    )
    await api(
        "GET",
        f"{lib}/elements/{image_id}",
        expect=304,
        headers={"If-None-Match": element.headers["etag"]},
    )
    await api("GET", f"{lib}/elements/{color_id}", expect=200, params={"selector": "details"})

    # Files.
    await api("GET", uploaded["storage_href"], expect=200)
    await api(
        "GET", f"{BASE}/storage/assets/adobe-libraries/{created['id']}/{image_id}", expect=200
    )
    thumbnail = element.json()["thumbnail"]["rendition"]
    assert (await api("GET", thumbnail, expect=200)).headers["content-type"] == "image/png"

    # Published: read with an API key alone, bookmarked; unpublished: gone from public reads.
    await api("PUT", f"{lib}/public", expect=200)
    key = {"x-api-key": api_caller.client_id}
    public = f"{BASE}/public/libraries/{created['id']}"
    await api("GET", public, expect=200, auth=False, headers=key, params={"selector": "details"})
    await api("GET", public, expect=403, auth=False)
    await api("GET", f"{public}/elements", expect=200, auth=False, headers=key)
    shown = await api(
        "GET", f"{public}/elements/{image_id}", expect=200, params={"selector": "full"}
    )
    public_file = shown.json()["representations"][0]["storage_href"]
    await api("GET", public_file, expect=200, auth=False, headers=key)
    public_thumbnail = shown.json()["thumbnail"]["rendition"]
    await api("GET", public_thumbnail, expect=200, auth=False, headers=key)
    await api("GET", public_thumbnail.rsplit("/", 1)[0], expect=200, auth=False, headers=key)
    bookmarks = f"{BASE}/libraries/bookmarks"
    mark = {"bookmarks": [{"id": created["id"], "type": "PUBLIC", "url": "https://example.com/"}]}
    await api("POST", bookmarks, expect=201, json=mark)
    await api("POST", bookmarks, expect=400, json={"bookmarks": []})
    await api("GET", bookmarks, expect=200)
    await api("GET", f"{BASE}/libraries", expect=200, params={"owner": "public"})
    await api("PUT", f"{bookmarks}/{created['id']}", expect=200, json=mark)
    await api("DELETE", f"{bookmarks}/{created['id']}", expect=204)
    await api("DELETE", f"{bookmarks}/{created['id']}", expect=404)
    await api("DELETE", f"{lib}/public", expect=204)
    await api("GET", public, expect=404, auth=False, headers=key)

    # Writes.
    color_etag = color.headers["etag"]
    new_reps = {"representations": color_element("Blue")["representations"], "client": CLIENT}
    await api(
        "PUT",
        f"{lib}/elements/{color_id}/representations",
        expect=412,
        json=new_reps,
        headers={"If-Match": '"stale"'},
    )
    await api(
        "PUT",
        f"{lib}/elements/{color_id}/representations",
        expect=200,
        json=new_reps,
        headers={"If-Match": color_etag},
    )
    renames = {"elements": [{"id": color_id, "name": "Navy", "description": "Dark"}]}
    await api("PUT", f"{lib}/elements/metadata", expect=204, json=renames)
    await api("PUT", f"{lib}/metadata", expect=204, json={"name": "Flow, renamed"})
    found = {"query_string": "flow", "selector": "full"}
    await api("POST", f"{BASE}/search", expect=200, json=found)
    await api("POST", f"{BASE}/search", expect=400, json={"owner": "everyone"})
    batch = {
        "requests": [
            {"method": "POST", "path": "/elements", "body": color_element("Batched")},
            {"method": "GET", "path": "/elements/${0:/elements/0/id}"},
            {"method": "GET", "path": "/elements/no-such-element"},
        ]
    }
    batched = (await api("PATCH", lib, expect=200, json=batch)).json()
    batched_id = batched["responses"][0]["body"]["elements"][0]["id"]
    assert [r["status"] for r in batched["responses"]] == [201, 200, 404]

    # The archive.
    await api("DELETE", f"{lib}/elements/{color_id}", expect=204)
    await api("DELETE", f"{lib}/elements", expect=204, json={"elements": [batched_id]})
    await api("GET", f"{lib}/archive", expect=200, params={"selector": "full"})
    await api("POST", f"{lib}/archive", expect=200, json={"elements": [color_id]})
    await api("DELETE", f"{lib}/archive/{batched_id}", expect=204)
    await api("DELETE", f"{lib}/archive/{color_id}", expect=409)
    await api("DELETE", f"{lib}/elements/{color_id}", expect=204)
    await api("DELETE", f"{lib}/archive", expect=204)

    # A chunked upload, finished; another, abandoned.
    uploads = f"{lib}/representations/uploads"
    started = (await api("POST", uploads, expect=201, json={"type": "image/png"})).json()
    await api("PUT", f"{uploads}/{started['upload_id']}/parts/1", expect=200, content=png())
    await api("GET", f"{uploads}/{started['upload_id']}", expect=200)
    await api("POST", f"{uploads}/{started['upload_id']}", expect=200, json={"parts": [1]})
    abandoned = (await api("POST", uploads, expect=201, json={"type": "video/mp4"})).json()
    await api("DELETE", f"{uploads}/{abandoned['upload_id']}", expect=204)

    # Copies and a move, then the deletes.
    copy = await api(
        "POST", f"{BASE}/libraries", expect=201, json={"source": created["id"], "name": "Copy"}
    )
    other = f"{BASE}/libraries/{copy.json()['library_urn']}"
    source = {"elements": [image_id], "id": created["library_urn"]}
    await api("POST", f"{other}/elements", expect=201, json={"source": source})
    await api("POST", f"{other}/elements", expect=201, json={"self": source})
    await api("DELETE", other, expect=204)
    await api("DELETE", lib, expect=412, headers={"If-Match": '"stale"'})
    await api("DELETE", lib, expect=204)

    # Webhooks, managed by the credential itself (a client credentials token).
    robot = {"auth": False, "headers": (await api_callers.server()).headers}
    hook_body = {"url": "https://93.184.216.34/hook", "event_types": ["library.created"]}
    hook = (await api("POST", f"{BASE}/webhooks", expect=201, json=hook_body, **robot)).json()
    await api("POST", f"{BASE}/webhooks", expect=400, json={"url": "http://10.0.0.1/"}, **robot)
    await api("GET", f"{BASE}/webhooks", expect=200, **robot)
    await api("GET", hook["_links"]["self"]["href"], expect=200, **robot)
    await api("GET", hook["_links"]["deliveries"]["href"], expect=200, **robot)
    await api("DELETE", hook["_links"]["self"]["href"], expect=204, **robot)
    await api("GET", hook["_links"]["self"]["href"], expect=404, **robot)

    # Refusals, in the shapes the document gives them.
    await api("GET", f"{BASE}/libraries", expect=401, auth=False)
    await api("GET", lib, expect=404)
    await api("POST", f"{BASE}/libraries", expect=415, data={"name": "form"})
    await api("GET", f"{BASE}/libraries", expect=400, params={"orderBy": "size"})

    # Sharing needs other people: tests/api/test_sharing.py checks those answers the same way.
    everything = {op.operation_id for op in OPERATIONS}
    assert everything >= SHARING_OPERATIONS
    assert api.succeeded | SHARING_OPERATIONS == everything, "operations the flow missed"
