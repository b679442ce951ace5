"""The archive, operation by operation: list, restore, purge all, purge some, purge one.

Compat reference §1.2 (operations 11, 12, 13, 16 and 19), §1.5 (``elements_count`` and
``removed_elements_count``, the archived ones) and §1.6 (the element list payloads, with
Postman's ``{"self": {"elements": [...], "id": ...}}``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
COLOR = "application/vnd.adobe.element.color+dcx"
FONT = "application/vnd.adobe.element.font+dcx"
MISSING = "00000000-0000-4000-8000-000000000000"


def color(name: str) -> JSON:
    return {
        "name": name,
        "type": COLOR,
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 1, "g": 2, "b": 3}},
            }
        ],
    }


def font(name: str) -> JSON:
    return {
        "name": name,
        "type": FONT,
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.font+json",
                "relationship": "primary",
                "font#data": {"family": "Source Serif"},
            }
        ],
    }


class Archive:
    """One caller's library and the calls on its archive."""

    def __init__(self, client: httpx.AsyncClient, caller: ApiCaller, library: JSON) -> None:
        self.client = client
        self.headers = caller.headers
        self.library = library
        self.href = f"{LIBRARIES}/{library['library_urn']}"

    async def create(self, payload: JSON) -> str:
        response = await self.client.post(
            f"{self.href}/elements", json=payload, headers=self.headers
        )
        assert response.status_code == 201, response.text
        element_id: str = response.json()["elements"][0]["id"]
        return element_id

    async def archive(self, *ids: str) -> None:
        response = await self.client.request(
            "DELETE", f"{self.href}/elements", json={"elements": list(ids)}, headers=self.headers
        )
        assert response.status_code == 204, response.text

    async def listing(self, **query: str | int) -> JSON:
        response = await self.client.get(f"{self.href}/archive", params=query, headers=self.headers)
        assert response.status_code == 200, response.text
        body: JSON = response.json()
        return body

    async def archived_names(self, **query: str | int) -> list[str]:
        return sorted(e["name"] for e in (await self.listing(**query))["elements"])

    async def live_names(self) -> list[str]:
        response = await self.client.get(f"{self.href}/elements", headers=self.headers)
        assert response.status_code == 200, response.text
        return sorted(e["name"] for e in response.json()["elements"])

    async def counts(self) -> tuple[int, int]:
        """``(elements_count, removed_elements_count)``."""
        response = await self.client.get(self.href, headers=self.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return body["elements_count"], body["removed_elements_count"]

    async def restore(self, body: object) -> httpx.Response:
        return await self.client.post(f"{self.href}/archive", json=body, headers=self.headers)

    async def purge(self, body: object = None) -> httpx.Response:
        if body is None:
            return await self.client.delete(f"{self.href}/archive", headers=self.headers)
        return await self.client.request(
            "DELETE", f"{self.href}/archive", json=body, headers=self.headers
        )

    async def purge_one(self, element_id: str) -> httpx.Response:
        return await self.client.delete(f"{self.href}/archive/{element_id}", headers=self.headers)


@pytest.fixture
async def archive(client: httpx.AsyncClient, api_caller: ApiCaller) -> Archive:
    response = await client.post(LIBRARIES, json={"name": "Archive"}, headers=api_caller.headers)
    assert response.status_code == 201, response.text
    return Archive(client, api_caller, response.json())


async def filled(archive: Archive, live: list[str], archived: list[str]) -> dict[str, str]:
    """Elements named ``live`` and ``archived`` (colors), the latter archived; name → id."""
    ids = {name: await archive.create(color(name)) for name in [*live, *archived]}
    if archived:
        await archive.archive(*(ids[name] for name in archived))
    return ids


async def test_the_archive_lists_archived_elements_only(archive: Archive) -> None:
    empty = await archive.listing()
    assert empty["total_count"] == 0 and empty["elements"] == []

    ids = await filled(archive, ["Live"], ["Gone 1", "Gone 2"])
    font_id = await archive.create(font("Gone font"))
    one = await archive.client.delete(f"{archive.href}/elements/{font_id}", headers=archive.headers)
    assert one.status_code == 204, one.text

    body = await archive.listing(orderBy="name")
    assert body["total_count"] == 3
    assert [e["name"] for e in body["elements"]] == ["Gone 1", "Gone 2", "Gone font"]
    assert all(isinstance(e["archived_date"], int) for e in body["elements"])
    assert all(e["parent_id"] == archive.library["library_urn"] for e in body["elements"])
    assert await archive.live_names() == ["Live"]
    assert await archive.archived_names(type=FONT) == ["Gone font"]
    paged = await archive.listing(orderBy="name", limit=2)
    assert len(paged["elements"]) == 2 and paged["_page"]["next"]
    (full,) = (await archive.listing(selector="full", type=FONT))["elements"]
    assert full["representations"][0]["font#data"] == {"family": "Source Serif"}
    assert ids["Gone 1"] in {e["id"] for e in body["elements"]}
    # An archived element is not among the live ones.
    got = await archive.client.get(
        f"{archive.href}/elements/{ids['Gone 1']}", headers=archive.headers
    )
    error_of(got, 404)
    assert await archive.counts() == (1, 3)
    error_of(
        await archive.client.get(
            f"{archive.href}/archive", params={"orderBy": "size"}, headers=archive.headers
        ),
        400,
        "orderBy",
    )


async def test_restore_with_an_element_list(archive: Archive) -> None:
    ids = await filled(archive, ["Live"], ["A", "B", "C"])
    assert await archive.counts() == (1, 3)

    response = await archive.restore({"elements": [ids["A"], ids["B"]]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "OK"
    assert isinstance(body["message"], str)
    assert await archive.counts() == (3, 1)
    assert await archive.live_names() == ["A", "B", "Live"]
    assert await archive.archived_names() == ["C"]
    restored = await archive.client.get(
        f"{archive.href}/elements/{ids['A']}", headers=archive.headers
    )
    assert restored.status_code == 200
    assert "archived_date" not in restored.json()

    # Ids as {"id": ...} objects, and elementIds, work too.
    assert (await archive.restore({"elements": [{"id": ids["C"]}]})).status_code == 200
    assert await archive.counts() == (4, 0)
    await archive.archive(ids["C"])
    assert (await archive.restore({"elementIds": [ids["C"]]})).status_code == 200
    assert await archive.counts() == (4, 0)


async def test_restore_with_postmans_self_payload(archive: Archive) -> None:
    ids = await filled(archive, [], ["A", "B"])
    response = await archive.restore(
        {"self": {"elements": [ids["A"]], "id": archive.library["library_urn"]}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "OK"
    assert await archive.live_names() == ["A"]
    assert await archive.archived_names() == ["B"]
    assert await archive.counts() == (1, 1)


async def test_restore_refuses_what_is_not_archived(archive: Archive) -> None:
    ids = await filled(archive, ["Live"], ["Gone"])
    # A live element, an element not there: 404, and nothing is restored.
    error_of(await archive.restore({"elements": [ids["Gone"], ids["Live"]]}), 404)
    error_of(await archive.restore({"elements": [MISSING]}), 404)
    assert await archive.counts() == (1, 1)
    for body in ({"elements": []}, {}, {"elements": "all"}, {"elements": [7]}, ["x"]):
        error_of(await archive.restore(body), 400)
    assert await archive.archived_names() == ["Gone"]


async def test_purge_the_whole_archive(archive: Archive) -> None:
    ids = await filled(archive, ["Live 1", "Live 2"], ["A", "B", "C"])
    version = (await archive.client.get(archive.href, headers=archive.headers)).json()["version"]

    response = await archive.purge()
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert await archive.archived_names() == []
    assert await archive.live_names() == ["Live 1", "Live 2"]
    assert await archive.counts() == (2, 0)
    after = (await archive.client.get(archive.href, headers=archive.headers)).json()
    assert after["version"] != version
    # Purged for good: not restorable.
    error_of(await archive.restore({"elements": [ids["A"]]}), 404)
    # Purging an empty archive is fine, and so is an empty JSON object.
    assert (await archive.purge()).status_code == 204
    assert (await archive.purge({})).status_code == 204
    assert await archive.counts() == (2, 0)


async def test_purge_a_list_of_archived_elements(archive: Archive) -> None:
    ids = await filled(archive, ["Live"], ["A", "B", "C"])
    response = await archive.purge({"elements": [ids["A"], ids["C"]]})
    assert response.status_code == 204, response.text
    assert await archive.archived_names() == ["B"]
    assert await archive.counts() == (1, 1)
    # With Postman's id beside the list.
    with_id = {"elements": [ids["B"]], "id": archive.library["library_urn"]}
    assert (await archive.purge(with_id)).status_code == 204
    assert await archive.counts() == (1, 0)
    # Already purged, or never there.
    error_of(await archive.purge({"elements": [ids["A"]]}), 404)
    error_of(await archive.purge({"elements": [MISSING]}), 404)
    error_of(await archive.purge({"elements": []}), 400, "elements")
    error_of(await archive.purge(["not", "an", "object"]), 400)


async def test_purge_one_archived_element(archive: Archive) -> None:
    ids = await filled(archive, ["Live"], ["A", "B"])
    response = await archive.purge_one(ids["A"])
    assert response.status_code == 204, response.text
    assert await archive.archived_names() == ["B"]
    assert await archive.counts() == (1, 1)
    error_of(await archive.purge_one(ids["A"]), 404)
    error_of(await archive.purge_one(MISSING), 404)
    assert await archive.counts() == (1, 1)


async def test_purging_a_live_element_is_a_conflict(archive: Archive) -> None:
    ids = await filled(archive, ["Live"], ["Gone"])
    error_of(await archive.purge_one(ids["Live"]), 409)
    # One live element among archived ones: nothing is purged.
    error_of(await archive.purge({"elements": [ids["Gone"], ids["Live"]]}), 409)
    assert await archive.counts() == (1, 1)
    assert await archive.live_names() == ["Live"]
    assert await archive.archived_names() == ["Gone"]


async def test_archive_restore_and_purge_keep_storage_used(
    archive: Archive,
) -> None:
    upload = await archive.client.post(
        f"{archive.href}/representations/content",
        files={"Representation-Content": ("asset", b"GIF89a-not-really", "image/gif")},
        data={"Representation-Data": json.dumps({"type": "image/gif"})},
        headers=archive.headers,
    )
    assert upload.status_code == 200, upload.text
    element_id = await archive.create(
        {
            "name": "Picture",
            "type": "application/vnd.adobe.element.image+dcx",
            "client": CLIENT,
            "representations": [
                {
                    "type": "image/gif",
                    "relationship": "primary",
                    "storage_href": upload.json()["storage_href"],
                }
            ],
        }
    )

    async def storage() -> int:
        response = await archive.client.get(archive.href, headers=archive.headers)
        used: int = response.json()["storage_used"]
        return used

    size = upload.json()["content_length"]
    assert await storage() == size
    await archive.archive(element_id)
    assert await storage() == size  # archived elements still hold their files
    assert (await archive.restore({"elements": [element_id]})).status_code == 200
    await archive.archive(element_id)
    assert (await archive.purge_one(element_id)).status_code == 204
    assert await storage() == 0
    assert await archive.counts() == (0, 0)
