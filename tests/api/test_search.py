"""``POST /api/v1/search`` (compat reference §1.10): the full-text index on both paths and both
backends, relevance and every filter on 10,000 elements, paging, the owner filters, and the
payload's mistakes as ``{reason, message}``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette

from cclibs.storage import migrate
from cclibs.storage.tables.search import FTS_TABLES, VECTOR_COLUMN
from tests.support import databases
from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller, ApiCallers
from tests.support.search_data import COLOR, FONT, Seed, element, library, seed

JSON = dict[str, Any]
SEARCH = "/api/v1/search"
T0 = 1_700_000_000_000
COLOR_ELEMENT = {
    "name": "Vermilion",
    "type": COLOR,
    "client": {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"},
    "representations": [
        {
            "type": "application/vnd.adobe.color+json",
            "relationship": "primary",
            "color#data": {"mode": "RGB", "value": {"r": 227, "g": 66, "b": 52}},
        }
    ],
}
WORDS = ("ocean", "forest", "desert", "tundra", "river", "canyon", "meadow", "glacier")


async def search(client: httpx.AsyncClient, caller: ApiCaller, **payload: Any) -> JSON:
    response = await client.post(SEARCH, json=payload, headers=caller.headers)
    assert response.status_code == 200, response.text
    body: JSON = response.json()
    return body


async def every_page(client: httpx.AsyncClient, caller: ApiCaller, **payload: Any) -> list[JSON]:
    """The elements of every page, following ``_page.next``."""
    found: list[JSON] = []
    start: str | None = None
    while True:
        body = await search(client, caller, **payload, **({"start": start} if start else {}))
        found.extend(body["elements"])
        start = body["_page"].get("next")
        if start is None:
            return found


# The index exists on both paths ----------------------------------------------------------


def _fts_objects(url: str) -> set[str]:
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%fts%'")
            return {row[0] for row in rows}

    async def names() -> set[str]:
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            rows = await conn.fetch("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%fts'")
            columns = await conn.fetch(
                "SELECT table_name FROM information_schema.columns WHERE column_name = $1",
                VECTOR_COLUMN,
            )
            return {row[0] for row in rows} | {f"{row[0]}.{VECTOR_COLUMN}" for row in columns}
        finally:
            await conn.close()

    import asyncio

    return asyncio.run(names())


def _expected(url: str) -> set[str]:
    if url.startswith("sqlite"):
        return {
            f"{fts}{suffix}"
            for fts in FTS_TABLES.values()
            for suffix in ("", "_insert", "_update", "_delete", "_data", "_idx")
        }
    return {f"ix_{fts}" for fts in FTS_TABLES.values()} | {
        f"{table}.{VECTOR_COLUMN}" for table in FTS_TABLES
    }


def test_the_index_exists_when_upgraded_and_when_created(database_url: str) -> None:
    assert _expected(database_url) <= _fts_objects(database_url)  # migrated (upgrade)
    if database_url.startswith("sqlite"):
        fresh = database_url.replace("cclibs.sqlite3", "fresh.sqlite3")
    else:
        fresh = databases.create_empty_postgres_database(f"cclibs_search_{os.getpid()}")
    try:
        assert migrate.prepare(fresh) == "created"
        assert _expected(database_url) <= _fts_objects(fresh)
    finally:
        if not database_url.startswith("sqlite"):
            databases.drop_postgres_database(f"cclibs_search_{os.getpid()}")


def test_downgrade_removes_the_index_and_upgrade_fills_it_from_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    migrate.upgrade(url, "0013")
    with sqlite3.connect(tmp_path / "d.sqlite3") as conn:
        # (foreign keys are off on a bare sqlite3 connection: no user row is needed)
        conn.execute(
            "INSERT INTO libraries (id, owner_id, name, name_key, created_ms, modified_ms, "
            "version, elements_count, archived_count, storage_used) "
            "VALUES ('l', 'u', 'Glacier blue', 'glacier blue', 1, 1, 1, 0, 0, 0)"
        )
    migrate.upgrade(url, "0014")
    with sqlite3.connect(tmp_path / "d.sqlite3") as conn:
        found = conn.execute(
            "SELECT rowid FROM libraries_fts WHERE libraries_fts MATCH 'glac*'"
        ).fetchall()
    assert len(found) == 1
    migrate.downgrade(url, "0013")
    assert not _fts_objects(url)


# Relevance and filters on 10,000 elements ------------------------------------------------


@pytest.fixture
async def ten_thousand(app: Starlette, api_caller: ApiCaller) -> dict[str, Any]:
    """10 libraries of 1,000 elements each for ``api_caller``; names are two or three words
    of ``WORDS``, types alternate, every 7th is archived, every 5th in group "g1"."""
    assert api_caller.user_id is not None
    libraries = [
        library(api_caller.user_id, f"{WORDS[i % 8].title()} library {i}", ms=T0 + i)
        for i in range(10)
    ]
    elements = []
    for i in range(10_000):
        name = f"{WORDS[i % 8]} {WORDS[(i // 8) % 8]} {i}"
        elements.append(
            element(
                libraries[i % 10].id,
                name,
                type_=FONT if i % 2 else COLOR,
                created_ms=T0 + i * 1000,
                modified_ms=T0 + i * 1000 + 7,
                archived=i % 7 == 0,
                groups=("g1",) if i % 5 == 0 else (),
            )
        )
    await seed(app.state.cclibs.db, libraries, elements)
    return {"libraries": libraries, "elements": elements}


def _names(items: list[JSON]) -> list[str]:
    return [item["name"] for item in items]


@pytest.mark.anyio
async def test_relevance_and_filters_on_ten_thousand_elements(
    client: httpx.AsyncClient, api_caller: ApiCaller, ten_thousand: dict[str, Any]
) -> None:
    elements = ten_thousand["elements"]
    live = [e for e in elements if e.archived_ms is None]

    # Words: each must begin a word of the name; prefixes match.
    body = await search(
        client, api_caller, asset_type=["element"], query_string="oce TUND", limit=100
    )
    expected = {e.id for e in live if "ocean" in e.name.split() and "tundra" in e.name.split()}
    assert body["total_items"] == len(expected)
    assert {e["id"] for e in body["elements"]} <= expected
    assert body["_page"]["orderBy"] == "relevance"

    # Relevance: "ocean ocean N" matches "ocean" twice, others once; it ranks first.
    body = await search(client, api_caller, asset_type=["element"], query_string="ocean", limit=20)
    top = [name for name in _names(body["elements"]) if name.startswith("ocean ocean")]
    assert _names(body["elements"])[: len(top)] == top and top
    assert body["total_items"] == sum("ocean" in e.name.split() for e in live)

    # Filters: type, archived, group, dates, library, exact name.
    body = await search(client, api_caller, type=[FONT], archived=True, limit=1)
    assert body["total_items"] == sum(
        e.type == FONT and e.archived_ms is not None for e in elements
    )
    assert body["libraries"] == []  # element-only parameters isolate elements
    body = await search(client, api_caller, group="g1", query_string="desert", limit=1)
    assert body["total_items"] == sum("desert" in e.name.split() and bool(e.data) for e in live)
    window = [T0 + 2000 * 1000, T0 + 2999 * 1000]
    body = await search(client, api_caller, asset_type=["element"], created_date=window)
    assert body["total_items"] == sum(window[0] <= e.created_ms <= window[1] for e in live)
    body = await search(
        client, api_caller, asset_type=["element"], modified_date=[T0 + 7, T0 + 9007]
    )
    assert body["total_items"] == sum(e.modified_ms <= T0 + 9007 for e in live)
    lib = ten_thousand["libraries"][3]
    body = await search(client, api_caller, library_id=lib.urn.lower(), query_string="river")
    assert body["total_items"] == sum(
        e.library_id == lib.id and "river" in e.name.split() for e in live
    )
    assert all(e["parent_id"] == lib.urn for e in body["elements"])
    body = await search(client, api_caller, name="canyon meadow 4085")
    assert _names(body["elements"]) == ["canyon meadow 4085"]
    assert body["libraries"] == []

    # Libraries: words match their names; at most 10 a page.
    body = await search(
        client, api_caller, asset_type=["library"], query_string="library", limit=50
    )
    assert body["total_items"] == 10 and len(body["libraries"]) == 10
    assert body["libraries"][0]["library_urn"].startswith("urn:aaid:sc:US:")


@pytest.mark.anyio
async def test_pages_follow_each_other_without_gaps_or_repeats(
    client: httpx.AsyncClient, api_caller: ApiCaller, ten_thousand: dict[str, Any]
) -> None:
    live = [e for e in ten_thousand["elements"] if e.archived_ms is None]
    expected = sorted(
        (e for e in live if "canyon" in e.name.split()), key=lambda e: e.name.casefold()
    )
    for order in ("name", "relevance"):
        found = await every_page(
            client,
            api_caller,
            asset_type=["element"],
            query_string="canyon",
            orderBy=order,
            limit=100,
        )
        assert len(found) == len(expected)
        assert {e["id"] for e in found} == {e.id for e in expected}
        if order == "name":
            assert [e["id"] for e in found] == [e.id for e in expected]
    newest = await search(client, api_caller, asset_type=["element"], type=[COLOR], limit=3)
    dates = [e["modified_date"] for e in newest["elements"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == max(e.modified_ms for e in live if e.type == COLOR)
    offset = await search(
        client, api_caller, asset_type=["element"], type=[COLOR], start="1", limit=2
    )
    assert [e["id"] for e in offset["elements"]] == [e["id"] for e in newest["elements"][1:]]


# The index follows every write --------------------------------------------------------------


@pytest.mark.anyio
async def test_the_index_follows_creates_renames_and_deletes(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    created = await client.post(
        "/api/v1/libraries", json={"name": "Aurora borealis"}, headers=api_caller.headers
    )
    assert created.status_code == 201
    urn = created.json()["library_urn"]
    body = await search(client, api_caller, query_string="borea")
    assert _names(body["libraries"]) == ["Aurora borealis"]
    renamed = await client.put(
        f"/api/v1/libraries/{urn}/metadata",
        json={"name": "Northern lights"},
        headers=api_caller.headers,
    )
    assert renamed.status_code == 204, renamed.text
    assert (await search(client, api_caller, query_string="borealis"))["total_items"] == 0
    assert (await search(client, api_caller, query_string="north"))["total_items"] == 1
    elements = f"/api/v1/libraries/{urn}/elements"
    made = await client.post(elements, json=COLOR_ELEMENT, headers=api_caller.headers)
    assert made.status_code == 201, made.text
    element_id = made.json()["elements"][0]["id"]
    assert _names((await search(client, api_caller, query_string="vermil"))["elements"]) == [
        "Vermilion"
    ]
    renames = {"elements": [{"id": element_id, "name": "Scarlet"}]}
    renamed = await client.put(f"{elements}/metadata", json=renames, headers=api_caller.headers)
    assert renamed.status_code == 204, renamed.text
    assert (await search(client, api_caller, query_string="vermilion"))["total_items"] == 0
    assert (await search(client, api_caller, query_string="scar"))["total_items"] == 1
    # Deleting the library deletes its elements by cascade: both leave the index.
    deleted = await client.delete(f"/api/v1/libraries/{urn}", headers=api_caller.headers)
    assert deleted.status_code in (200, 204)
    assert (await search(client, api_caller, query_string="north"))["total_items"] == 0
    assert (await search(client, api_caller, query_string="scarlet"))["total_items"] == 0


# Owner filters -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_owner_filters(
    app: Starlette, client: httpx.AsyncClient, api_callers: ApiCallers
) -> None:
    me, other = await api_callers.user(), await api_callers.user()
    assert me.user_id is not None and other.user_id is not None
    mine = library(me.user_id, "Mine alone")
    mine_shared = library(me.user_id, "Mine shared")
    theirs_shared = library(other.user_id, "Theirs shared")
    theirs_public = library(other.user_id, "Theirs public", published=True)
    theirs_private = library(other.user_id, "Theirs private")
    libs = [mine, mine_shared, theirs_shared, theirs_public, theirs_private]
    await seed(
        app.state.cclibs.db,
        libs,
        [element(lib.id, f"swatch of {lib.name}") for lib in libs],
        Seed(
            collaborators=[(mine_shared.id, other.user_id), (theirs_shared.id, me.user_id)],
            bookmarks=[(me.user_id, theirs_public.id), (me.user_id, theirs_private.id)],
        ),
    )

    async def names(owner: str) -> tuple[set[str], set[str]]:
        body = await search(client, me, owner=owner, query_string="swatch")
        libraries = set(_names((await search(client, me, owner=owner))["libraries"]))
        return libraries, {n.removeprefix("swatch of ") for n in _names(body["elements"])}

    assert await names("private") == ({"Mine alone"},) * 2
    assert await names("outgoing") == ({"Mine shared"},) * 2
    assert await names("incoming") == ({"Theirs shared"},) * 2
    assert await names("public") == ({"Theirs public"},) * 2
    everything = {"Mine alone", "Mine shared", "Theirs shared"}
    assert await names("all") == (everything, everything)
    body = await search(client, me, owner="all")
    ownership = {lib["name"]: lib["ownership"] for lib in body["libraries"]}
    assert ownership == {
        "Mine alone": "private",
        "Mine shared": "outgoing",
        "Theirs shared": "incoming",
    }


# Mistakes -----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"asset_type": ["library"], "library_id": "urn:aaid:sc:US:x"}, "library_id"),
        ({"asset_type": ["library"], "archived": True}, "archived"),
        ({"asset_type": ["library"], "type": [COLOR]}, "type"),
        ({"asset_type": ["library"], "group": "g"}, "group"),
        ({"asset_type": ["folder"]}, "asset_type"),
        ({"owner": "everyone"}, "owner"),
        ({"created_date": [5, 1]}, "created_date"),
        ({"modified_date": "yesterday"}, "modified_date"),
        ({"modified_date": [1.5, 2]}, "modified_date"),
        ({"limit": 0}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"orderBy": "relevance"}, "relevance"),
        ({"orderBy": "size"}, "orderBy"),
        ({"start": "next please"}, "start"),
        ({"start": "s1.bm90IGpzb24"}, "start"),
        ({"selector": "everything"}, "selector"),
        ({"archived": "yes"}, "archived"),
        ({"query_string": 7}, "query_string"),
        ({"library_id": "not-a-library"}, "library_id"),
        ({"source_ref": "x"}, "source_ref"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_mistakes_are_400(
    client: httpx.AsyncClient, api_caller: ApiCaller, payload: JSON, fragment: str
) -> None:
    response = await client.post(SEARCH, json=payload, headers=api_caller.headers)
    error_of(response, 400, fragment)


@pytest.mark.anyio
async def test_a_body_that_is_not_an_object_is_400_and_none_is_the_defaults(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    error_of(await client.post(SEARCH, json=[1], headers=api_caller.headers), 400)
    empty = await client.post(SEARCH, headers=api_caller.headers)
    assert empty.status_code == 200
    assert empty.json() == {
        "total_items": 0,
        "libraries": [],
        "elements": [],
        "_page": {"orderBy": "-modified_date", "count": 0},
    }
    error_of(await client.post(SEARCH, json={}), 401)
