"""SQL implementation of ``cclibs.libraries.ports``.

Listings are keyset-paginated: a page after a ``Position`` starts from an index seek, not from
skipping every row before it (see ``_after``). Rows read here are refreshed from the database
(``populate_existing``) so that a row locked, or changed by a statement, earlier in the same
transaction is never served from the session's stale copy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter

from cclibs.libraries.collaboration import OwnerFilter
from cclibs.libraries.models import (
    Asset,
    Element,
    ElementFilter,
    Library,
    Ordering,
    Position,
    Upload,
    UploadPart,
)
from cclibs.storage.db import Database
from cclibs.storage.library_rows import (
    asset_columns,
    asset_of,
    element_columns,
    element_of,
    group_token,
    library_columns,
)
from cclibs.storage.sharing import SharingQueries, library_query, library_with, owner_condition
from cclibs.storage.tables import (
    LibraryAssetRow,
    LibraryElementAssetRow,
    LibraryElementRow,
    LibraryRow,
    LibraryUploadPartRow,
    LibraryUploadRow,
)
from cclibs.storage.transactions import SqlTransactions
from cclibs.storage.webhooks import note_library_deleted, write_outbox
from cclibs.webhooks.changes import ChangeSet

__all__ = ["SqlLibraryStore", "SqlLibraryTransactions"]

RowT = TypeVar("RowT")

_NO_GROUP = "$none$"
_BATCH = 500
"""Ids per ``IN (...)``: far below SQLite's and asyncpg's bound-parameter limits."""

_LIBRARY_SORT: Mapping[str, QueryableAttribute[Any]] = {
    "name": LibraryRow.name_key,
    "modified_date": LibraryRow.modified_ms,
    "created_date": LibraryRow.created_ms,
}
_ELEMENT_SORT: Mapping[str, QueryableAttribute[Any]] = {
    "name": LibraryElementRow.name_key,
    "modified_date": LibraryElementRow.modified_ms,
    "created_date": LibraryElementRow.created_ms,
}


# Queries ------------------------------------------------------------------------------------


def _batches(ids: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _BATCH):
        yield unique[start : start + _BATCH]


def _fitting(keys: Sequence[tuple[QueryableAttribute[Any], bool]], position: Position) -> Position:
    """``position``, when its values are of the ordering's keys (a cursor of another
    ordering, or a forged one, is refused with ValueError)."""
    fits = len(position.values) == len(keys) and all(
        type(value) is column.type.python_type
        for (column, _), value in zip(keys, position.values, strict=False)
    )
    if not fits:
        raise ValueError("the position does not fit the ordering")
    return position


def _after(
    keys: Sequence[tuple[QueryableAttribute[Any], bool]],
    id_column: QueryableAttribute[str],
    values: Sequence[Any],
    after_id: Any,
) -> ColumnElement[bool]:
    """Rows strictly after the position (``values`` of ``keys``, then ``after_id``) in the
    order ``keys`` (each ascending or descending), then id ascending:
    ``k1 ≻ v1 OR (k1 = v1 AND k2 ≻ v2) OR ... OR (all equal AND id > id0)``.
    Mixed directions rule out a row-value comparison. The OR alone gives no index a range to
    seek, so the first key's bound (``k1 ⪰ v1``) is added: the index seeks there and the
    listing's last page costs what its first does. The values may be bound parameters."""
    branches: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for (column, descending), value in zip(keys, values, strict=True):
        branches.append(and_(*equal, column < value if descending else column > value))
        equal.append(column == value)
    branches.append(and_(*equal, id_column > after_id))
    if not keys:
        return branches[0]
    first, descending = keys[0]
    seek = first <= values[0] if descending else first >= values[0]
    return and_(seek, or_(*branches))


def _paged(
    query: Select[RowT],
    sort_columns: Mapping[str, QueryableAttribute[Any]],
    id_column: QueryableAttribute[str],
    sort: tuple[tuple[str, bool], ...],
    keyset: bool,
) -> Select[RowT]:
    """``query`` ordered by ``sort`` then id, limited by the bound ``limit``, and starting after
    the bound position (``after_0``..., ``after_id``) or at the bound ``offset``
    (``_page_params`` gives their values)."""
    keys = [(sort_columns[field], descending) for field, descending in sort]
    order = [column.desc() if descending else column.asc() for column, descending in keys]
    query = query.order_by(*order, id_column.asc()).limit(bindparam("limit", type_=Integer()))
    if not keyset:
        return query.offset(bindparam("offset", type_=Integer()))
    values: list[BindParameter[Any]] = [bindparam(f"after_{n}") for n in range(len(keys))]
    return query.where(_after(keys, id_column, values, bindparam("after_id")))


_USER = bindparam("user_id", type_=String())
_ELEMENT_COLUMNS = tuple(cast(Table, LibraryElementRow.__table__).c)


@lru_cache(maxsize=64)
def _library_page(
    owner: OwnerFilter, sort: tuple[tuple[str, bool], ...], keyset: bool
) -> Select[Any]:
    """The library list's page query, made once for each filter, ordering and kind of page:
    the caller, the position, the offset and the limit are bound parameters. A statement used
    again keeps its cache key, which SQLAlchemy would otherwise work out on each execution as
    it did for a query built afresh (with the building, two thirds of the list's SQL time)."""
    query = library_query(_USER).where(owner_condition(_USER, owner))
    return _paged(query, _LIBRARY_SORT, LibraryRow.id, sort, keyset)


@lru_cache(maxsize=8)
def _library_count(owner: OwnerFilter) -> Select[int]:
    return select(func.count()).select_from(LibraryRow).where(owner_condition(_USER, owner))


_GroupMode = Literal["any", "none", "one"]


def _group_mode(where: ElementFilter) -> _GroupMode:
    if where.group is None:
        return "any"
    return "none" if where.group == _NO_GROUP else "one"


def _element_conditions(has_types: bool, group: _GroupMode) -> list[ColumnElement[bool]]:
    """The element filter with bound parameters (``_element_params`` gives their values)."""
    row = LibraryElementRow
    conditions = [
        row.library_id == bindparam("library_id", type_=String()),
        row.archived == bindparam("archived", type_=Boolean()),
    ]
    if has_types:
        conditions.append(row.type.in_(bindparam("types", expanding=True)))
    if group == "none":
        conditions.append(row.group_keys == " ")
    elif group == "one":
        token = bindparam("group_token", type_=String())
        conditions.append(row.group_keys.like(bindparam("group_like", type_=String()), escape="/"))
        # SQLite's LIKE ignores ASCII case; replace() is exact on both backends.
        conditions.append(func.replace(row.group_keys, token, "") != row.group_keys)
    return conditions


def _element_params(library_id: str, where: ElementFilter) -> dict[str, Any]:
    params: dict[str, Any] = {"library_id": library_id, "archived": where.archived}
    if where.types:
        params["types"] = list(where.types)
    if _group_mode(where) == "one" and where.group is not None:
        token = f" {group_token(where.group)} "
        escaped = token.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["group_token"] = token
        params["group_like"] = f"%{escaped}%"
    return params


@lru_cache(maxsize=128)
def _element_page(
    sort: tuple[tuple[str, bool], ...], keyset: bool, has_types: bool, group: _GroupMode
) -> Select[Any]:
    """The element list's page query, made once for each shape (see ``_library_page``): the
    element table's columns, read as Core rows (a page of 100 loads no ORM instances)."""
    query = select(*_ELEMENT_COLUMNS).where(*_element_conditions(has_types, group))
    return _paged(query, _ELEMENT_SORT, LibraryElementRow.id, sort, keyset)


@lru_cache(maxsize=16)
def _element_count(has_types: bool, group: _GroupMode) -> Select[int]:
    return (
        select(func.count())
        .select_from(LibraryElementRow)
        .where(*_element_conditions(has_types, group))
    )


def _page_params(
    sort_columns: Mapping[str, QueryableAttribute[Any]],
    sort: tuple[tuple[str, bool], ...],
    after: Position | None,
    offset: int,
    limit: int,
) -> dict[str, Any]:
    """The limit, and the offset or the position, of a page query made once."""
    params: dict[str, Any] = {"limit": limit}
    if after is None:
        params["offset"] = offset
        return params
    position = _fitting([(sort_columns[field], descending) for field, descending in sort], after)
    params.update((f"after_{n}", value) for n, value in enumerate(position.values))
    params["after_id"] = position.id
    return params


class SqlLibraryStore(SharingQueries):
    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self.changes = ChangeSet()
        """What this transaction changed: the webhooks outbox is written from it at commit."""

    async def _rows(self, query: Select[RowT]) -> Sequence[RowT]:
        return (await self._s.scalars(query.execution_options(populate_existing=True))).all()

    async def _row(self, query: Select[RowT]) -> RowT | None:
        rows = await self._rows(query)
        return rows[0] if rows else None

    # Libraries ---------------------------------------------------------------------------

    async def insert_library(self, library: Library) -> None:
        await self._s.execute(insert(LibraryRow).values(**library_columns(library)))
        self.changes.library_written(library, created=True)

    async def library(
        self, library_id: str, *, lock: bool = False, for_user: str | None = None
    ) -> Library | None:
        query = library_query(for_user).where(LibraryRow.id == library_id)
        # FOR UPDATE on PostgreSQL (of the library row alone: the collaborator side of the
        # outer join may be NULL); SQLite's write transactions are serial already.
        if lock:
            query = query.with_for_update(of=LibraryRow)
        conn = await self._s.connection()  # Core rows (see list_libraries)
        row = (await conn.execute(query)).first()
        return library_with(row) if row else None

    async def update_library(self, library: Library) -> None:
        await self._s.execute(
            update(LibraryRow).where(LibraryRow.id == library.id).values(**library_columns(library))
        )
        self.changes.library_written(library)

    async def delete_library(self, library_id: str) -> None:
        # Elements, assets and their links go by ON DELETE CASCADE.
        await note_library_deleted(self._s, self.changes, library_id)
        await self._s.execute(delete(LibraryRow).where(LibraryRow.id == library_id))

    async def list_libraries(
        self,
        user_id: str,
        ordering: Ordering,
        *,
        after: Position | None,
        offset: int,
        limit: int,
        owner: OwnerFilter = "all",
    ) -> list[Library]:
        sort = tuple((key.field, key.descending) for key in ordering.keys)
        params = _page_params(_LIBRARY_SORT, sort, after, offset, limit)
        params["user_id"] = user_id
        query = _library_page(owner, sort, keyset=after is not None)
        # On the session's connection: Core rows, without the ORM's execution and loading.
        conn = await self._s.connection()
        return [library_with(row) for row in await conn.execute(query, params)]

    async def count_libraries(self, user_id: str, owner: OwnerFilter = "all") -> int:
        conn = await self._s.connection()
        return int(await conn.scalar(_library_count(owner), {"user_id": user_id}) or 0)

    # Elements ----------------------------------------------------------------------------

    async def _link(self, element: Element) -> None:
        links = [{"element_id": element.id, "asset_id": a} for a in sorted(element.asset_ids)]
        if links:
            await self._s.execute(insert(LibraryElementAssetRow), links)

    async def insert_element(self, element: Element) -> None:
        await self._s.execute(insert(LibraryElementRow).values(**element_columns(element)))
        await self._link(element)
        self.changes.element_written(element, created=True)

    async def element(self, library_id: str, element_id: str) -> Element | None:
        row = await self._row(
            select(LibraryElementRow).where(
                LibraryElementRow.library_id == library_id, LibraryElementRow.id == element_id
            )
        )
        return element_of(row) if row else None

    async def elements(self, library_id: str, element_ids: Sequence[str]) -> list[Element]:
        found: dict[str, Element] = {}
        for batch in _batches(element_ids):
            rows = await self._rows(
                select(LibraryElementRow).where(
                    LibraryElementRow.library_id == library_id, LibraryElementRow.id.in_(batch)
                )
            )
            found.update((row.id, element_of(row)) for row in rows)
        return [found[id_] for id_ in dict.fromkeys(element_ids) if id_ in found]

    async def update_element(self, element: Element) -> None:
        await self._s.execute(
            update(LibraryElementRow)
            .where(LibraryElementRow.id == element.id)
            .values(**element_columns(element))
        )
        await self._s.execute(
            delete(LibraryElementAssetRow).where(LibraryElementAssetRow.element_id == element.id)
        )
        await self._link(element)
        self.changes.element_written(element)

    async def delete_elements(self, library_id: str, element_ids: Sequence[str]) -> None:
        # Their asset links go by ON DELETE CASCADE.
        self.changes.elements_deleted(library_id, element_ids)
        for batch in _batches(element_ids):
            await self._s.execute(
                delete(LibraryElementRow).where(
                    LibraryElementRow.library_id == library_id, LibraryElementRow.id.in_(batch)
                )
            )

    async def list_elements(
        self,
        library_id: str,
        where: ElementFilter,
        ordering: Ordering,
        *,
        after: Position | None,
        offset: int,
        limit: int,
    ) -> list[Element]:
        sort = tuple((key.field, key.descending) for key in ordering.keys)
        params = _page_params(_ELEMENT_SORT, sort, after, offset, limit)
        params.update(_element_params(library_id, where))
        query = _element_page(sort, after is not None, bool(where.types), _group_mode(where))
        conn = await self._s.connection()
        return [element_of(row) for row in await conn.execute(query, params)]

    async def count_elements(self, library_id: str, where: ElementFilter) -> int:
        count = _element_count(bool(where.types), _group_mode(where))
        return int(await self._s.scalar(count, _element_params(library_id, where)) or 0)

    async def element_type_counts(self, library_id: str) -> dict[str, int]:
        rows = await self._s.execute(
            select(LibraryElementRow.type, func.count())
            .where(*_element_conditions(has_types=False, group="any"))
            .group_by(LibraryElementRow.type),
            _element_params(library_id, ElementFilter(archived=False)),
        )
        return {type_: int(count) for type_, count in rows}

    # Uploaded assets ---------------------------------------------------------------------

    async def insert_asset(self, asset: Asset) -> None:
        await self._s.execute(insert(LibraryAssetRow).values(**asset_columns(asset)))

    async def asset(self, asset_id: str) -> Asset | None:
        row = await self._row(select(LibraryAssetRow).where(LibraryAssetRow.id == asset_id))
        return asset_of(row) if row else None

    async def unreferenced_assets(self, created_before_ms: int, limit: int) -> list[Asset]:
        linked = select(LibraryElementAssetRow.asset_id).where(
            LibraryElementAssetRow.asset_id == LibraryAssetRow.id
        )
        rows = await self._rows(
            select(LibraryAssetRow)
            .where(LibraryAssetRow.created_ms < created_before_ms, ~linked.exists())
            .order_by(LibraryAssetRow.created_ms, LibraryAssetRow.id)
            .limit(limit)
        )
        return [asset_of(row) for row in rows]

    async def delete_assets(self, asset_ids: Sequence[str]) -> None:
        for batch in _batches(asset_ids):
            await self._s.execute(delete(LibraryAssetRow).where(LibraryAssetRow.id.in_(batch)))

    async def library_blob_keys(self, library_id: str) -> set[str]:
        rows = await self._s.scalars(
            select(LibraryAssetRow.blob_key).where(LibraryAssetRow.library_id == library_id)
        )
        parts = await self._s.scalars(
            select(LibraryUploadPartRow.blob_key)
            .join(LibraryUploadRow, LibraryUploadRow.id == LibraryUploadPartRow.upload_id)
            .where(LibraryUploadRow.library_id == library_id)
        )
        return set(rows.all()) | set(parts.all())

    async def lock_blob(self, blob_key: str) -> None:
        connection = await self._s.connection()
        if connection.dialect.name == "postgresql":
            # 60 bits of the SHA-256 key: a signed bigint, as pg_advisory_xact_lock takes.
            await self._s.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(blob_key[:15], 16)}
            )

    async def blob_in_use(self, blob_key: str) -> bool:
        found = await self._s.scalar(
            select(LibraryAssetRow.id).where(LibraryAssetRow.blob_key == blob_key).limit(1)
        )
        if found is not None:
            return True
        part = await self._s.scalar(
            select(LibraryUploadPartRow.upload_id)
            .where(LibraryUploadPartRow.blob_key == blob_key)
            .limit(1)
        )
        return part is not None

    # Chunked uploads ---------------------------------------------------------------------

    async def insert_upload(self, upload: Upload) -> None:
        await self._s.execute(
            insert(LibraryUploadRow).values(
                id=upload.id,
                library_id=upload.library_id,
                owner_id=upload.owner_id,
                type=upload.type,
                created_ms=upload.created_ms,
            )
        )

    async def upload(self, upload_id: str, *, lock: bool = False) -> Upload | None:
        query = select(LibraryUploadRow).where(LibraryUploadRow.id == upload_id)
        row = await self._row(query.with_for_update() if lock else query)
        if row is None:
            return None
        return Upload(row.id, row.library_id, row.owner_id, row.type, row.created_ms)

    async def put_part(self, upload_id: str, part: UploadPart) -> UploadPart | None:
        where = (
            LibraryUploadPartRow.upload_id == upload_id,
            LibraryUploadPartRow.number == part.number,
        )
        old = await self._row(select(LibraryUploadPartRow).where(*where))
        replaced = UploadPart(old.number, old.blob_key, old.size, old.md5) if old else None
        if old is not None:
            await self._s.execute(delete(LibraryUploadPartRow).where(*where))
        await self._s.execute(
            insert(LibraryUploadPartRow).values(
                upload_id=upload_id,
                number=part.number,
                blob_key=part.blob_key,
                size=part.size,
                md5=part.md5,
            )
        )
        return replaced

    async def parts(self, upload_id: str) -> list[UploadPart]:
        rows = await self._rows(
            select(LibraryUploadPartRow)
            .where(LibraryUploadPartRow.upload_id == upload_id)
            .order_by(LibraryUploadPartRow.number)
        )
        return [UploadPart(r.number, r.blob_key, r.size, r.md5) for r in rows]

    async def delete_upload(self, upload_id: str) -> list[UploadPart]:
        parts = await self.parts(upload_id)
        await self._s.execute(
            delete(LibraryUploadPartRow).where(LibraryUploadPartRow.upload_id == upload_id)
        )
        await self._s.execute(delete(LibraryUploadRow).where(LibraryUploadRow.id == upload_id))
        return parts

    async def expired_uploads(self, created_before_ms: int, limit: int) -> list[Upload]:
        rows = await self._rows(
            select(LibraryUploadRow)
            .where(LibraryUploadRow.created_ms < created_before_ms)
            .order_by(LibraryUploadRow.created_ms)
            .limit(limit)
        )
        return [Upload(r.id, r.library_id, r.owner_id, r.type, r.created_ms) for r in rows]


class SqlLibraryTransactions(SqlTransactions[SqlLibraryStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlLibraryStore)
        self._db = db

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlLibraryStore]:
        """As ``SqlTransactions.write``; the change events of the transaction go into the
        webhooks outbox just before it commits, so they commit (or roll back) with it."""
        async with self._db.write() as session:
            store = SqlLibraryStore(session)
            yield store
            await write_outbox(session, store.changes)
