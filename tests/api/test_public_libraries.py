"""Public libraries: ``/api/v1/public/libraries/{id}[/elements[/{eid}]]``, HEAD, and the files
and renditions their links lead to (compat reference §1.1, §1.2 rows 23 to 26).

An API key alone reads a published library: the client id of a registered credential whose
owner is not disabled (403 otherwise, Adobe's "API key not accepted"). A token may be sent
too; then the library shows the caller's ``bookmark``. A library that is not published is
404 here, to everyone, its owner included.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from PIL import Image
from starlette.applications import Starlette

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCallers
from tests.support.api_schemas import assert_fits
from tests.support.sharing_rows import publish, unpublish

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
PUBLIC = "/api/v1/public/libraries"
REL = "http://ns.adobe.com/melville/rel/"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
MISSING = "00000000-0000-4000-8000-000000000000"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def color(name: str) -> JSON:
    return {
        "name": name,
        "type": "application/vnd.adobe.element.color+dcx",
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 1, "g": 2, "b": 3}},
            }
        ],
    }


class Shelf:
    """An owner's library with a color and an uploaded image, and an API key of someone else."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient, callers: ApiCallers) -> None:
        self.app = app
        self.client = client
        self.callers = callers

    async def build(self) -> Shelf:
        self.owner = await self.callers.user()
        created = await self.client.post(
            LIBRARIES, json={"name": "Shelf"}, headers=self.owner.headers
        )
        assert created.status_code == 201, created.text
        self.library: JSON = created.json()
        self.href = f"{LIBRARIES}/{self.library['library_urn']}"
        self.public = f"{PUBLIC}/{self.library['id']}"
        self.color = await self.element(color("Blue"))
        self.image_bytes = png(64, 32)
        uploaded = await self.client.post(
            f"{self.href}/representations/content",
            files={"Representation-Content": ("asset", self.image_bytes, "image/png")},
            data={"Representation-Data": json.dumps({"type": "image/png"})},
            headers=self.owner.headers,
        )
        assert uploaded.status_code == 200, uploaded.text
        self.image = await self.element(
            {
                "name": "Picture",
                "type": "application/vnd.adobe.element.image+dcx",
                "client": CLIENT,
                "representations": [
                    {
                        "type": "image/png",
                        "relationship": "primary",
                        "storage_href": uploaded.json()["storage_href"],
                    }
                ],
            }
        )
        # Another developer's credential: its client id is a valid API key for anyone.
        self.key = {"x-api-key": (await self.callers.web_app()).client_id}
        return self

    async def element(self, payload: JSON) -> JSON:
        response = await self.client.post(
            f"{self.href}/elements", json=payload, headers=self.owner.headers
        )
        assert response.status_code == 201, response.text
        element: JSON = response.json()["elements"][0]
        return element

    async def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.get(url, headers=self.key if headers is None else headers)


@pytest.fixture
async def shelf(app: Starlette, client: httpx.AsyncClient, api_callers: ApiCallers) -> Shelf:
    built = await Shelf(app, client, api_callers).build()
    await publish(client, built.owner, built.library["id"])
    return built


# The library -------------------------------------------------------------------------------


async def test_an_api_key_alone_reads_a_published_library(shelf: Shelf) -> None:
    response = await shelf.get(shelf.public)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == shelf.library["id"]
    assert body["name"] == "Shelf"
    assert body["ownership"] == "public"
    assert body["elements_count"] == 2
    assert "bookmark" not in body  # never on a call without a token
    assert_fits("DbLibraryInfo", body)
    assert body["_links"][f"{REL}elements"]["href"] == f"{shelf.public}/elements"
    assert response.headers["etag"] == body["manifest_etag"]
    # By URN as well (any case).
    by_urn = await shelf.get(f"{PUBLIC}/{shelf.library['library_urn'].lower()}")
    assert by_urn.json()["id"] == shelf.library["id"]
    grid = (await shelf.get(f"{shelf.public}?selector=rendition_grid,collaboration")).json()
    assert_fits("DbLibraryInfo", grid)
    assert "collaboration" not in grid  # who shares it is not shown publicly
    main = grid["rendition_grid"]["main"]["rendition"]
    # Both were made at the same (frozen) time: either may be the first.
    assert {
        f"{shelf.public}/renditions/{e['id']}/" in main for e in (shelf.color, shelf.image)
    } == {
        True,
        False,
    }
    assert len(grid["rendition_grid"]["tiles"]) == 2
    assert (await shelf.get(main)).headers["content-type"] == "image/png"
    details = await shelf.get(f"{shelf.public}?selector=details&linkId=landing-7")
    assert details.json()["details"]["element_type_counts"] == {
        "application/vnd.adobe.element.color+dcx": 1,
        "application/vnd.adobe.element.image+dcx": 1,
    }


async def test_head_answers_the_headers_alone(shelf: Shelf) -> None:
    response = await shelf.client.head(shelf.public, headers=shelf.key)
    assert response.status_code == 200
    assert response.content == b""
    etag = response.headers["etag"]
    assert etag == (await shelf.get(shelf.public)).headers["etag"]
    unchanged = await shelf.client.get(shelf.public, headers={**shelf.key, "If-None-Match": etag})
    assert unchanged.status_code == 304
    await unpublish(shelf.client, shelf.owner, shelf.library["id"])
    gone = await shelf.client.head(shelf.public, headers=shelf.key)
    assert gone.status_code == 404


async def test_only_published_libraries_are_read_here(shelf: Shelf) -> None:
    await unpublish(shelf.client, shelf.owner, shelf.library["id"])
    paths = [
        shelf.public,
        f"{shelf.public}/elements",
        f"{shelf.public}/elements/{shelf.color['id']}",
    ]
    for path in paths:
        error_of(await shelf.get(path), 404)
        # Not even its owner reads it through the public endpoints ...
        error_of(await shelf.get(path, shelf.owner.headers), 404)
    # ... who still reads it through the private ones.
    assert (await shelf.get(shelf.href, shelf.owner.headers)).status_code == 200
    await publish(shelf.client, shelf.owner, shelf.library["id"])
    for path in paths:
        assert (await shelf.get(path)).status_code == 200, path
    await unpublish(shelf.client, shelf.owner, shelf.library["id"])
    for path in paths:
        error_of(await shelf.get(path), 404)
    for missing in (
        f"{PUBLIC}/{MISSING}",
        f"{PUBLIC}/not-a-library",
        f"{PUBLIC}/{MISSING}/elements",
    ):
        error_of(await shelf.get(missing), 404)


async def test_the_api_key_must_name_a_registered_enabled_credential(
    shelf: Shelf, app: Starlette
) -> None:
    error_of(await shelf.get(shelf.public, {}), 403, "x-api-key")
    error_of(await shelf.get(shelf.public, {"x-api-key": " "}), 403)
    error_of(await shelf.get(shelf.public, {"x-api-key": "no-such-client"}), 403)
    error_of(await shelf.get(f"{shelf.public}/elements", {"x-api-key": "x"}), 403)
    developer = await shelf.callers.developer()
    await app.state.cclibs.accounts.set_disabled(developer.id, True)
    error_of(await shelf.get(shelf.public), 403, "registered credential")
    await app.state.cclibs.accounts.set_disabled(developer.id, False)
    assert (await shelf.get(shelf.public)).status_code == 200


async def test_a_token_may_come_too_and_shows_the_bookmark(shelf: Shelf) -> None:
    reader = await shelf.callers.user()
    response = await shelf.get(shelf.public, reader.headers)
    assert response.status_code == 200
    assert "bookmark" not in response.json()
    added = await shelf.client.post(
        f"{LIBRARIES}/bookmarks",
        json={"bookmarks": [{"id": shelf.library["id"], "type": "PUBLIC", "url": "https://x/"}]},
        headers=reader.headers,
    )
    assert added.status_code == 201, added.text
    seen = (await shelf.get(f"{shelf.public}?selector=details", reader.headers)).json()
    assert_fits("DbLibraryInfo", seen)
    bookmark = seen["bookmark"]
    assert (bookmark["id"], bookmark["type"], bookmark["url"]) == (
        shelf.library["id"],
        "PUBLIC",
        "https://x/",
    )
    # Without the token, no bookmark; a token that is not valid is a 401, not a pass.
    assert "bookmark" not in (await shelf.get(shelf.public)).json()
    bad = {**reader.headers, "Authorization": "Bearer not-a-token"}
    error_of(await shelf.get(shelf.public, bad), 401)
    wrong_key = {**reader.headers, "x-api-key": "someone-else"}
    error_of(await shelf.get(shelf.public, wrong_key), 403)


async def test_bad_selectors_are_400(shelf: Shelf) -> None:
    error_of(await shelf.get(f"{shelf.public}?selector=everything"), 400, "selector")
    error_of(await shelf.get(f"{shelf.public}/elements?selector=nope"), 400, "selector")
    error_of(await shelf.get(f"{shelf.public}/elements?limit=zero"), 400)


# Elements ----------------------------------------------------------------------------------


async def test_elements_are_listed_and_read_with_public_links(shelf: Shelf) -> None:
    response = await shelf.get(f"{shelf.public}/elements?orderBy=name")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_fits("LibraryElementsInfo", body)
    assert body["total_count"] == 2
    assert [e["name"] for e in body["elements"]] == ["Blue", "Picture"]
    first = body["elements"][0]
    assert first["_links"][f"{REL}id"]["href"] == f"{shelf.public}/elements/{first['id']}"
    assert f"{shelf.public}/renditions/{first['id']}/:rendition" in first["thumbnail"]["rendition"]
    page = await shelf.get(f"{shelf.public}/elements?limit=1&type={quote(shelf.image['type'])}")
    assert [e["name"] for e in page.json()["elements"]] == ["Picture"]
    one = await shelf.get(f"{shelf.public}/elements/{shelf.image['id']}?selector=full")
    assert one.status_code == 200
    assert one.json()["id"] == shelf.image["id"]
    assert one.headers["etag"] == one.json()["manifest_etag"]
    (rep,) = one.json()["representations"]
    assert rep["storage_href"].startswith("http")
    assert f"{shelf.public}/files?component_id=" in rep["storage_href"]
    error_of(await shelf.get(f"{shelf.public}/elements/{MISSING}"), 404)


async def test_archived_elements_are_not_public(shelf: Shelf) -> None:
    archived = await shelf.client.delete(
        f"{shelf.href}/elements/{shelf.color['id']}", headers=shelf.owner.headers
    )
    assert archived.status_code == 204
    error_of(await shelf.get(f"{shelf.public}/elements/{shelf.color['id']}"), 404)
    listed = await shelf.get(f"{shelf.public}/elements")
    assert [e["id"] for e in listed.json()["elements"]] == [shelf.image["id"]]


# Files and renditions ----------------------------------------------------------------------


async def test_files_and_renditions_of_a_published_library_need_only_the_key(
    shelf: Shelf,
) -> None:
    image = (await shelf.get(f"{shelf.public}/elements/{shelf.image['id']}?selector=full")).json()
    href = image["representations"][0]["storage_href"]
    file = await shelf.get(href)
    assert file.status_code == 200, file.text
    assert file.content == shelf.image_bytes
    assert file.headers["content-type"] == "image/png"
    thumbnail = await shelf.get(image["thumbnail"]["rendition"].replace("size=200", "size=16"))
    assert thumbnail.status_code == 200
    assert Image.open(io.BytesIO(thumbnail.content)).size == (16, 8)
    full = await shelf.get(image["thumbnail"]["rendition"].rsplit("/", 1)[0])
    assert full.content == shelf.image_bytes
    color = (await shelf.get(f"{shelf.public}/elements/{shelf.color['id']}")).json()
    swatch = await shelf.get(color["thumbnail"]["rendition"])
    assert swatch.status_code == 200
    assert swatch.headers["content-type"] == "image/png"
    # HEAD, and the key is checked here too.
    head = await shelf.client.head(href, headers=shelf.key)
    assert head.status_code == 200 and head.content == b""
    error_of(await shelf.get(href, {}), 403)
    # Unpublished, they are gone.
    await unpublish(shelf.client, shelf.owner, shelf.library["id"])
    for url in (href, color["thumbnail"]["rendition"]):
        error_of(await shelf.get(url), 404)
    # The private links still need the owner's token.
    private = await shelf.get(
        f"{shelf.href}/elements/{shelf.image['id']}?selector=full", shelf.owner.headers
    )
    private_href = private.json()["representations"][0]["storage_href"]
    assert "/public/" not in private_href
    error_of(await shelf.get(private_href), 401)


async def test_a_file_of_another_library_is_not_reached_through_a_public_one(
    shelf: Shelf,
) -> None:
    other = await shelf.client.post(LIBRARIES, json={"name": "Other"}, headers=shelf.owner.headers)
    other_href = f"{LIBRARIES}/{other.json()['library_urn']}"
    uploaded = await shelf.client.post(
        f"{other_href}/representations/content",
        files={"Representation-Content": ("asset", png(4, 4), "image/png")},
        data={"Representation-Data": json.dumps({"type": "image/png"})},
        headers=shelf.owner.headers,
    )
    asset_id = uploaded.json()["asset_id"]
    error_of(await shelf.get(f"{shelf.public}/files?component_id={asset_id}"), 404)
    error_of(await shelf.get(f"{shelf.public}/files"), 400, "component_id")
    error_of(await shelf.get(f"{shelf.public}/renditions/{MISSING}"), 404)
    error_of(await shelf.get(f"{shelf.public}/renditions/{shelf.color['id']}/:nope"), 400)
