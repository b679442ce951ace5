"""The list queries of the library store, made once per shape: the libraries of a caller
and the elements of a library, a page at a time, and their counts.

Each statement is built the first time its shape (filter, ordering, kind of page) is asked
for, with the caller, library, filter values, position, offset and limit as bound parameters.
A statement used again keeps its cache key, which SQLAlchemy otherwise works out on every
execution (with the building, two thirds of a library list's SQL time). Pages are keyset
pages when they follow a ``Position``: an index seek, not a skip over every row before it
(see ``_after``). The rows are the tables' columns, read as Core rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    func,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import BindParameter

from cclibs.libraries.collaboration import OwnerFilter
from cclibs.libraries.models import ElementFilter, Position
from cclibs.storage.library_rows import group_token
from cclibs.storage.sharing import library_query, owner_condition
from cclibs.storage.tables import LibraryElementRow, LibraryRow

__all__ = [
    "ELEMENT_SORT",
    "LIBRARY_SORT",
    "element_conditions",
    "element_count",
    "element_page",
    "element_params",
    "group_mode",
    "library_count",
    "library_page",
    "page_params",
]

RowT = TypeVar("RowT")

_NO_GROUP = "$none$"

LIBRARY_SORT: Mapping[str, QueryableAttribute[Any]] = {
    "name": LibraryRow.name_key,
    "modified_date": LibraryRow.modified_ms,
    "created_date": LibraryRow.created_ms,
}
ELEMENT_SORT: Mapping[str, QueryableAttribute[Any]] = {
    "name": LibraryElementRow.name_key,
    "modified_date": LibraryElementRow.modified_ms,
    "created_date": LibraryElementRow.created_ms,
}


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
    (``page_params`` gives their values)."""
    keys = [(sort_columns[field], descending) for field, descending in sort]
    order = [column.desc() if descending else column.asc() for column, descending in keys]
    query = query.order_by(*order, id_column.asc()).limit(bindparam("limit", type_=Integer()))
    if not keyset:
        return query.offset(bindparam("offset", type_=Integer()))
    values: list[BindParameter[Any]] = [bindparam(f"after_{n}") for n in range(len(keys))]
    return query.where(_after(keys, id_column, values, bindparam("after_id")))


_USER = bindparam("user_id", type_=String())
_LIBRARY = bindparam("library_id", type_=String())
_ELEMENT_COLUMNS = tuple(cast(Table, LibraryElementRow.__table__).c)


@lru_cache(maxsize=64)
def library_page(
    owner: OwnerFilter, sort: tuple[tuple[str, bool], ...], keyset: bool
) -> Select[Any]:
    """The library list's page query for one filter, ordering and kind of page; the caller
    is the bound ``user_id``."""
    query = library_query(_USER).where(owner_condition(_USER, owner))
    return _paged(query, LIBRARY_SORT, LibraryRow.id, sort, keyset)


@lru_cache(maxsize=4)
def library_by_id(for_user: bool, lock: bool) -> Select[Any]:
    """One library by the bound ``library_id``, with the bound ``user_id``'s membership when
    ``for_user``; FOR UPDATE of the library row when ``lock`` (PostgreSQL: the collaborator
    side of the outer join may be NULL; SQLite's write transactions are serial already)."""
    query = library_query(_USER if for_user else None).where(LibraryRow.id == _LIBRARY)
    return query.with_for_update(of=LibraryRow) if lock else query


@lru_cache(maxsize=8)
def library_count(owner: OwnerFilter) -> Select[int]:
    return select(func.count()).select_from(LibraryRow).where(owner_condition(_USER, owner))


_GroupMode = Literal["any", "none", "one"]


def group_mode(where: ElementFilter) -> _GroupMode:
    if where.group is None:
        return "any"
    return "none" if where.group == _NO_GROUP else "one"


def element_conditions(has_types: bool, group: _GroupMode) -> list[ColumnElement[bool]]:
    """The element filter with bound parameters (``element_params`` gives their values)."""
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


def element_params(library_id: str, where: ElementFilter) -> dict[str, Any]:
    params: dict[str, Any] = {"library_id": library_id, "archived": where.archived}
    if where.types:
        params["types"] = list(where.types)
    if group_mode(where) == "one" and where.group is not None:
        token = f" {group_token(where.group)} "
        escaped = token.replace("/", "//").replace("%", "/%").replace("_", "/_")
        params["group_token"] = token
        params["group_like"] = f"%{escaped}%"
    return params


@lru_cache(maxsize=128)
def element_page(
    sort: tuple[tuple[str, bool], ...], keyset: bool, has_types: bool, group: _GroupMode
) -> Select[Any]:
    """The element list's page query, made once for each shape (see ``library_page``): the
    element table's columns, read as Core rows (a page of 100 loads no ORM instances)."""
    query = select(*_ELEMENT_COLUMNS).where(*element_conditions(has_types, group))
    return _paged(query, ELEMENT_SORT, LibraryElementRow.id, sort, keyset)


@lru_cache(maxsize=16)
def element_count(has_types: bool, group: _GroupMode) -> Select[int]:
    return (
        select(func.count())
        .select_from(LibraryElementRow)
        .where(*element_conditions(has_types, group))
    )


def page_params(
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
