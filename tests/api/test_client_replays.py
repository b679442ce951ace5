"""Adobe's Libraries API samples (AdobeDocs/cc-libraries-api-samples), replayed request for
request against a live server on 127.0.0.1.

Each test sends what one sample sends (compat reference §4): the same methods and paths,
trailing slashes included, the same headers, bodies and multipart field names, quirks and
all, with only the host changed. It then checks what that sample reads from the answers,
since that is all its user would notice. The last test runs the asset sample's calls in
Node 20 with ``fetch`` and ``FormData``, as a browser-side client would.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.live_api import LiveApi, live_api

__all__ = ["live_api"]

AXIOS_ACCEPT = "application/json, text/plain, */*"
"""What axios (the Node samples' HTTP client) sends as Accept unless told otherwise."""
AXIOS_JSON = "application/json;charset=utf-8"
"""axios's Content-Type for an object body."""
NODE_TIMEOUT = 30.0
SWATCH_SIZE = (300, 150)


def png_bytes(size: tuple[int, int] = SWATCH_SIZE) -> bytes:
    """A real PNG, as a user would pick in the asset sample's file input."""
    out = io.BytesIO()
    Image.new("RGB", size, (217, 201, 98)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def http(live_api: LiveApi) -> Iterator[httpx.Client]:
    """A plain client that follows no redirect: each answer is the server's first."""
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client


@pytest.fixture
def libraries_url(live_api: LiveApi) -> str:
    """The samples' ``baseURL`` constant, with the host changed."""
    return f"{live_api.url}/api/v1/libraries"


def sample_headers(live_api: LiveApi, **more: str) -> dict[str, str]:
    """``x-api-key`` and ``Authorization``, the two headers every sample sets."""
    return {
        "x-api-key": live_api.caller.client_id,
        "Authorization": f"Bearer {live_api.caller.access_token}",
        **more,
    }


def post_library(http: httpx.Client, libraries_url: str, live_api: LiveApi, name: str) -> Any:
    """create-new-library-nodejs: ``axios.post(baseURL + "/", {name})``."""
    response = http.post(
        libraries_url + "/",
        content=json.dumps({"name": name}),
        headers=sample_headers(live_api, Accept=AXIOS_ACCEPT, **{"Content-Type": AXIOS_JSON}),
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def upload_asset(
    http: httpx.Client, libraries_url: str, live_api: LiveApi, library_urn: str, png: bytes
) -> Any:
    """create-asset-element-nodejs's ``uploadAsset``: npm form-data, the file part first and
    named ``asset``. multer's temporary file has no extension, so form-data labels the part
    application/octet-stream: the type is only in ``Representation-Data``."""
    response = http.post(
        f"{libraries_url}/{library_urn}/representations/content",
        files=[
            ("Representation-Content", ("asset", png, "application/octet-stream")),
            ("Representation-Data", (None, json.dumps({"type": "image/png"}))),
        ],
        headers=sample_headers(live_api),
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def listed(header: str) -> set[str]:
    """A comma-separated header's items, in lower case."""
    return {item.strip().lower() for item in header.split(",")}


def asset_element(name: str, uploaded: dict[str, Any]) -> dict[str, Any]:
    """create-asset-element-nodejs's ``createElement`` body: an image whose only
    representation is a rendition built from the upload's answer."""
    return {
        "name": name,
        "type": "application/vnd.adobe.element.image+dcx",
        "client": {"deviceId": "Device ID", "device": "Device name", "app": "App name"},
        "representations": [
            {
                "type": "image/png",
                "relationship": "rendition",
                "storage_href": uploaded["storage_href"],
                "content_length": uploaded["content_length"],
                "etag": uploaded["etag"],
                "md5": uploaded["md5"],
                "version": uploaded["version"],
            }
        ],
    }


# quick-start-curl, quick-start-nodejs, quick-start-fetch ---------------------------------


def test_quick_start_lists_libraries_at_both_paths_and_with_limit_20(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    post_library(http, libraries_url, live_api, "Quick start")

    # quick-start-curl: curl --location --request GET .../api/v1/libraries
    curl = http.get(libraries_url, headers=sample_headers(live_api, Accept="*/*"))
    # quick-start-nodejs: axios.get(".../api/v1/libraries/")
    node = http.get(libraries_url + "/", headers=sample_headers(live_api, Accept=AXIOS_ACCEPT))
    # quick-start-fetch: fetch(".../api/v1/libraries/?limit=20"), more than the documented 10
    fetch = http.get(
        libraries_url + "/", params={"limit": "20"}, headers=sample_headers(live_api, Accept="*/*")
    )

    for response in (curl, node, fetch):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        # The Mocha test of getting-data-nodejs: a number and an array.
        assert isinstance(body["total_count"], int)
        assert isinstance(body["libraries"], list)
        assert [lib["name"] for lib in body["libraries"]] == ["Quick start"]
    # quick-start-fetch loops i < total_count over libraries[i] (name, id, library_urn).
    listed = fetch.json()
    assert listed["total_count"] <= len(listed["libraries"])
    for library in listed["libraries"][: listed["total_count"]]:
        assert library["name"] and library["id"]
        assert library["library_urn"].startswith("urn:aaid:sc:")


def test_quick_start_with_a_wrong_token_is_refused_as_json(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    """A sample prints ``error.response.data``: a 401 with the API's error body."""
    headers = {"x-api-key": live_api.caller.client_id, "Authorization": "Bearer <TOKEN_HERE>"}
    response = http.get(libraries_url, headers=headers)
    assert response.status_code == 401
    assert set(response.json()) >= {"reason", "message"}


# create-new-library-nodejs ---------------------------------------------------------------


def test_create_new_library_with_trailing_slash(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    created = post_library(http, libraries_url, live_api, "My Test Library")

    assert created["name"] == "My Test Library"
    assert created["id"]
    assert created["library_urn"].startswith("urn:aaid:sc:")
    assert isinstance(created["created_date"], int)
    listed = http.get(libraries_url, headers=sample_headers(live_api)).json()
    assert [lib["id"] for lib in listed["libraries"]] == [created["id"]]


# create-asset-element-nodejs -------------------------------------------------------------


def test_create_asset_element_from_an_upload_with_a_rendition_only(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    post_library(http, libraries_url, live_api, "Assets")
    png = png_bytes()

    # router.get("/"): axios.get() on baseURL, no path, no trailing slash.
    libraries = http.get(libraries_url, headers=sample_headers(live_api)).json()["libraries"]
    library_urn = libraries[0]["library_urn"]  # the <select>'s value

    uploaded = upload_asset(http, libraries_url, live_api, library_urn, png)
    # The flat answer the sample copies from (compat reference §1.7).
    assert uploaded["storage_href"].startswith(live_api.url + "/")
    assert uploaded["content_length"] == len(png)
    assert uploaded["type"] == "image/png"
    assert isinstance(uploaded["etag"], str) and uploaded["etag"]
    assert isinstance(uploaded["md5"], str) and uploaded["md5"]
    assert isinstance(uploaded["version"], str)

    response = http.post(
        f"{libraries_url}/{library_urn}/elements",
        json=asset_element("swatch.png", uploaded),
        headers=sample_headers(live_api, **{"Content-Type": "application/json"}),
    )

    assert response.status_code in (200, 201), response.text
    answer = response.json()
    # views/success.ejs renders these three.
    assert answer["total_count"] == 1
    [element] = answer["elements"]
    assert element["name"] == "swatch.png"
    assert element["type"] == "application/vnd.adobe.element.image+dcx"
    # The file the element names is the one uploaded.
    [rep] = element["representations"]
    assert rep["relationship"] == "rendition"
    stored = http.get(rep["storage_href"], headers=sample_headers(live_api, Accept="*/*"))
    assert stored.status_code == 200
    assert stored.content == png


# getting-data-nodejs (and the image proxy of oauth-node-cclibs) --------------------------


def test_getting_data_lists_libraries_elements_an_element_and_its_thumbnail(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    post_library(http, libraries_url, live_api, "Getting data")
    png = png_bytes()
    urn = http.get(libraries_url, headers=sample_headers(live_api)).json()["libraries"][0][
        "library_urn"
    ]
    uploaded = upload_asset(http, libraries_url, live_api, urn, png)
    created = http.post(
        f"{libraries_url}/{urn}/elements",
        json=asset_element("photo.png", uploaded),
        headers=sample_headers(live_api),
    )
    assert created.status_code in (200, 201), created.text
    headers = sample_headers(live_api, Accept=AXIOS_ACCEPT)

    # /cc-libraries/data: axios.get(baseURL)
    libraries = http.get(libraries_url, headers=headers)
    assert libraries.status_code == 200
    library = libraries.json()["libraries"][0]
    # /cc-libraries/data/:libraryId: by library.id, not the URN
    elements = http.get(f"{libraries_url}/{library['id']}/elements", headers=headers)
    assert elements.status_code == 200, elements.text
    listed = elements.json()
    assert listed["total_count"] == 1
    element_id = listed["elements"][0]["id"]
    # /cc-libraries/data/:libraryId/:elementId
    got = http.get(f"{libraries_url}/{library['id']}/elements/{element_id}", headers=headers)
    assert got.status_code == 200, got.text
    element = got.json()
    assert element["name"] == "photo.png"
    rendition = element["thumbnail"]["rendition"]
    assert rendition.startswith(live_api.url + "/")
    assert rendition.endswith("/:rendition;size=200")

    # /cc-libraries/image?url=<rendition>: arraybuffer, Accept */*, and the proxy copies
    # Content-Type and Content-Length to its own answer.
    image_headers = sample_headers(live_api, Accept="*/*")
    thumbnail = http.get(rendition, headers=image_headers)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/png"
    assert int(thumbnail.headers["content-length"]) == len(thumbnail.content)
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.format == "PNG"
        assert max(image.size) == 200
    # oauth-node-cclibs strips the last path segment to show the full image.
    full = http.get(rendition.rsplit("/", 1)[0], headers=image_headers)
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    assert int(full.headers["content-length"]) == len(png)
    assert full.content == png


# saving-color-elements -------------------------------------------------------------------


def test_saving_a_color_element_keeps_the_profile_key(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    post_library(http, libraries_url, live_api, "Colors")
    browser = sample_headers(live_api, Accept="*/*")
    listed = http.get(libraries_url + "/", params={"limit": "20"}, headers=browser).json()
    library_urn = listed["libraries"][0]["library_urn"]
    color_data = {
        "mode": "RGB",
        "profile": "sRGB IEC61966-2.1",
        "value": {"r": 217, "g": 201, "b": 98},
    }
    element = {
        "name": "#d9c962",
        "type": "application/vnd.adobe.element.color+dcx",
        "client": {"deviceId": "DEV_ID", "device": "DEV", "app": "APP"},
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": color_data,
            }
        ],
    }

    # url + selectedLibrary + '/elements/', Content-Type appended to the shared Headers
    response = http.post(
        f"{libraries_url}/{library_urn}/elements/",
        content=json.dumps(element),
        headers={**browser, "Content-Type": "application/json"},
    )

    assert response.status_code in (200, 201), response.text
    [created] = response.json()["elements"]
    assert created["name"] == "#d9c962"
    [rep] = created["representations"]
    assert rep["color#data"] == color_data
    again = http.get(
        f"{libraries_url}/{library_urn}/elements/{created['id']}",
        params={"selector": "representations"},
        headers=browser,
    )
    assert again.status_code == 200
    assert again.json()["representations"][0]["color#data"]["profile"] == "sRGB IEC61966-2.1"
    # A color has a swatch for a thumbnail.
    swatch = http.get(created["thumbnail"]["rendition"], headers=browser)
    assert swatch.status_code == 200
    assert swatch.headers["content-type"] == "image/png"


# Browser samples: CORS ---------------------------------------------------------------------


def test_a_browser_preflight_for_post_is_answered(
    http: httpx.Client, libraries_url: str, live_api: LiveApi
) -> None:
    origin = "http://localhost:5500"  # a static page, as the fetch samples are served
    preflight = http.options(
        libraries_url + "/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,x-api-key,content-type",
        },
    )

    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] in ("*", origin)
    assert {"get", "post"} <= listed(preflight.headers["access-control-allow-methods"])
    allowed = listed(preflight.headers["access-control-allow-headers"])
    assert {"authorization", "x-api-key", "content-type"} <= allowed

    # The request that follows must also carry the header, or the page cannot read the answer.
    created = http.post(
        libraries_url + "/",
        json={"name": "From a page"},
        headers=sample_headers(live_api, Origin=origin, Accept="*/*"),
    )
    assert created.status_code in (200, 201)
    assert created.headers["access-control-allow-origin"] in ("*", origin)


# Node 20: fetch and FormData -------------------------------------------------------------

_NODE_REPLAY = r"""
import { readFileSync } from "node:fs";

const { BASE, API_KEY, ACCESS_TOKEN, PNG_PATH } = process.env;
const baseURL = `${BASE}/api/v1/libraries`;
const headers = { "x-api-key": API_KEY, Authorization: `Bearer ${ACCESS_TOKEN}` };
const seen = [];

async function call(url, init = {}) {
  const response = await fetch(url, { ...init, headers: { ...headers, ...init.headers } });
  seen.push({ method: init.method ?? "GET", url, status: response.status });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return response;
}

const created = await (await call(`${baseURL}/`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ name: "My Test Library" }),
})).json();
const listed = await (await call(`${baseURL}/?limit=20`, { headers: { Accept: "*/*" } })).json();
const libraryUrn = listed.libraries[0].library_urn;

const form = new FormData();
form.append("Representation-Content",
  new Blob([readFileSync(PNG_PATH)], { type: "image/png" }), "asset");
form.append("Representation-Data", JSON.stringify({ type: "image/png" }));
const uploaded = await (await call(`${baseURL}/${libraryUrn}/representations/content`, {
  method: "POST", body: form,
})).json();

const { storage_href, content_length, etag, md5, version } = uploaded;
const answer = await (await call(`${baseURL}/${libraryUrn}/elements`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({
    name: "asset.png",
    type: "application/vnd.adobe.element.image+dcx",
    client: { deviceId: "Device ID", device: "Device name", app: "App name" },
    representations: [{ type: "image/png", relationship: "rendition",
                        storage_href, content_length, etag, md5, version }],
  }),
})).json();

const element = answer.elements[0];
const thumb = await call(element.thumbnail.rendition, { headers: { Accept: "*/*" } });
const bytes = new Uint8Array(await thumb.arrayBuffer());
console.log(JSON.stringify({
  created: created.name,
  total_count: listed.total_count,
  library_urn: libraryUrn,
  upload: uploaded,
  element: { total_count: answer.total_count, name: element.name, type: element.type },
  thumbnail: {
    url: element.thumbnail.rendition,
    content_type: thumb.headers.get("content-type"),
    content_length: thumb.headers.get("content-length"),
    received: bytes.length,
    png_signature: Array.from(bytes.slice(1, 4), (b) => String.fromCharCode(b)).join(""),
  },
  seen,
}));
"""


def test_node_fetch_and_form_data_create_an_asset_element(
    live_api: LiveApi, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: this test needs Node.js 20 or later.", pytrace=False)
    png = png_bytes()
    png_path = tmp_path / "asset.png"
    png_path.write_bytes(png)
    env = {
        "PATH": "/usr/bin:/bin",
        "BASE": live_api.url,
        "API_KEY": live_api.caller.client_id,
        "ACCESS_TOKEN": live_api.caller.access_token,
        "PNG_PATH": str(png_path),
    }

    done = subprocess.run(
        [node, "--input-type=module", "-e", _NODE_REPLAY],
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(done.stdout)
    assert result["created"] == "My Test Library"
    assert result["total_count"] == 1
    assert result["upload"]["content_length"] == len(png)
    assert result["element"] == {
        "total_count": 1,
        "name": "asset.png",
        "type": "application/vnd.adobe.element.image+dcx",
    }
    thumbnail = result["thumbnail"]
    assert thumbnail["content_type"] == "image/png"
    assert int(thumbnail["content_length"]) == thumbnail["received"]
    assert thumbnail["png_signature"] == "PNG"
    assert all(200 <= call["status"] < 300 for call in result["seen"])
    api = f"{live_api.url}/api/v1/libraries"
    urn = result["library_urn"]
    assert [(call["method"], call["url"]) for call in result["seen"]] == [
        ("POST", f"{api}/"),
        ("GET", f"{api}/?limit=20"),
        ("POST", f"{api}/{urn}/representations/content"),
        ("POST", f"{api}/{urn}/elements"),
        ("GET", result["thumbnail"]["url"]),
    ]
