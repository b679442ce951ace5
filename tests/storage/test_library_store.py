"""SqlLibraryStore in the real database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg.prepared_stmt
import pytest
from sqlalchemy import event, select

from cclibs.accounts.models import NewUser
from cclibs.libraries.models import (
    Asset,
    Element,
    ElementFilter,
    Library,
    Ordering,
    Position,
    SortKey,
)
from cclibs.storage import Database
from cclibs.storage.accounts import SqlAccountTransactions
from cclibs.storage.libraries import SqlLibraryStore, SqlLibraryTransactions
from cclibs.storage.sqlite_loop import LoopDBAPIConnection
from cclibs.storage.tables import LibraryElementAssetRow, LibraryElementRow

pytestmark = pytest.mark.anyio

OWNER = "user-ada"
OTHER = "user-bob"
COLOR = "application/vnd.adobe.element.color+dcx"
IMAGE = "application/vnd.adobe.element.image+dcx"
DEFAULT = Ordering((SortKey("modified_date", descending=True),))
ORDERINGS = [
    Ordering((SortKey("name", descending=False),)),
    Ordering((SortKey("name", descending=True),)),
    Ordering((SortKey("modified_date", descending=False),)),
    DEFAULT,
    Ordering((SortKey("created_date", descending=False),)),
    Ordering((SortKey("created_date", descending=True),)),
    Ordering((SortKey("name", descending=False), SortKey("modified_date", descending=True))),
]
# Ties once case-folded; ASCII letters only, so every collation sorts them as Python does.
NAMES = ["alpha", "Alpha", "ALPHA", "beta", "Gamma", "gamma", "delta"]


def _id() -> str:
    return str(uuid.uuid4())


@dataclass
class World:
    db: Database
    tx: SqlLibraryTransactions


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    db = Database(database_url)
    try:
        async with SqlAccountTransactions(db).write() as accounts:
            for user_id in (OWNER, OTHER):
                await accounts.add_user(
                    NewUser(
                        id=user_id,
                        email=f"{user_id}@example.com",
                        name=user_id,
                        password_hash="not-a-real-hash",
                        is_admin=False,
                        created_at=datetime.now(UTC),
                    )
                )
        yield World(db, SqlLibraryTransactions(db))
    finally:
        await db.dispose()


# --- Factories -----------------------------------------------------------------------------


def make_library(**changes: Any) -> Library:
    library = Library(
        id=_id(),
        owner_id=OWNER,
        name="Brand",
        created_ms=1_000,
        modified_ms=1_000,
        version=1,
        elements_count=0,
        archived_count=0,
        storage_used=0,
    )
    return replace(library, **changes)


def make_element(library_id: str, **changes: Any) -> Element:
    element = Element(
        id=_id(),
        library_id=library_id,
        name="Red",
        type=COLOR,
        created_ms=2_000,
        modified_ms=2_000,
        archived_ms=None,
        version=1,
        data={},
        representations=(),
    )
    return replace(element, **changes)


def make_asset(library_id: str, **changes: Any) -> Asset:
    asset = Asset(
        id=_id(),
        library_id=library_id,
        owner_id=OWNER,
        blob_key="ab" * 32,
        type="image/png",
        content_length=10,
        md5="1B2M2Y8AsgTpgAmY7PhCfg==",
        created_ms=3_000,
    )
    return replace(asset, **changes)


def uploaded(*asset_ids: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"id": f"rep-{n}", "type": "image/png", "asset_id": asset_id}
        for n, asset_id in enumerate(asset_ids)
    )


def in_groups(*keys: tuple[str | None, str]) -> dict[str, Any]:
    return {"groups": [{"classifier": c, "id": i} if c else {"id": i} for c, i in keys]}


async def add_library(world: World, **changes: Any) -> Library:
    library = make_library(**changes)
    async with world.tx.write() as store:
        await store.insert_library(library)
    return library


async def add_elements(world: World, *elements: Element) -> None:
    async with world.tx.write() as store:
        for element in elements:
            await store.insert_element(element)


async def linked_assets(world: World, element_id: str) -> set[str]:
    async with world.db.read() as session:
        rows = await session.scalars(
            select(LibraryElementAssetRow.asset_id).where(
                LibraryElementAssetRow.element_id == element_id
            )
        )
        return set(rows)


# --- Ordering as the store must apply it ---------------------------------------------------


def _value(item: Library | Element, field: str) -> str | int:
    if field == "name":
        return item.name.casefold()
    return item.modified_ms if field == "modified_date" else item.created_ms


def position_of(item: Library | Element, ordering: Ordering) -> Position:
    return Position(tuple(_value(item, key.field) for key in ordering.keys), item.id)


ItemT = TypeVar("ItemT", Library, Element)


def sorted_as(items: Sequence[ItemT], ordering: Ordering) -> list[ItemT]:
    # Stable sorts, last key first (id ascending breaks the remaining ties).
    result = sorted(items, key=lambda item: item.id)
    for key in reversed(ordering.keys):
        result.sort(key=lambda item: _value(item, key.field), reverse=key.descending)
    return result


def comes_after(item: Element, position: Position, ordering: Ordering) -> bool:
    for key, value in zip(ordering.keys, position.values, strict=True):
        mine = _value(item, key.field)
        if mine != value:
            return (mine < value) if key.descending else (mine > value)  # type: ignore[operator]
    return item.id > position.id


async def list_page(
    world: World,
    library_id: str,
    ordering: Ordering,
    *,
    where: ElementFilter | None = None,
    after: Position | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[Element]:
    async with world.tx.read() as store:
        return await store.list_elements(
            library_id, where or ElementFilter(), ordering, after=after, offset=offset, limit=limit
        )


def _tied(library_id: str, count: int) -> list[Element]:
    """Elements with ties on the case-folded name, on modified_ms and on created_ms."""
    elements = [
        make_element(
            library_id,
            name=NAMES[n % len(NAMES)],
            created_ms=10_000 + n // 2,
            modified_ms=20_000 + (n * 7 % 13),
        )
        for n in range(count)
    ]
    return elements


# --- Libraries -----------------------------------------------------------------------------


async def test_a_library_round_trip(world: World) -> None:
    library = await add_library(world, name="Marca Ñandú ☃")
    async with world.tx.read() as store:
        assert await store.library(library.id) == library
        assert await store.library(_id()) is None
        assert await store.count_libraries(OWNER) == 1
        assert await store.count_libraries(OTHER) == 0

    changed = replace(
        library,
        name="Renamed",
        modified_ms=5_000,
        version=7,
        elements_count=3,
        archived_count=2,
        storage_used=12_345_678_901,
    )
    async with world.tx.write() as store:
        assert await store.library(library.id, lock=True) == library
        await store.update_library(changed)
        assert await store.library(library.id, lock=True) == changed
    async with world.tx.read() as store:
        assert await store.library(library.id) == changed


async def test_deleting_a_library_removes_its_elements_links_and_assets(world: World) -> None:
    library = await add_library(world)
    kept = await add_library(world, name="Kept")
    asset = make_asset(library.id, blob_key="aa" * 32)
    kept_asset = make_asset(kept.id, blob_key="bb" * 32)
    element = make_element(library.id, representations=uploaded(asset.id))
    kept_element = make_element(kept.id, representations=uploaded(kept_asset.id))
    async with world.tx.write() as store:
        await store.insert_asset(asset)
        await store.insert_asset(kept_asset)
        await store.insert_element(element)
        await store.insert_element(kept_element)

    async with world.tx.write() as store:
        await store.delete_library(library.id)
        assert await store.library(library.id) is None

    async with world.tx.read() as store:
        assert await store.library(library.id) is None
        assert await store.element(library.id, element.id) is None
        assert await store.asset(asset.id) is None
        assert not await store.blob_in_use(asset.blob_key)
        assert await store.library(kept.id) == kept
        assert await store.element(kept.id, kept_element.id) == kept_element
        assert await store.asset(kept_asset.id) == kept_asset
    assert await linked_assets(world, element.id) == set()
    assert await linked_assets(world, kept_element.id) == {kept_asset.id}


async def test_concurrent_writers_to_one_library_lose_no_update(world: World) -> None:
    library = await add_library(world)

    async def bump() -> None:
        async with world.tx.write() as store:
            current = await store.library(library.id, lock=True)
            assert current is not None
            await asyncio.sleep(0.01)  # the others are waiting for the row (or the writer)
            await store.update_library(replace(current, version=current.version + 1))

    await asyncio.wait_for(asyncio.gather(*(bump() for _ in range(8))), 60)
    async with world.tx.read() as store:
        after = await store.library(library.id)
    assert after is not None
    assert after.version == library.version + 8


@pytest.mark.parametrize("ordering", ORDERINGS, ids=Ordering.text)
async def test_libraries_page_by_keyset(world: World, ordering: Ordering) -> None:
    mine = [
        make_library(
            name=NAMES[n % len(NAMES)], created_ms=100 + n // 2, modified_ms=200 + n * 5 % 4
        )
        for n in range(11)
    ]
    async with world.tx.write() as store:
        for library in mine:
            await store.insert_library(library)
        await store.insert_library(make_library(owner_id=OTHER, name="Not mine"))

    pages: list[Library] = []
    after: Position | None = None
    while True:
        async with world.tx.read() as store:
            page = await store.list_libraries(OWNER, ordering, after=after, offset=0, limit=3)
        pages += page
        if len(page) < 3:
            break
        after = position_of(page[-1], ordering)
    assert pages == sorted_as(mine, ordering)

    async with world.tx.read() as store:
        by_offset = await store.list_libraries(OWNER, ordering, after=None, offset=4, limit=3)
    assert by_offset == pages[4:7]


# --- Elements ------------------------------------------------------------------------------


async def test_an_element_round_trip(world: World) -> None:
    library = await add_library(world)
    asset = make_asset(library.id)
    element = make_element(
        library.id,
        name='Ünïcødé ☃ 日本語 "quoted" \\ back',
        type=IMAGE,
        archived_ms=9_999,
        version=4,
        storage_used=2**40,
        data={
            "description": "Ελληνικά — emoji 🎨",
            "details": {"nested": {"list": [1, 2.5, None, True, {"deep": ["x", []]}]}},
            "groups": [{"classifier": "$default", "id": "g1"}],
            "client": {"deviceId": "d", "app": "Ps"},
            "unknownKey": {"kept": "as given"},
        },
        representations=(
            {"id": "r1", "type": "image/png", "asset_id": asset.id, "width": 640},
            {"id": "r2", "type": "application/json", "content": {"r": 255, "g": 0}},
        ),
    )
    async with world.tx.write() as store:
        await store.insert_asset(asset)
        await store.insert_element(element)
    async with world.tx.read() as store:
        assert await store.element(library.id, element.id) == element
        assert await store.element(_id(), element.id) is None  # another library's id
        assert await store.asset(asset.id) == asset
    assert await linked_assets(world, element.id) == {asset.id}
    async with world.db.read() as session:
        row = await session.get(LibraryElementRow, element.id)
    assert row is not None
    assert "☃" in row.name and "🎨" in row.data  # JSON kept as written, not \u-escaped
    assert ", " not in row.data and '": ' not in row.data
    assert row.archived is True
    assert row.group_keys == " $default#g1 "


async def test_update_writes_every_field_and_replaces_the_asset_links(world: World) -> None:
    library = await add_library(world)
    first, second, third = (make_asset(library.id) for _ in range(3))
    element = make_element(library.id, representations=uploaded(first.id, second.id))
    async with world.tx.write() as store:
        for asset in (first, second, third):
            await store.insert_asset(asset)
        await store.insert_element(element)
    assert await linked_assets(world, element.id) == {first.id, second.id}

    changed = replace(
        element,
        name="Blue",
        type=IMAGE,
        modified_ms=8_000,
        archived_ms=8_000,
        version=2,
        storage_used=99,
        data=in_groups((None, "g2")),
        representations=uploaded(second.id, third.id),
    )
    async with world.tx.write() as store:
        await store.update_element(changed)
        assert await store.element(library.id, element.id) == changed
    async with world.tx.read() as store:
        assert await store.element(library.id, element.id) == changed
    assert await linked_assets(world, element.id) == {second.id, third.id}

    async with world.tx.write() as store:
        await store.update_element(replace(changed, representations=()))
    assert await linked_assets(world, element.id) == set()


async def test_elements_come_in_the_order_given(world: World) -> None:
    library = await add_library(world)
    other = await add_library(world, name="Other")
    one, two = make_element(library.id), make_element(library.id, archived_ms=5)
    three, elsewhere = make_element(library.id), make_element(other.id)
    await add_elements(world, one, two, three, elsewhere)
    async with world.tx.read() as store:
        found = await store.elements(
            library.id, [three.id, _id(), one.id, elsewhere.id, one.id, two.id]
        )
        assert found == [three, one, two]
        assert await store.elements(library.id, []) == []


async def test_many_ids_at_once(world: World) -> None:
    library = await add_library(world)
    elements = [make_element(library.id) for _ in range(1_200)]
    await add_elements(world, *elements)
    wanted = [e.id for e in reversed(elements)]
    async with world.tx.read() as store:
        assert [e.id for e in await store.elements(library.id, wanted)] == wanted
    async with world.tx.write() as store:
        await store.delete_elements(library.id, wanted[:1_100])
    async with world.tx.read() as store:
        assert await store.count_elements(library.id, ElementFilter()) == 100


async def test_deleting_elements_removes_their_links(world: World) -> None:
    library = await add_library(world)
    other = await add_library(world, name="Other")
    asset = make_asset(library.id)
    gone = make_element(library.id, representations=uploaded(asset.id))
    kept = make_element(library.id, representations=uploaded(asset.id))
    same_id_elsewhere = make_element(other.id)
    async with world.tx.write() as store:
        await store.insert_asset(asset)
    await add_elements(world, gone, kept, same_id_elsewhere)

    async with world.tx.write() as store:
        # An id from another library is not this library's to delete.
        await store.delete_elements(library.id, [gone.id, same_id_elsewhere.id])
    async with world.tx.read() as store:
        assert await store.element(library.id, gone.id) is None
        assert await store.element(library.id, kept.id) == kept
        assert await store.element(other.id, same_id_elsewhere.id) == same_id_elsewhere
    assert await linked_assets(world, gone.id) == set()
    assert await linked_assets(world, kept.id) == {asset.id}


# --- Listing elements ----------------------------------------------------------------------


@pytest.mark.parametrize("ordering", ORDERINGS, ids=Ordering.text)
async def test_elements_page_by_keyset_with_ties(world: World, ordering: Ordering) -> None:
    library = await add_library(world)
    elements = _tied(library.id, 57)
    await add_elements(world, *elements)

    full = await list_page(world, library.id, ordering)
    assert full == sorted_as(elements, ordering)

    pages: list[Element] = []
    after: Position | None = None
    while True:
        page = await list_page(world, library.id, ordering, after=after, limit=10)
        pages += page
        if len(page) < 10:
            break
        after = position_of(page[-1], ordering)
    assert len(pages) == 57
    assert len({e.id for e in pages}) == 57
    assert pages == full


@pytest.mark.parametrize("ordering", ORDERINGS, ids=Ordering.text)
async def test_keyset_pages_stay_whole_while_elements_are_added(
    world: World, ordering: Ordering
) -> None:
    library = await add_library(world)
    elements = _tied(library.id, 57)
    await add_elements(world, *elements)

    pages: list[Element] = []
    passed: set[str] = set()  # added where the listing had already been
    after: Position | None = None
    round_ = 0
    while True:
        page = await list_page(world, library.id, ordering, after=after, limit=10)
        pages += page
        if len(page) < 10:
            break
        after = position_of(page[-1], ordering)
        round_ += 1
        # Around the page boundary (equal values, ids either side) and at both ends.
        added = [
            replace(page[-1], id=_id(), version=round_),
            replace(page[-1], id=_id(), version=round_),
            make_element(library.id, name="aaa", created_ms=1, modified_ms=1),
            make_element(library.id, name="zzz", created_ms=99_999, modified_ms=99_999),
        ]
        await add_elements(world, *added)
        passed |= {e.id for e in added if not comes_after(e, after, ordering)}

    final = await list_page(world, library.id, ordering)
    assert len({e.id for e in pages}) == len(pages)
    assert pages == [e for e in final if e.id not in passed]
    assert {e.id for e in elements} <= {e.id for e in pages}
    assert passed  # the test did add behind the listing
    assert len(final) - len(pages) == len(passed)


async def test_elements_page_by_offset(world: World) -> None:
    library = await add_library(world)
    await add_elements(world, *_tied(library.id, 57))
    full = await list_page(world, library.id, DEFAULT)
    pages: list[Element] = []
    for offset in range(0, 60, 10):
        pages += await list_page(world, library.id, DEFAULT, offset=offset, limit=10)
    assert pages == full
    assert await list_page(world, library.id, DEFAULT, offset=57, limit=10) == []


async def test_a_position_that_does_not_fit_the_ordering_is_refused(world: World) -> None:
    library = await add_library(world)
    for values in [(1, 2), (), ("2026-12-05",), (True,)]:
        with pytest.raises(ValueError, match="position"):
            await list_page(world, library.id, DEFAULT, after=Position(values, _id()))
    by_name = Ordering((SortKey("name", descending=False),))
    with pytest.raises(ValueError, match="position"):
        await list_page(world, library.id, by_name, after=Position((3,), _id()))


async def test_the_default_listing_seeks_its_index(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = await add_library(world)
    await add_elements(world, *_tied(library.id, 30))
    statements: list[tuple[str, Any]] = []

    def capture(*args: Any) -> None:
        statements.append((args[2], args[3]))

    explain = "EXPLAIN QUERY PLAN " if world.db.is_sqlite else "EXPLAIN "
    async with world.db.read() as session:
        conn = await session.connection()
        # Core's statements fire the cursor events; the store's reads go to the driver
        # (cclibs.storage.direct): on a SQLite file its trace callback sees them (the text with
        # its values in place; the plan shows bound and literal values alike as ?), on
        # PostgreSQL the prepared statement's execution.
        event.listen(conn.sync_connection, "before_cursor_execute", capture)
        driver = (await conn.get_raw_connection()).dbapi_connection
        if isinstance(driver, LoopDBAPIConnection):
            driver.raw.set_trace_callback(lambda text: statements.append((text, ())))
        else:
            fetch = asyncpg.prepared_stmt.PreparedStatement.fetch

            async def logged(self: Any, *args: Any, **kwargs: Any) -> Any:
                statements.append((self.get_query(), args))
                return await fetch(self, *args, **kwargs)

            monkeypatch.setattr(asyncpg.prepared_stmt.PreparedStatement, "fetch", logged)
        after = Position((20_005,), _id())
        await SqlLibraryStore(session).list_elements(
            library.id, ElementFilter(), DEFAULT, after=after, offset=0, limit=10
        )
        event.remove(conn.sync_connection, "before_cursor_execute", capture)
        if isinstance(driver, LoopDBAPIConnection):
            driver.raw.set_trace_callback(None)
        # (The read transaction begins with its first statement.)
        [(statement, parameters)] = [s for s in statements if s[0] != "BEGIN"]
        result = await conn.exec_driver_sql(explain + statement, parameters)
        plan = "\n".join(str(row[-1]) for row in result)
    if world.db.is_sqlite:
        assert "USING INDEX ix_library_elements_modified" in plan
        assert "modified_ms<?" in plan  # a seek, not a scan from the first page
    # PostgreSQL's planner picks by table statistics; a 30-row table is read whole.


async def test_filters(world: World) -> None:
    library = await add_library(world)
    other = await add_library(world, name="Other")
    tricky = "a%b_c#x/1"
    red = make_element(library.id, data=in_groups((None, "g1"), ("brand", "g2")))
    blue = make_element(library.id, type=IMAGE, data=in_groups(("brand", "g2")))
    plain = make_element(library.id)
    old = make_element(library.id, archived_ms=7, data=in_groups((None, "g1")))
    old_plain = make_element(library.id, type=IMAGE, archived_ms=8)
    percent = make_element(library.id, data=in_groups(("a%b_c", "x/1")))
    lookalike = make_element(library.id, data=in_groups(("aXbYc", "x/1")))
    spaced = make_element(library.id, data=in_groups(("my brand", "g2")))
    elsewhere = make_element(other.id, data=in_groups((None, "g1")))
    await add_elements(
        world, red, blue, plain, old, old_plain, percent, lookalike, spaced, elsewhere
    )

    cases: list[tuple[ElementFilter, list[Element]]] = [
        (ElementFilter(), [red, blue, plain, percent, lookalike, spaced]),
        (ElementFilter(archived=True), [old, old_plain]),
        (ElementFilter(types=(IMAGE,)), [blue]),
        (ElementFilter(types=(IMAGE, COLOR)), [red, blue, plain, percent, lookalike, spaced]),
        (ElementFilter(types=("application/vnd.none",)), []),
        (ElementFilter(group="$default#g1"), [red]),
        (ElementFilter(group="$DEFAULT#G1"), []),
        (ElementFilter(group="brand#g2"), [red, blue]),
        (ElementFilter(group="brand#g"), []),
        (ElementFilter(group="my brand#g2"), [spaced]),
        (ElementFilter(group=tricky), [percent]),
        (ElementFilter(group="$none$"), [plain]),
        (ElementFilter(archived=True, group="$none$"), [old_plain]),
        (ElementFilter(archived=True, group="$default#g1"), [old]),
        (ElementFilter(types=(IMAGE,), group="brand#g2"), [blue]),
        (ElementFilter(types=(COLOR,), group="$none$"), [plain]),
    ]
    async with world.tx.read() as store:
        for where, expected in cases:
            listed = await store.list_elements(
                library.id, where, DEFAULT, after=None, offset=0, limit=100
            )
            assert {e.id for e in listed} == {e.id for e in expected}, where
            assert await store.count_elements(library.id, where) == len(expected), where


async def test_element_type_counts_are_of_live_elements(world: World) -> None:
    library = await add_library(world)
    other = await add_library(world, name="Other")
    await add_elements(
        world,
        *(make_element(library.id) for _ in range(3)),
        make_element(library.id, type=IMAGE),
        make_element(library.id, type=IMAGE, archived_ms=1),
        make_element(library.id, type="application/vnd.adobe.element.font+dcx", archived_ms=1),
        make_element(other.id, type=IMAGE),
    )
    async with world.tx.read() as store:
        assert await store.element_type_counts(library.id) == {COLOR: 3, IMAGE: 1}
        assert await store.element_type_counts(_id()) == {}


# --- Uploaded assets -----------------------------------------------------------------------


async def test_unreferenced_assets_and_blobs_in_use(world: World) -> None:
    library = await add_library(world)
    shared = "cd" * 32
    linked = make_asset(library.id, blob_key=shared, created_ms=100)
    orphan = make_asset(library.id, blob_key=shared, created_ms=200)
    unlinked_later = make_asset(library.id, created_ms=300)
    fresh = make_asset(library.id, created_ms=5_000)
    element = make_element(library.id, representations=uploaded(linked.id))
    async with world.tx.write() as store:
        for asset in (fresh, unlinked_later, orphan, linked):
            await store.insert_asset(asset)
        await store.insert_element(element)

    async with world.tx.read() as store:
        assert await store.unreferenced_assets(1_000, 10) == [orphan, unlinked_later]
        assert await store.unreferenced_assets(1_000, 1) == [orphan]
        assert await store.unreferenced_assets(200, 10) == []
        assert await store.unreferenced_assets(10_000, 10) == [orphan, unlinked_later, fresh]

    async with world.tx.write() as store:
        await store.delete_assets([orphan.id, unlinked_later.id])
        assert await store.asset(orphan.id) is None
        assert await store.blob_in_use(shared)  # the linked asset still names it

    # Once no element uses it, it is garbage; once deleted, its blob is free.
    async with world.tx.write() as store:
        await store.update_element(replace(element, representations=(), version=2))
    async with world.tx.read() as store:
        assert await store.unreferenced_assets(1_000, 10) == [linked]
    async with world.tx.write() as store:
        await store.delete_assets([linked.id])
    async with world.tx.read() as store:
        assert not await store.blob_in_use(shared)
        assert not await store.blob_in_use("ef" * 32)
        assert await store.blob_in_use(fresh.blob_key)


async def test_deleting_an_asset_drops_its_links(world: World) -> None:
    library = await add_library(world)
    asset, kept = make_asset(library.id), make_asset(library.id)
    element = make_element(library.id, representations=uploaded(asset.id, kept.id))
    async with world.tx.write() as store:
        await store.insert_asset(asset)
        await store.insert_asset(kept)
        await store.insert_element(element)
        await store.delete_assets([asset.id])
    assert await linked_assets(world, element.id) == {kept.id}
