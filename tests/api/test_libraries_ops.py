"""Libraries, operation by operation: list, create, copy, get, HEAD, rename and delete.

Compat reference §1.2 (operations 1, 2, 7, 8, 9 and 21), §1.3 (query parameters), §1.4 (the
list envelope), §1.5 (``DbLibraryInfo``) and §1.11 (errors as ``{reason, message}``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from cclibs.clock import FrozenClock
from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
REL = "http://ns.adobe.com/melville/rel/"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
COLOR = "application/vnd.adobe.element.color+dcx"
FONT = "application/vnd.adobe.element.font+dcx"


async def create_library(client: httpx.AsyncClient, caller: ApiCaller, name: str) -> JSON:
    response = await client.post(LIBRARIES, json={"name": name}, headers=caller.headers)
    assert response.status_code == 201, response.text
    library: JSON = response.json()
    return library


def color(name: str, *, groups: list[JSON] | None = None) -> JSON:
    payload: JSON = {
        "name": name,
        "type": COLOR,
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 200, "g": 30, "b": 60}},
            }
        ],
    }
    if groups is not None:
        payload["groups"] = groups
    return payload


def font(name: str) -> JSON:
    return {
        "name": name,
        "type": FONT,
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.font+json",
                "relationship": "primary",
                "font#data": {"name": "Source Sans Pro", "family": "Source Sans Pro"},
            }
        ],
    }


async def add_element(
    client: httpx.AsyncClient, caller: ApiCaller, library: JSON, payload: JSON
) -> JSON:
    response = await client.post(
        f"{LIBRARIES}/{library['library_urn']}/elements", json=payload, headers=caller.headers
    )
    assert response.status_code == 201, response.text
    element: JSON = response.json()["elements"][0]
    return element


async def get_library(client: httpx.AsyncClient, caller: ApiCaller, library: JSON) -> JSON:
    response = await client.get(f"{LIBRARIES}/{library['id']}", headers=caller.headers)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    return body


async def list_libraries(client: httpx.AsyncClient, caller: ApiCaller, **query: str | int) -> JSON:
    response = await client.get(LIBRARIES, params=query, headers=caller.headers)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    return body


async def many_libraries(
    client: httpx.AsyncClient, caller: ApiCaller, clock: FrozenClock, names: list[str]
) -> list[JSON]:
    """Libraries created one second apart, in the order of ``names``."""
    made = []
    for name in names:
        made.append(await create_library(client, caller, name))
        clock.advance(timedelta(seconds=1))
    return made


def names_of(body: JSON) -> list[str]:
    return [library["name"] for library in body["libraries"]]


async def follow(
    client: httpx.AsyncClient, caller: ApiCaller, body: JSON, *, by_link: bool
) -> JSON:
    """The next page: by ``_links.next.href`` as given, or by ``start=_page.next``."""
    if by_link:
        href = body["_links"]["next"]["href"]
        assert href.startswith(LIBRARIES + "?")
        response = await client.get(href, headers=caller.headers)
    else:
        query = {"start": body["_page"]["next"], "limit": body["_page"]["count"]}
        if body["_page"]["orderBy"] != "-modified_date":
            query["orderBy"] = body["_page"]["orderBy"]
        response = await client.get(LIBRARIES, params=query, headers=caller.headers)
    assert response.status_code == 200, response.text
    page: JSON = response.json()
    return page


# Create --------------------------------------------------------------------------------


async def test_create_answers_201_with_location_etag_and_the_library(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    response = await client.post(
        LIBRARIES, json={"name": "Brand colors"}, headers=api_caller.headers
    )
    assert response.status_code == 201, response.text
    library = response.json()
    assert library["name"] == "Brand colors"
    assert library["library_urn"] == f"urn:aaid:sc:US:{library['id']}"
    assert library["elements_count"] == 0
    assert library["removed_elements_count"] == 0
    assert isinstance(library["created_date"], int) and library["created_date"] > 10**12
    assert library["modified_date"] == library["created_date"]
    assert isinstance(library["version"], str)
    assert response.headers["location"] == f"{LIBRARIES}/{library['library_urn']}"
    assert response.headers["etag"].startswith('"')
    assert library["_links"][f"{REL}elements"]["href"].endswith("/elements")
    # The Location answers with the same library and ETag.
    again = await client.get(response.headers["location"], headers=api_caller.headers)
    assert again.status_code == 200
    assert again.json()["id"] == library["id"]
    assert again.headers["etag"] == response.headers["etag"]


async def test_create_refuses_a_bad_name_naming_the_field(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    bad_names: list[JSON] = [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": None},
        {"name": 42},
        {"name": "x" * 1025},
    ]
    for body in bad_names:
        response = await client.post(LIBRARIES, json=body, headers=api_caller.headers)
        assert error_of(response, 400, "name")["reason"], body
    assert (await list_libraries(client, api_caller))["total_count"] == 0


async def test_create_refuses_bodies_that_are_not_a_json_object(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    headers = {**api_caller.headers, "Content-Type": "application/json"}
    error_of(await client.post(LIBRARIES, content=b"{name:", headers=headers), 400)
    error_of(await client.post(LIBRARIES, content=b"", headers=headers), 400)
    error_of(await client.post(LIBRARIES, json=["Brand"], headers=api_caller.headers), 400)
    form = await client.post(LIBRARIES, data={"name": "Brand"}, headers=api_caller.headers)
    error_of(form, 415)
    # Python reads NaN, Infinity and 1e400 as numbers; JSON has no such numbers, and no
    # answer could carry them back.
    for number in (b"NaN", b"-Infinity", b"1e400", b"-2E+999"):
        body = b'{"name": "Brand", "extra": {"n": ' + number + b"}}"
        refused = await client.post(LIBRARIES, content=body, headers=headers)
        assert "number" in error_of(refused, 400, "not valid JSON")["message"], number
    # An escaped lone surrogate is valid JSON but no text; an escaped pair is a character.
    for lone in (b'{"name": "a\\ud800b"}', b'{"name": "ok", "x": {"\\udfff": 1}}'):
        refused = await client.post(LIBRARIES, content=lone, headers=headers)
        error_of(refused, 400, "lone surrogate")
    assert (await list_libraries(client, api_caller))["total_count"] == 0
    paired = await client.post(
        LIBRARIES, content=b'{"name": "Smile \\ud83d\\ude00"}', headers=headers
    )
    assert paired.status_code == 201, paired.text
    assert paired.json()["name"] == "Smile \U0001f600"
    # A name of exactly the maximum length is fine.
    assert (
        await client.post(LIBRARIES, json={"name": "x" * 1024}, headers=api_caller.headers)
    ).status_code == 201


async def test_copy_with_source_duplicates_the_library_and_its_elements(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    original = await create_library(client, api_caller, "Original")
    await add_element(client, api_caller, original, color("Red"))
    await add_element(client, api_caller, original, font("Sans"))

    response = await client.post(
        LIBRARIES,
        json={"name": "Copy of original", "source": original["library_urn"]},
        headers=api_caller.headers,
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != original["id"]
    assert copy["name"] == "Copy of original"
    assert copy["elements_count"] == 2
    elements = await client.get(
        f"{LIBRARIES}/{copy['id']}/elements", params={"orderBy": "name"}, headers=api_caller.headers
    )
    assert [e["name"] for e in elements.json()["elements"]] == ["Red", "Sans"]
    assert all(e["parent_id"] == copy["library_urn"] for e in elements.json()["elements"])
    # Without a name the copy takes the original's; by id works like by URN.
    unnamed = await client.post(
        LIBRARIES, json={"source": original["id"]}, headers=api_caller.headers
    )
    assert unnamed.status_code == 201, unnamed.text
    assert unnamed.json()["name"] == "Original"
    # The original is untouched.
    assert (await get_library(client, api_caller, original))["elements_count"] == 2


async def test_copy_of_a_library_that_is_not_there_is_404_and_a_bad_source_400(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    missing = "urn:aaid:sc:US:00000000-0000-4000-8000-000000000000"
    error_of(
        await client.post(LIBRARIES, json={"source": missing}, headers=api_caller.headers), 404
    )
    error_of(
        await client.post(LIBRARIES, json={"source": 17}, headers=api_caller.headers),
        400,
        "source",
    )


# Get, HEAD, If-None-Match --------------------------------------------------------------


async def test_get_by_id_and_by_urn_in_any_letter_case(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Cased")
    urn = library["library_urn"]
    for given in (library["id"], urn, urn.lower(), urn.upper(), library["id"].upper()):
        response = await client.get(f"{LIBRARIES}/{given}", headers=api_caller.headers)
        assert response.status_code == 200, (given, response.text)
        assert response.json()["id"] == library["id"]
        assert response.json()["name"] == "Cased"


async def test_get_of_a_library_that_is_not_there_is_404(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    for given in (
        "00000000-0000-4000-8000-000000000000",
        "urn:aaid:sc:US:00000000-0000-4000-8000-000000000000",
        "not-a-library-id",
    ):
        error_of(await client.get(f"{LIBRARIES}/{given}", headers=api_caller.headers), 404)


async def test_head_answers_200_with_the_etag_and_no_body(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Headed")
    got = await client.get(f"{LIBRARIES}/{library['library_urn']}", headers=api_caller.headers)
    head = await client.head(f"{LIBRARIES}/{library['library_urn']}", headers=api_caller.headers)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    missing = await client.head(
        f"{LIBRARIES}/00000000-0000-4000-8000-000000000000", headers=api_caller.headers
    )
    assert missing.status_code == 404


async def test_if_none_match_answers_304_until_the_library_changes(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Cached")
    href = f"{LIBRARIES}/{library['id']}"
    first = await client.get(href, headers=api_caller.headers)
    etag = first.headers["etag"]

    same = await client.get(href, headers={**api_caller.headers, "If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    other = await client.get(href, headers={**api_caller.headers, "If-None-Match": '"nope"'})
    assert other.status_code == 200

    await add_element(client, api_caller, library, color("Changes it"))
    changed = await client.get(href, headers={**api_caller.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["elements_count"] == 1


# Rename ---------------------------------------------------------------------------------


async def test_rename_with_and_without_if_match(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    library = await create_library(client, api_caller, "Old name")
    metadata = f"{LIBRARIES}/{library['library_urn']}/metadata"
    clock.advance(timedelta(seconds=5))

    plain = await client.put(metadata, json={"name": "New name"}, headers=api_caller.headers)
    assert plain.status_code == 204, plain.text
    assert plain.content == b""
    renamed = await get_library(client, api_caller, library)
    assert renamed["name"] == "New name"
    assert renamed["modified_date"] == library["modified_date"] + 5000
    assert renamed["version"] != library["version"]
    assert plain.headers["etag"] != library["manifest_etag"]

    stale = await client.put(
        metadata,
        json={"name": "Lost update"},
        headers={**api_caller.headers, "If-Match": library["manifest_etag"]},
    )
    error_of(stale, 412)
    assert (await get_library(client, api_caller, library))["name"] == "New name"

    current = await client.put(
        metadata,
        json={"name": "Checked rename"},
        headers={**api_caller.headers, "If-Match": plain.headers["etag"]},
    )
    assert current.status_code == 204, current.text
    assert (await get_library(client, api_caller, library))["name"] == "Checked rename"


async def test_rename_refuses_a_bad_name_and_a_missing_library(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Keeps its name")
    metadata = f"{LIBRARIES}/{library['id']}/metadata"
    for body in ({}, {"name": ""}, {"name": "x" * 1025}):
        error_of(await client.put(metadata, json=body, headers=api_caller.headers), 400, "name")
    assert (await get_library(client, api_caller, library))["name"] == "Keeps its name"
    missing = f"{LIBRARIES}/00000000-0000-4000-8000-000000000000/metadata"
    error_of(await client.put(missing, json={"name": "x"}, headers=api_caller.headers), 404)


# Delete ---------------------------------------------------------------------------------


async def test_delete_answers_204_then_the_library_is_gone(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Short-lived")
    await add_element(client, api_caller, library, color("Goes too"))
    href = f"{LIBRARIES}/{library['library_urn']}"
    deleted = await client.delete(href, headers=api_caller.headers)
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    error_of(await client.get(href, headers=api_caller.headers), 404)
    error_of(await client.get(f"{href}/elements", headers=api_caller.headers), 404)
    error_of(await client.delete(href, headers=api_caller.headers), 404)
    assert (await list_libraries(client, api_caller))["total_count"] == 0


async def test_delete_with_if_match(client: httpx.AsyncClient, api_caller: ApiCaller) -> None:
    library = await create_library(client, api_caller, "Guarded")
    href = f"{LIBRARIES}/{library['id']}"
    created_etag = library["manifest_etag"]
    await add_element(client, api_caller, library, color("Newer"))

    stale = await client.delete(href, headers={**api_caller.headers, "If-Match": created_etag})
    error_of(stale, 412)
    assert (await get_library(client, api_caller, library))["elements_count"] == 1

    current = (await client.get(href, headers=api_caller.headers)).headers["etag"]
    deleted = await client.delete(href, headers={**api_caller.headers, "If-Match": current})
    assert deleted.status_code == 204, deleted.text
    error_of(await client.get(href, headers=api_caller.headers), 404)


# List: envelope, owner, order, paging --------------------------------------------------


async def test_list_envelope_and_owner(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    empty = await list_libraries(client, api_caller)
    assert empty["total_count"] == 0
    assert empty["libraries"] == []

    await many_libraries(client, api_caller, clock, ["First", "Second"])
    body = await list_libraries(client, api_caller)
    assert body["total_count"] == 2
    assert names_of(body) == ["Second", "First"]  # default orderBy=-modified_date
    assert body["_page"]["orderBy"] == "-modified_date"
    assert body["_page"]["start"] == "0"
    assert body["_page"]["count"] == 2
    assert "next" not in body["_page"]
    assert "next" not in body["_links"]
    assert body["_links"]["page"]["href"].startswith(LIBRARIES)
    for library in body["libraries"]:
        assert library["ownership"] == "private"
        assert {"id", "name", "library_urn", "created_date", "modified_date"} <= set(library)

    for owner in ("all", "private", "ALL"):
        assert (await list_libraries(client, api_caller, owner=owner))["total_count"] == 2
    for owner in ("incoming", "public"):
        shared = await list_libraries(client, api_caller, owner=owner)
        assert shared["total_count"] == 0 and shared["libraries"] == []
    error_of(
        await client.get(LIBRARIES, params={"owner": "everyone"}, headers=api_caller.headers),
        400,
        "owner",
    )


async def test_list_order_by(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    libraries = await many_libraries(client, api_caller, clock, ["beta", "Alpha", "gamma"])
    await client.put(
        f"{LIBRARIES}/{libraries[0]['id']}/metadata",
        json={"name": "beta"},
        headers=api_caller.headers,
    )  # beta is now the most recently modified

    assert names_of(await list_libraries(client, api_caller)) == ["beta", "gamma", "Alpha"]
    by_name = await list_libraries(client, api_caller, orderBy="name")
    assert names_of(by_name) == ["Alpha", "beta", "gamma"]  # letter case does not count
    assert by_name["_page"]["orderBy"] == "name"
    assert names_of(await list_libraries(client, api_caller, orderBy="-name")) == [
        "gamma",
        "beta",
        "Alpha",
    ]
    assert names_of(await list_libraries(client, api_caller, orderBy="modified_date")) == [
        "Alpha",
        "gamma",
        "beta",
    ]
    assert names_of(await list_libraries(client, api_caller, orderBy="created_date")) == [
        "beta",
        "Alpha",
        "gamma",
    ]
    multi = await list_libraries(client, api_caller, orderBy="name,-modified_date")
    assert names_of(multi) == ["Alpha", "beta", "gamma"]


async def test_list_refuses_bad_parameters_with_reason_and_message(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    refused = [
        ({"orderBy": "size"}, "orderBy"),
        ({"orderBy": "name,name"}, "orderBy"),
        ({"selector": "everything"}, "selector"),
        ({"selector": "details,bogus"}, "selector"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"start": "-3"}, "start"),
        ({"start": "c1.not-a-cursor"}, "start"),
    ]
    for query, fragment in refused:
        response = await client.get(LIBRARIES, params=query, headers=api_caller.headers)
        assert error_of(response, 400, fragment)["reason"], query


async def test_limit_is_clamped_at_10(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    await many_libraries(client, api_caller, clock, [f"Library {i:02}" for i in range(12)])
    default = await list_libraries(client, api_caller)
    assert default["total_count"] == 12
    assert default["_page"]["count"] == len(default["libraries"]) == 10
    clamped = await list_libraries(client, api_caller, limit=50)
    assert len(clamped["libraries"]) == 10
    assert clamped["total_count"] == 12
    assert "next" in clamped["_page"]
    three = await list_libraries(client, api_caller, limit=3)
    assert names_of(three) == ["Library 11", "Library 10", "Library 09"]


async def test_numeric_start_is_an_offset(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    names = [f"L{i}" for i in range(7)]
    await many_libraries(client, api_caller, clock, names)
    page = await list_libraries(client, api_caller, orderBy="name", start=2, limit=3)
    assert names_of(page) == ["L2", "L3", "L4"]
    assert page["_page"]["start"] == "2"
    assert page["total_count"] == 7
    last = await list_libraries(client, api_caller, orderBy="name", start=5, limit=3)
    assert names_of(last) == ["L5", "L6"]
    assert "next" not in last["_page"]
    beyond = await list_libraries(client, api_caller, start=40)
    assert beyond["libraries"] == [] and beyond["total_count"] == 7


@pytest.mark.parametrize("by_link", [True, False], ids=["links.next", "page.next"])
async def test_cursor_paging_stays_stable_while_libraries_are_added(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock, by_link: bool
) -> None:
    names = [f"Old {i:02}" for i in range(12)]
    await many_libraries(client, api_caller, clock, names)
    expected = list(reversed(names))  # newest first

    first = await list_libraries(client, api_caller, limit=5)
    assert names_of(first) == expected[:5]
    assert first["_page"]["next"]
    assert first["_links"]["next"]["href"]

    # Libraries added between pages are newer: they sort before the cursor, so the pages
    # after it neither repeat nor skip anything.
    await many_libraries(client, api_caller, clock, ["New 1", "New 2", "New 3"])
    second = await follow(client, api_caller, first, by_link=by_link)
    assert names_of(second) == expected[5:10]
    assert second["total_count"] == 15
    third = await follow(client, api_caller, second, by_link=by_link)
    assert names_of(third) == expected[10:]
    assert "next" not in third["_page"] and "next" not in third["_links"]


async def test_cursor_paging_by_name_skips_nothing_when_earlier_names_arrive(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    await many_libraries(client, api_caller, clock, ["b", "d", "f", "h", "j"])
    first = await list_libraries(client, api_caller, orderBy="name", limit=2)
    assert names_of(first) == ["b", "d"]
    # An offset would now repeat "d"; the cursor does not.
    await many_libraries(client, api_caller, clock, ["a", "c"])
    second = await follow(client, api_caller, first, by_link=True)
    assert names_of(second) == ["f", "h"]
    third = await follow(client, api_caller, second, by_link=False)
    assert names_of(third) == ["j"]
    # A cursor made for one ordering is refused for another.
    other_order = await client.get(
        LIBRARIES,
        params={"start": first["_page"]["next"], "orderBy": "-name"},
        headers=api_caller.headers,
    )
    error_of(other_order, 400, "start")


# Selectors ------------------------------------------------------------------------------


async def test_default_selector_adds_nothing(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    await create_library(client, api_caller, "Plain")
    (library,) = (await list_libraries(client, api_caller))["libraries"]
    for key in ("details", "collaboration", "groups", "rendition_grid"):
        assert key not in library


async def test_selector_details_collaboration_and_groups(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await create_library(client, api_caller, "Selected")
    brand = {"id": "brand", "name": "Brand", "order": "a"}
    web = {"id": "web", "name": "Web", "order": "b"}
    await add_element(client, api_caller, library, color("Red", groups=[brand]))
    await add_element(client, api_caller, library, color("Blue", groups=[brand, web]))
    archived = await add_element(client, api_caller, library, font("Sans"))
    response = await client.delete(
        f"{LIBRARIES}/{library['id']}/elements/{archived['id']}", headers=api_caller.headers
    )
    assert response.status_code == 204, response.text

    body = await list_libraries(client, api_caller, selector="details,collaboration,groups")
    (listed,) = body["libraries"]
    details = listed["details"]
    assert details["num_elements"] == 2
    assert details["num_archived_elements"] == 1
    assert details["element_type_counts"] == {COLOR: 2}
    assert details["types"] == [COLOR]
    collaboration = listed["collaboration"]
    assert collaboration["public"] is False
    assert collaboration["ownerId"] == api_caller.user_id
    assert [g["id"] for g in listed["groups"]] == ["brand", "web"]
    assert listed["groups"][0]["name"] == "Brand"

    # The same selectors on the single GET.
    got = await client.get(
        f"{LIBRARIES}/{library['library_urn']}",
        params={"selector": "details,groups"},
        headers=api_caller.headers,
    )
    assert got.status_code == 200
    assert got.json()["details"]["num_elements"] == 2
    assert [g["id"] for g in got.json()["groups"]] == ["brand", "web"]
    assert "collaboration" not in got.json()
    bad = await client.get(
        f"{LIBRARIES}/{library['id']}", params={"selector": "full"}, headers=api_caller.headers
    )
    error_of(bad, 400, "selector")


async def test_selector_rendition_grid(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    empty = await create_library(client, api_caller, "Nothing to show")
    library = await create_library(client, api_caller, "Swatches")
    made = []
    for name in ("One", "Two", "Three", "Four"):
        made.append(await add_element(client, api_caller, library, color(name)))
        clock.advance(timedelta(seconds=1))
    await add_element(client, api_caller, library, font("No thumbnail"))

    body = await list_libraries(client, api_caller, selector="rendition_grid", orderBy="name")
    grid_empty, grid = (lib["rendition_grid"] for lib in body["libraries"])
    assert body["libraries"][0]["id"] == empty["id"]
    assert grid_empty == {"main": {}, "tiles": []}
    assert grid["main"]["rendition"] == made[0]["thumbnail"]["rendition"]
    tiles = [tile["rendition"] for tile in grid["tiles"]]
    assert tiles == [e["thumbnail"]["rendition"] for e in reversed(made[1:])]
    rendition = await client.get(grid["main"]["rendition"], headers=api_caller.headers)
    assert rendition.status_code == 200
    assert rendition.headers["content-type"] == "image/png"


async def test_paging_through_ties_repeats_and_skips_nothing(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    """Libraries made in the same millisecond, with the same name: the id breaks the tie."""
    made = {(await create_library(client, api_caller, "Same"))["id"] for _ in range(5)}
    for order in ("-modified_date", "name", "-name", "created_date"):
        seen: list[str] = []
        body = await list_libraries(client, api_caller, orderBy=order, limit=2)
        seen += [lib["id"] for lib in body["libraries"]]
        while "next" in body["_links"]:
            body = await follow(client, api_caller, body, by_link=True)
            seen += [lib["id"] for lib in body["libraries"]]
        assert sorted(seen) == sorted(made), order


async def _fonts(client: httpx.AsyncClient, caller: ApiCaller, library: JSON, count: int) -> None:
    """``count`` (a power of two) fonts, by copying the library's fonts into it again."""
    ids = [(await add_element(client, caller, library, font("Font")))["id"]]
    while len(ids) < count:
        response = await client.post(
            f"{LIBRARIES}/{library['id']}/elements",
            json={"source": {"elements": ids, "id": library["id"]}},
            headers=caller.headers,
        )
        assert response.status_code == 201, response.text
        ids += [e["id"] for e in response.json()["elements"]]


async def test_rendition_grid_finds_swatches_behind_many_fonts(
    client: httpx.AsyncClient, api_caller: ApiCaller, clock: FrozenClock
) -> None:
    """§1.3: ``main`` shows the first element with a rendition and ``tiles`` the three most
    recently changed ones, however many elements without a thumbnail (fonts, styles) there
    are. Today only 50 elements are looked at: ``main`` and ``tiles`` come back empty."""
    fonts_first = await create_library(client, api_caller, "A fonts first")
    await _fonts(client, api_caller, fonts_first, 64)
    clock.advance(timedelta(seconds=1))
    late = await add_element(client, api_caller, fonts_first, color("Late"))

    color_first = await create_library(client, api_caller, "B color first")
    early = await add_element(client, api_caller, color_first, color("Early"))
    clock.advance(timedelta(seconds=1))
    await _fonts(client, api_caller, color_first, 64)

    body = await list_libraries(client, api_caller, selector="rendition_grid", orderBy="name")
    first_grid, second_grid = (lib["rendition_grid"] for lib in body["libraries"])
    late_tile = {"type": "href", "rendition": late["thumbnail"]["rendition"]}
    early_tile = {"type": "href", "rendition": early["thumbnail"]["rendition"]}
    assert {
        "fonts first: main": first_grid["main"],
        "fonts first: tiles": first_grid["tiles"],
        "color first: main": second_grid["main"],
        "color first: tiles": second_grid["tiles"],
    } == {
        "fonts first: main": late_tile,
        "fonts first: tiles": [late_tile],
        "color first: main": early_tile,
        "color first: tiles": [early_tile],
    }
