"""SQL implementation of ``cclibs.libraries.search.SearchStore``.

Every query starts from the libraries the caller may see under the ``owner`` asked for
(``visible``: the list's ``owner_condition``, and for ``public`` the published libraries the
caller bookmarked), so nothing else can come back whatever the other filters say. Words are
matched by the backend's full-text index (``cclibs.storage.tables.search``): FTS5's ``MATCH``
with prefix terms on SQLite, ``@@`` against the indexed ``tsvector`` on PostgreSQL; relevance is
FTS5's ``bm25`` (lower is better) or ``ts_rank`` (higher is better).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from cclibs.libraries.models import Element, Library, Position
from cclibs.libraries.search import Owner, SearchQuery, Slice
from cclibs.storage.db import Database
from cclibs.storage.library_rows import element_of, group_token
from cclibs.storage.list_queries import ELEMENT_SORT, LIBRARY_SORT
from cclibs.storage.sharing import library_query, library_with, owner_condition
from cclibs.storage.tables import LibraryElementRow, LibraryRow
from cclibs.storage.tables.bookmarks import LibraryBookmarkRow
from cclibs.storage.tables.search import FTS_TABLES, name_vector
from cclibs.storage.transactions import SqlTransactions

__all__ = ["SqlSearchStore", "SqlSearchTransactions", "visible"]

RowT = TypeVar("RowT")
_E = LibraryElementRow
_L = LibraryRow
_SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


def visible(user_id: str, owner: Owner) -> ColumnElement[bool]:
    """The libraries a search under ``owner`` may return: a subset of what ``user_id`` may
    read (``access.may``) through the private endpoints, or for ``public`` of what anyone may
    read through the public ones (published), narrowed to the caller's bookmarks."""
    if owner is Owner.PUBLIC:
        bookmarked = select(LibraryBookmarkRow.library_id).where(
            LibraryBookmarkRow.user_id == user_id, LibraryBookmarkRow.type == "PUBLIC"
        )
        return and_(_L.published_ms.is_not(None), _L.id.in_(bookmarked))
    return owner_condition(user_id, owner.value)  # type: ignore[arg-type]


class _Text:
    """The words of a query on one backend: a condition and a rank (best first)."""

    def __init__(self, dialect: str, table_name: str, words: Sequence[str]) -> None:
        self.sqlite = dialect == "sqlite"
        self.table_name = table_name
        self.fts = FTS_TABLES[table_name]
        if self.sqlite:
            # Each word a quoted prefix term, all required (FTS5's implicit AND).
            self.match = " ".join(f'"{word}"*' for word in words)
        else:
            self.match = " & ".join(f"'{word}':*" for word in words)

    def join(self, query: Select[RowT]) -> Select[RowT]:
        if not self.sqlite:
            return query
        fts = table(self.fts, column("rowid"))
        rowid: ColumnElement[Any] = literal_column(f"{self.table_name}.rowid")
        return query.join(fts, fts.c.rowid == rowid).where(
            text(f"{self.fts} MATCH :words").bindparams(words=self.match)
        )

    def condition(self) -> list[ColumnElement[bool]]:
        if self.sqlite:
            return []
        return [name_vector(self.table_name).op("@@")(self._tsquery())]

    def _tsquery(self) -> ColumnElement[Any]:
        return func.to_tsquery(_SIMPLE, self.match)

    def rank(self) -> ColumnElement[Any]:
        if self.sqlite:
            return func.bm25(literal_column(self.fts)).asc()
        return func.ts_rank(name_vector(self.table_name), self._tsquery()).desc()


def _between(
    column_: QueryableAttribute[int], bounds: tuple[int | None, int | None] | None
) -> list[ColumnElement[bool]]:
    if bounds is None:
        return []
    start, end = bounds
    found: list[ColumnElement[bool]] = []
    if start is not None:
        found.append(column_ >= start)
    if end is not None:
        found.append(column_ <= end)
    return found


def _after(
    keys: Sequence[tuple[QueryableAttribute[Any], bool]],
    id_column: QueryableAttribute[str],
    position: Position,
) -> ColumnElement[bool]:
    """Rows strictly after ``position`` in the order ``keys``, ties by id ascending."""
    branches: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for (column_, descending), value in zip(keys, position.values, strict=True):
        branches.append(and_(*equal, column_ < value if descending else column_ > value))
        equal.append(column_ == value)
    branches.append(and_(*equal, id_column > position.id))
    first, descending = keys[0]
    seek = first <= position.values[0] if descending else first >= position.values[0]
    return and_(seek, or_(*branches))


def _ordered(
    query: Select[RowT],
    query_: SearchQuery,
    at: Slice,
    sort: Mapping[str, QueryableAttribute[Any]],
    id_column: QueryableAttribute[str],
    words: _Text | None,
    limit: int,
) -> Select[RowT]:
    keys = [(sort[key.field], key.descending) for key in query_.ordering.keys]
    order: list[ColumnElement[Any]] = [c.desc() if d else c.asc() for c, d in keys]
    if query_.relevance and words is not None:
        order.insert(0, words.rank())
    query = query.order_by(*order, id_column.asc()).limit(limit)
    if at.after is not None and not query_.relevance:
        return query.where(_after(keys, id_column, at.after))
    return query.offset(at.offset)


class SqlSearchStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _dialect(self) -> str:
        return (await self._s.connection()).dialect.name

    async def _words(self, table_name: str, query: SearchQuery) -> _Text | None:
        if not query.words:
            return None
        return _Text(await self._dialect(), table_name, query.words)

    def _library_filters(self, user_id: str, query: SearchQuery) -> list[ColumnElement[bool]]:
        found = [visible(user_id, query.owner)]
        if query.name is not None:
            found += [_L.name_key == query.name.casefold(), _L.name == query.name]
        return (
            found
            + _between(_L.created_ms, query.created)
            + _between(_L.modified_ms, query.modified)
        )

    async def search_libraries(
        self, user_id: str, query: SearchQuery, limit: int
    ) -> tuple[list[Library], int]:
        words = await self._words(_L.__tablename__, query)
        where = self._library_filters(user_id, query) + (words.condition() if words else [])
        rows = library_query(user_id).where(*where)
        count = select(func.count()).select_from(_L).where(*where)
        if words is not None:
            rows, count = words.join(rows), words.join(count)
        page = _ordered(rows, query, query.library_slice, LIBRARY_SORT, _L.id, words, limit)
        result = await self._s.execute(page)
        total = int(await self._s.scalar(count) or 0)
        return [library_with(row) for row in result.all()], total

    def _element_filters(self, query: SearchQuery) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [_E.archived == query.archived]
        if query.library_id is not None:
            found.append(_E.library_id == query.library_id)
        if query.types:
            found.append(_E.type.in_(query.types))
        if query.name is not None:
            found += [_E.name_key == query.name.casefold(), _E.name == query.name]
        if query.group == "$none$":
            found.append(_E.group_keys == " ")
        elif query.group is not None:
            token = f" {group_token(query.group)} "
            # SQLite's LIKE ignores ASCII case; replace() is exact on both backends.
            found.append(_E.group_keys.contains(token, autoescape=True))
            found.append(func.replace(_E.group_keys, token, "") != _E.group_keys)
        return (
            found
            + _between(_E.created_ms, query.created)
            + _between(_E.modified_ms, query.modified)
        )

    async def search_elements(
        self, user_id: str, query: SearchQuery, limit: int
    ) -> tuple[list[tuple[Element, Library]], int]:
        words = await self._words(_E.__tablename__, query)
        where = [
            visible(user_id, query.owner),
            *self._element_filters(query),
            *(words.condition() if words else []),
        ]
        matching = select(_E.id).join(_L, _L.id == _E.library_id).where(*where)
        count = select(func.count()).select_from(_E).join(_L, _L.id == _E.library_id).where(*where)
        if words is not None:
            matching, count = words.join(matching), words.join(count)
        # The page's ids first, then their rows: the sort carries ids and keys, not every
        # column of every match (at 100,000 matches and a late offset, 5x less time).
        page = _ordered(matching, query, query.element_slice, ELEMENT_SORT, _E.id, words, limit)
        ids = list((await self._s.scalars(page)).all())
        total = int(await self._s.scalar(count) or 0)
        if not ids:
            return [], total
        rows = library_query(user_id).add_columns(_E).join(_E, _E.library_id == _L.id)
        found = {row[-1].id: row for row in (await self._s.execute(rows.where(_E.id.in_(ids))))}
        return [(element_of(found[i][-1]), library_with(found[i])) for i in ids], total


class SqlSearchTransactions(SqlTransactions[SqlSearchStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlSearchStore)
