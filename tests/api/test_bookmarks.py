"""Bookmarks, operation by operation: list, add, update, remove (compat reference §1.2 rows 3
to 6, §1.5 ``DbLibraryBookmark``), and ``owner=public`` of the libraries list (§1.3).

A bookmark is the user's: ``PUBLIC`` for a published library, ``COLLAB`` for one shared with
them; a second one of the same library is discarded; ``created`` is the server's clock.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller, ApiCallers
from tests.support.api_schemas import assert_fits
from tests.support.sharing_rows import (
    add_collaborator,
    publish,
    remove_collaborator,
    unpublish,
)

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
BOOKMARKS = "/api/v1/libraries/bookmarks"
LANDING = "https://libraries.example.com/public/landing-1"
MISSING = "00000000-0000-4000-8000-000000000000"
REL = "http://ns.adobe.com/melville/rel/"


def ms(clock: FrozenClock) -> int:
    return int(clock.now().timestamp() * 1000)


async def new_library(client: httpx.AsyncClient, owner: ApiCaller, name: str) -> JSON:
    response = await client.post(LIBRARIES, json={"name": name}, headers=owner.headers)
    assert response.status_code == 201, response.text
    library: JSON = response.json()
    return library


async def bookmarks_of(client: httpx.AsyncClient, caller: ApiCaller) -> list[JSON]:
    response = await client.get(BOOKMARKS, headers=caller.headers)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    assert set(body) == {"bookmarks", "_fc"}
    assert_fits("DbLibraryBookmarks", body)
    listed: list[JSON] = body["bookmarks"]
    return listed


def public_bookmark(library: JSON, url: str = LANDING, **more: Any) -> JSON:
    return {"id": library["id"], "type": "PUBLIC", "url": url, **more}


def collab_bookmark(library: JSON, **more: Any) -> JSON:
    return {"id": library["id"], "type": "COLLAB", "urn": library["library_urn"], **more}


class World:
    """An owner with a published library and a shared one, and a reader of both."""

    def __init__(
        self, app: Starlette, client: httpx.AsyncClient, callers: ApiCallers, clock: FrozenClock
    ) -> None:
        self.app = app
        self.client = client
        self.callers = callers
        self.clock = clock

    async def build(self) -> World:
        self.owner = await self.callers.user()
        self.reader = await self.callers.user()
        self.public = await new_library(self.client, self.owner, "Published")
        self.shared = await new_library(self.client, self.owner, "Shared")
        self.private = await new_library(self.client, self.owner, "Private")
        await publish(self.client, self.owner, self.public["id"])
        assert self.reader.user_id is not None
        await add_collaborator(
            self.app,
            self.shared["id"],
            self.reader.user_id,
            role="editor",
            can_share=True,
            can_comment=False,
        )
        return self

    async def add(self, *items: JSON, caller: ApiCaller | None = None) -> httpx.Response:
        return await self.client.post(
            BOOKMARKS, json={"bookmarks": list(items)}, headers=(caller or self.reader).headers
        )


@pytest.fixture
async def world(
    app: Starlette, client: httpx.AsyncClient, api_callers: ApiCallers, clock: FrozenClock
) -> World:
    return await World(app, client, api_callers, clock).build()


# List --------------------------------------------------------------------------------------


async def test_a_user_starts_with_no_bookmarks(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    assert await bookmarks_of(client, api_caller) == []
    # The path is not taken for a library id, with or without the trailing slash.
    again = await client.get(BOOKMARKS + "/", headers=api_caller.headers)
    assert again.json() == {"bookmarks": [], "_fc": False}


async def test_bookmarks_need_a_token_and_the_right_api_key(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    error_of(await client.get(BOOKMARKS, headers={"x-api-key": api_caller.client_id}), 401)
    wrong = {**api_caller.headers, "x-api-key": "someone-else"}
    error_of(await client.get(BOOKMARKS, headers=wrong), 403)
    error_of(await client.post(BOOKMARKS, json={"bookmarks": []}, headers=wrong), 403)
    error_of(await client.delete(f"{BOOKMARKS}/{MISSING}", headers=wrong), 403)


# Add ---------------------------------------------------------------------------------------


async def test_a_public_library_is_bookmarked_with_the_servers_created_date(
    world: World,
) -> None:
    world.clock.advance(timedelta(seconds=7))
    response = await world.add(public_bookmark(world.public, created=5, role="editor"))
    assert response.status_code == 201, response.text
    expected = {
        "id": world.public["id"],
        "type": "PUBLIC",
        "url": LANDING,
        "created": ms(world.clock),
        "_fc": False,
    }
    assert response.json() == {"bookmarks": [expected], "_fc": False}
    assert await bookmarks_of(world.client, world.reader) == [expected]


async def test_a_shared_library_is_bookmarked_with_the_collaborators_role(world: World) -> None:
    response = await world.add(collab_bookmark(world.shared, role="viewer", can_comment=True))
    assert response.status_code == 201, response.text
    (bookmark,) = response.json()["bookmarks"]
    assert bookmark == {
        "id": world.shared["id"],
        "type": "COLLAB",
        "urn": world.shared["library_urn"],
        "role": "editor",
        "can_share": True,
        "can_comment": False,
        "created": ms(world.clock),
        "_fc": False,
    }
    # The rights are the collaborator row's as it is now, not a copy.
    assert world.reader.user_id is not None
    await add_collaborator(
        world.app, world.shared["id"], world.reader.user_id, role="viewer", can_comment=True
    )
    (now,) = await bookmarks_of(world.client, world.reader)
    assert (now["role"], now["can_share"], now["can_comment"]) == ("viewer", False, True)


async def test_without_a_type_the_kind_follows_the_library(world: World) -> None:
    response = await world.add(
        {"id": world.shared["library_urn"]}, {"id": world.public["id"], "url": LANDING}
    )
    assert response.status_code == 201, response.text
    kinds = {b["id"]: b["type"] for b in response.json()["bookmarks"]}
    assert kinds == {world.shared["id"]: "COLLAB", world.public["id"]: "PUBLIC"}
    # Lower case is accepted too (the spec's description writes public and collab).
    lower = await world.add({"id": world.shared["id"], "type": "collab", "urn": "x"})
    error_of(lower, 400, "bookmarks[0].urn")
    assert (await world.add(collab_bookmark(world.shared, type="collab"))).status_code == 200


async def test_a_library_already_bookmarked_is_discarded(world: World) -> None:
    first = await world.add(public_bookmark(world.public))
    assert first.status_code == 201
    created = first.json()["bookmarks"][0]["created"]
    world.clock.advance(timedelta(minutes=3))
    again = await world.add(public_bookmark(world.public, url="https://elsewhere.example/x"))
    assert again.status_code == 200, again.text
    assert again.json()["bookmarks"] == first.json()["bookmarks"]
    # Twice in one request: kept once.
    both = await world.add(collab_bookmark(world.shared), collab_bookmark(world.shared))
    assert both.status_code == 201
    listed = await bookmarks_of(world.client, world.reader)
    assert [b["id"] for b in listed] == [world.public["id"], world.shared["id"]]
    assert listed[0]["url"] == LANDING and listed[0]["created"] == created


async def test_only_public_or_shared_libraries_may_be_bookmarked(world: World) -> None:
    stranger = await world.callers.user()
    cases = [
        public_bookmark(world.private),  # not published
        collab_bookmark(world.public),  # published, but not shared with the reader
        public_bookmark({"id": MISSING}),
    ]
    for case in cases:
        error_of(await world.add(case), 404, "no public or shared library")
    error_of(await world.add(collab_bookmark(world.shared), caller=stranger), 404)
    # The owner shares nothing with themselves.
    error_of(await world.add(collab_bookmark(world.shared), caller=world.owner), 404)
    # One refused item refuses the whole request.
    error_of(await world.add(public_bookmark(world.public), public_bookmark(world.private)), 404)
    assert await bookmarks_of(world.client, world.reader) == []


BAD_BODIES: list[tuple[object, str]] = [
    ([], "body"),
    ({"bookmark": []}, "bookmarks"),
    ({"bookmarks": []}, "bookmarks"),
    ({"bookmarks": {"id": MISSING}}, "bookmarks"),
    ({"bookmarks": ["x"]}, "bookmarks[0]"),
    ({"bookmarks": [{}]}, "bookmarks[0].id"),
    ({"bookmarks": [{"id": 12}]}, "bookmarks[0].id"),
    ({"bookmarks": [{"id": "  "}]}, "bookmarks[0].id"),
    ({"bookmarks": [{"id": "not-a-library"}]}, "bookmarks[0].id"),
    ({"bookmarks": [{"id": MISSING, "type": "FRIEND"}]}, "bookmarks[0].type"),
    ({"bookmarks": [{"id": MISSING, "type": 1}]}, "bookmarks[0].type"),
    ({"bookmarks": [{"id": MISSING, "type": "PUBLIC"}]}, "bookmarks[0].url"),
    ({"bookmarks": [{"id": MISSING, "type": "PUBLIC", "url": ["u"]}]}, "bookmarks[0].url"),
    ({"bookmarks": [{"id": MISSING, "type": "PUBLIC", "url": "x" * 3000}]}, "bookmarks[0].url"),
    ({"bookmarks": [{"id": MISSING, "type": "COLLAB"}]}, "bookmarks[0].urn"),
    (
        {"bookmarks": [{"id": MISSING, "urn": "urn:aaid:sc:US:" + "1" * 8 + MISSING[8:]}]},
        "bookmarks[0].urn",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
async def test_bad_bookmarks_are_a_400_naming_the_field(
    client: httpx.AsyncClient, api_caller: ApiCaller, body: object, field: str
) -> None:
    response = await client.post(BOOKMARKS, json=body, headers=api_caller.headers)
    assert error_of(response, 400, f"{field}")["reason"] == "invalid_bookmark"


async def test_bodies_that_are_not_json_are_refused(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    headers = {**api_caller.headers, "content-type": "application/json"}
    error_of(await client.post(BOOKMARKS, content=b"{", headers=headers), 400)
    error_of(await client.post(BOOKMARKS, content=b"", headers=headers), 400)
    form = await client.post(BOOKMARKS, data={"bookmarks": "x"}, headers=api_caller.headers)
    error_of(form, 415)


async def test_the_inferred_public_kind_needs_its_url(world: World) -> None:
    error_of(await world.add({"id": world.public["id"]}), 400, "bookmarks[0].url")


# What stands -------------------------------------------------------------------------------


async def test_a_bookmark_shows_while_its_library_is_public_or_shared(world: World) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    world.clock.advance(timedelta(seconds=1))  # oldest first
    assert (await world.add(collab_bookmark(world.shared))).status_code == 201
    await unpublish(world.client, world.owner, world.public["id"])
    assert world.reader.user_id is not None
    await remove_collaborator(world.app, world.shared["id"], world.reader.user_id)
    assert await bookmarks_of(world.client, world.reader) == []
    # Published (and shared) again, the bookmarks are back as they were.
    await publish(world.client, world.owner, world.public["id"])
    await add_collaborator(world.app, world.shared["id"], world.reader.user_id)
    assert [b["id"] for b in await bookmarks_of(world.client, world.reader)] == [
        world.public["id"],
        world.shared["id"],
    ]


async def test_bookmarking_again_after_the_ground_went_replaces_the_bookmark(
    world: World,
) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    await unpublish(world.client, world.owner, world.public["id"])
    world.clock.advance(timedelta(hours=1))
    error_of(await world.add(public_bookmark(world.public)), 404)
    await publish(world.client, world.owner, world.public["id"])
    # The old bookmark stands again, so a new one is discarded.
    again = await world.add(public_bookmark(world.public, url="https://other.example/"))
    assert again.status_code == 200
    assert again.json()["bookmarks"][0]["url"] == LANDING


async def test_deleting_the_library_deletes_its_bookmarks(world: World) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    gone = await world.client.delete(
        f"{LIBRARIES}/{world.public['library_urn']}", headers=world.owner.headers
    )
    assert gone.status_code == 204
    assert await bookmarks_of(world.client, world.reader) == []


async def test_bookmarks_are_each_users_own(world: World) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    other = await world.callers.user()
    assert await bookmarks_of(world.client, other) == []
    path = f"{BOOKMARKS}/{world.public['id']}"
    error_of(await world.client.delete(path, headers=other.headers), 404)
    error_of(
        await world.client.put(path, json={"url": LANDING}, headers=other.headers),
        404,
    )
    assert len(await bookmarks_of(world.client, world.reader)) == 1


# Update ------------------------------------------------------------------------------------


async def test_put_changes_the_url_and_keeps_created(world: World) -> None:
    first = await world.add(public_bookmark(world.public))
    created = first.json()["bookmarks"][0]["created"]
    world.clock.advance(timedelta(minutes=5))
    path = f"{BOOKMARKS}/{world.public['id']}"
    body = {"bookmarks": [public_bookmark(world.public, url="https://new.example/p", created=1)]}
    response = await world.client.put(path, json=body, headers=world.reader.headers)
    assert response.status_code == 200, response.text
    (bookmark,) = response.json()["bookmarks"]
    assert (bookmark["url"], bookmark["created"]) == ("https://new.example/p", created)
    # The bookmark alone, without the envelope and the id, is taken too.
    alone = await world.client.put(
        path, json={"url": "https://third.example/"}, headers=world.reader.headers
    )
    assert alone.json()["bookmarks"][0]["url"] == "https://third.example/"
    assert (await bookmarks_of(world.client, world.reader))[0]["url"] == "https://third.example/"


async def test_put_changes_the_kind_only_to_one_the_library_allows(world: World) -> None:
    await publish(world.client, world.owner, world.shared["id"])
    assert (await world.add(collab_bookmark(world.shared))).status_code == 201
    path = f"{BOOKMARKS}/{world.shared['id']}"
    to_public = {"bookmarks": [public_bookmark(world.shared)]}
    response = await world.client.put(path, json=to_public, headers=world.reader.headers)
    assert response.status_code == 200, response.text
    assert response.json()["bookmarks"][0]["type"] == "PUBLIC"
    assert "role" not in response.json()["bookmarks"][0]
    await unpublish(world.client, world.owner, world.shared["id"])
    # The PUBLIC bookmark no longer stands: there is nothing to update.
    error_of(
        await world.client.put(
            path, json={"bookmarks": [collab_bookmark(world.shared)]}, headers=world.reader.headers
        ),
        404,
    )


async def test_bad_puts(world: World) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    path = f"{BOOKMARKS}/{world.public['id']}"
    headers = world.reader.headers
    other = public_bookmark(world.shared)
    error_of(await world.client.put(path, json={"bookmarks": [other]}, headers=headers), 400)
    two = {"bookmarks": [public_bookmark(world.public), public_bookmark(world.public)]}
    error_of(await world.client.put(path, json=two, headers=headers), 400, "exactly")
    error_of(await world.client.put(path, json={"type": "NEW"}, headers=headers), 400)
    error_of(await world.client.put(path, json=["x"], headers=headers), 400)
    error_of(await world.client.put(f"{BOOKMARKS}/{MISSING}", json={}, headers=headers), 404)
    error_of(await world.client.put(f"{BOOKMARKS}/nope", json={}, headers=headers), 404)


# Remove ------------------------------------------------------------------------------------


async def test_delete_removes_the_bookmark(world: World) -> None:
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    assert (await world.add(collab_bookmark(world.shared))).status_code == 201
    path = f"{BOOKMARKS}/{world.public['library_urn']}"  # the URN names it too
    response = await world.client.delete(path, headers=world.reader.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert [b["id"] for b in await bookmarks_of(world.client, world.reader)] == [world.shared["id"]]
    error_of(await world.client.delete(path, headers=world.reader.headers), 404)
    error_of(await world.client.delete(f"{BOOKMARKS}/x", headers=world.reader.headers), 404)
    # The library itself is untouched.
    library = await world.client.get(
        f"{LIBRARIES}/{world.public['id']}", headers=world.owner.headers
    )
    assert library.status_code == 200


# owner=public ------------------------------------------------------------------------------


async def libraries_of(world: World, owner: str) -> JSON:
    response = await world.client.get(
        LIBRARIES, params={"owner": owner, "orderBy": "name"}, headers=world.reader.headers
    )
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    return body


async def test_owner_public_lists_the_public_libraries_the_user_bookmarked(world: World) -> None:
    own = await new_library(world.client, world.reader, "Reader's own")
    assert (await libraries_of(world, "public"))["libraries"] == []
    await publish(
        world.client, world.owner, world.shared["id"]
    )  # shared and public: bookmarked COLLAB below
    assert (await world.add(public_bookmark(world.public))).status_code == 201
    assert (await world.add(collab_bookmark(world.shared))).status_code == 201
    public = await libraries_of(world, "public")
    assert public["total_count"] == 1
    assert [(lib["id"], lib["ownership"]) for lib in public["libraries"]] == [
        (world.public["id"], "public")
    ]
    assert_fits("LibrariesInfo", public)
    (followed,) = public["libraries"]
    assert followed["_links"][f"{REL}id"]["href"] == f"/api/v1/public/libraries/{followed['id']}"
    assert (followed["bookmark"]["type"], followed["bookmark"]["url"]) == ("PUBLIC", LANDING)
    assert "collaboration" not in followed
    # all: the user's own and those shared with them, not the public ones they follow.
    listed = {
        lib["id"]: lib["ownership"] for lib in (await libraries_of(world, "all"))["libraries"]
    }
    assert listed == {own["id"]: "private", world.shared["id"]: "incoming"}
    # Unpublished, it is no longer followed; the bookmark of another user counts for nothing.
    other = await world.callers.user()
    response = await world.client.get(LIBRARIES, params={"owner": "public"}, headers=other.headers)
    assert response.json()["libraries"] == []
    await unpublish(world.client, world.owner, world.public["id"])
    assert (await libraries_of(world, "public"))["total_count"] == 0


async def test_owner_public_pages_like_the_other_lists(world: World) -> None:
    names = [f"Public {i}" for i in range(12)]
    for name in names:
        library = await new_library(world.client, world.owner, name)
        await publish(world.client, world.owner, library["id"])
        assert (await world.add(public_bookmark(library))).status_code == 201
    first = await libraries_of(world, "public")
    assert first["total_count"] == 12
    assert len(first["libraries"]) == 10
    rest = await world.client.get(first["_links"]["next"]["href"], headers=world.reader.headers)
    assert rest.status_code == 200, rest.text
    seen = [lib["name"] for lib in first["libraries"] + rest.json()["libraries"]]
    assert seen == sorted(names)


async def test_a_shared_library_shows_its_collab_bookmark(world: World) -> None:
    path = f"{LIBRARIES}/{world.shared['library_urn']}"
    before = await world.client.get(path, headers=world.reader.headers)
    assert before.status_code == 200, before.text
    assert "bookmark" not in before.json()
    assert (await world.add(collab_bookmark(world.shared))).status_code == 201
    library = (await world.client.get(path, headers=world.reader.headers)).json()
    assert_fits("DbLibraryInfo", library)
    assert (library["bookmark"]["type"], library["bookmark"]["role"]) == ("COLLAB", "editor")
    listed = await libraries_of(world, "incoming")
    assert [lib["bookmark"]["id"] for lib in listed["libraries"]] == [world.shared["id"]]
    # The owner's view of the same library carries no bookmark of the reader's.
    mine = await world.client.get(path, headers=world.owner.headers)
    assert "bookmark" not in mine.json()
