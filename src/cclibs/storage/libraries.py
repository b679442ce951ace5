"""SQL implementation of ``cclibs.libraries.ports``.

Listings are keyset-paginated, with statements made once (``list_queries``). Rows read here
are Core rows, or ORM rows refreshed from the database (``populate_existing``), so that a row
locked, or changed by a statement, earlier in the same transaction is never served from the
session's stale copy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import (
    Select,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

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
from cclibs.storage import direct
from cclibs.storage.db import Database
from cclibs.storage.library_rows import (
    asset_columns,
    asset_of,
    element_columns,
    element_of,
    library_columns,
)
from cclibs.storage.list_queries import (
    ELEMENT_SORT,
    LIBRARY_SORT,
    element_conditions,
    element_count,
    element_page,
    element_params,
    group_mode,
    library_by_id,
    library_count,
    library_page,
    page_params,
)
from cclibs.storage.sharing import SharingQueries, library_with
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

_BATCH = 500
"""Ids per ``IN (...)``: far below SQLite's and asyncpg's bound-parameter limits."""

# Queries ------------------------------------------------------------------------------------


def _batches(ids: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _BATCH):
        yield unique[start : start + _BATCH]


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
        params = {"library_id": library_id, "user_id": for_user}
        row = await direct.first(self._s, library_by_id(for_user is not None, lock), params)
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
        params = page_params(LIBRARY_SORT, sort, after, offset, limit)
        params["user_id"] = user_id
        query = library_page(owner, sort, keyset=after is not None)
        # Rows, without the ORM's execution and loading (on SQLite, without Core's either).
        return [library_with(row) for row in await direct.rows(self._s, query, params)]

    async def count_libraries(self, user_id: str, owner: OwnerFilter = "all") -> int:
        count = await direct.scalar(self._s, library_count(owner), {"user_id": user_id})
        return int(count or 0)

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
        params = page_params(ELEMENT_SORT, sort, after, offset, limit)
        params.update(element_params(library_id, where))
        query = element_page(sort, after is not None, bool(where.types), group_mode(where))
        return [element_of(row) for row in await direct.rows(self._s, query, params)]

    async def count_elements(self, library_id: str, where: ElementFilter) -> int:
        count = element_count(bool(where.types), group_mode(where))
        return int(await direct.scalar(self._s, count, element_params(library_id, where)) or 0)

    async def element_type_counts(self, library_id: str) -> dict[str, int]:
        rows = await self._s.execute(
            select(LibraryElementRow.type, func.count())
            .where(*element_conditions(has_types=False, group="any"))
            .group_by(LibraryElementRow.type),
            element_params(library_id, ElementFilter(archived=False)),
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
