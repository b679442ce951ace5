"""Core statements of the hot paths, run on the SQLite driver without SQLAlchemy's execution.

``Connection.execute`` sets up an execution context, looks the compiled form up in the
engine's cache, runs the cursor events and builds a result for every statement: about 50 us
of CPU a statement on a warm loop, several times what SQLite spends on a primary-key read.
Measured on the library list (two statements, bench/README.md): 1,260 requests/s through
Core, 1,800 with this module.

What is kept of SQLAlchemy: the SQL (the statement compiled by the connection's dialect, once
per statement object), the types' own conversions of parameters and result columns (their
bind and result processors: booleans, UTC datetimes), and its exception classes
(``IntegrityError`` and the others, from ``DBAPIError.instance``). What is given up: engine
and cursor events (cclibs listens to none on these statements) and statements that need
work at execution time (expanding ``IN`` parameters, Python-side column defaults); those, and
every connection that is not one of the two below, go through ``Connection.execute`` as
before, so the callers need not know which way a statement went.

- A read transaction on a SQLite file (``Database.read``, the loop driver): the statement
  runs in the connection's read transaction, which the first one begins.
- A write transaction of the SQLite loop writer (``Database.write_connection``): the
  transaction is the writer's, already begun.
- A connection on PostgreSQL (``Database.read`` and ``Database.write_connection``): the
  statement goes to asyncpg through SQLAlchemy's adapted connection, under its lock and from
  its cache of prepared statements. A write runs in the connection's transaction (begun here
  as SQLAlchemy's own first statement would begin it, so that its commit or rollback ends
  it). A read runs in the transaction if one is open, and otherwise alone: under READ
  COMMITTED each statement sees its own snapshot anyway, and a BEGIN and a ROLLBACK of its
  own would cost a read two more round trips. Measured in process:
  a primary-key read 125 us through Core, 78 us on asyncpg alone. This leans on attributes of
  SQLAlchemy's asyncpg adaptation that are not public API (``_ASYNCPG_PARTS``); SQLAlchemy is
  pinned, and an adaptation without them sends every statement through Core.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InvalidRequestError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from cclibs.storage.db import CoreConnection, read_connection
from cclibs.storage.sqlite_loop import LoopDBAPIConnection
from cclibs.storage.sqlite_writer import LoopConnection

__all__ = ["alone", "execute", "first", "rows", "scalar"]

Params = Mapping[str, Any] | None


class _Row(tuple[Any, ...]):
    """What the callers use of a Core row: attributes, ``_mapping`` and positions."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._fields, self, strict=True))


def _row_type(names: Sequence[str]) -> Callable[[Sequence[Any]], _Row]:
    base = namedtuple("Row", names, rename=True)  # type: ignore[misc]
    row: Any = type("Row", (base, _Row), {"__slots__": ()})
    return row._make  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One statement compiled for one dialect, with its conversions."""

    dialect: Dialect
    sql: str
    names: tuple[str, ...]  # the parameter of each placeholder, in order
    defaults: dict[str, Any]  # values bound in the statement itself
    binds: tuple[tuple[int, Callable[[Any], Any]], ...]
    make_row: Callable[[Sequence[Any]], _Row] | None
    results: tuple[tuple[int, Callable[[Any], Any]], ...]

    def arguments(self, params: Params) -> list[Any]:
        given = params or {}
        try:
            values = [given[n] if n in given else self.defaults[n] for n in self.names]
        except KeyError as exc:  # as Core raises it
            message = f"A value is required for bind parameter {exc.args[0]!r}"
            raise StatementError(
                message, self.sql, None, InvalidRequestError(message), hide_parameters=True
            ) from exc
        for position, process in self.binds:
            values[position] = process(values[position])
        return values

    def rows(self, found: list[Any]) -> list[Any]:
        make = self.make_row
        assert make is not None
        if not self.results:
            return [make(row) for row in found]
        converted = []
        for row in found:
            values = list(row)
            for position, process in self.results:
                values[position] = process(values[position])
            converted.append(make(values))
        return converted


_CACHE: OrderedDict[
    tuple[int, int, tuple[str, ...]], tuple[ClauseElement, Dialect, _Prepared | None]
] = OrderedDict()
_CACHE_SIZE = 256
"""Statements are made once per shape (``list_queries``, ``refresh``); a statement made per
call would be compiled per call, and only pushes older ones out. Each entry keeps its
statement and dialect, so that their ids are not reused while it is cached."""


def _is_dml(statement: object) -> bool:
    return bool(getattr(statement, "is_dml", False))


def _prepared(statement: Executable, dialect: Dialect, params: Params) -> _Prepared | None:
    """The statement compiled for ``dialect``; None when it needs Core's execution."""
    if not isinstance(statement, ClauseElement):
        return None
    dml = _is_dml(statement)
    keys = tuple(sorted(params)) if dml and params else ()
    key = (id(statement), id(dialect), keys)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        cached, for_dialect, found = _CACHE[key]
        if cached is statement and for_dialect is dialect:  # not a reused id
            return found
    prepared = _compile(statement, dialect, keys)
    _CACHE[key] = (statement, dialect, prepared)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return prepared


def _compile(statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> _Prepared | None:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        return None
    needs_execution_time = (
        compiled.post_compile_params  # expanding IN
        or compiled.literal_execute_params
        or compiled.insert_prefetch  # Python-side column defaults
        or compiled.update_prefetch
        or getattr(compiled, "postfetch", None)  # server-side defaults read back
        or compiled.effective_returning
    )
    if needs_execution_time:
        return None
    names: list[str] = []
    binds: list[tuple[int, Callable[[Any], Any]]] = []
    defaults: dict[str, Any] = {}
    for position, name in enumerate(compiled.positiontup):
        bind = compiled.binds[name]
        names.append(bind.key)
        if not bind.required:
            defaults[bind.key] = bind.effective_value
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            binds.append((position, process))
    make_row = None
    results: list[tuple[int, Callable[[Any], Any]]] = []
    selected = getattr(statement, "selected_columns", None)
    is_select = bool(getattr(statement, "is_select", False))
    if is_select and selected is not None:
        columns = list(selected)
        make_row = _row_type(list(selected.keys()))
        for position, column in enumerate(columns):
            process = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if process is not None:
                results.append((position, process))
    elif is_select or not _is_dml(statement):
        return None
    return _Prepared(
        dialect,
        compiled.string,
        tuple(names),
        defaults,
        tuple(binds),
        make_row,
        tuple(results),
    )


def _error(exc: sqlite3.Error, prepared: _Prepared) -> StatementError:
    """The driver's error as ``Connection.execute`` raises it (parameters hidden, as every
    cclibs engine hides them)."""
    return DBAPIError.instance(
        prepared.sql, None, exc, sqlite3.Error, hide_parameters=True, dialect=prepared.dialect
    )


_ASYNCPG_PARTS = (
    "dbapi",
    "_execute_mutex",
    "_transaction",
    "_start_transaction",
    "_prepare",
    "_handle_exception",
)
_ASYNCPG_DIALECT_PARTS = ("_invalidate_schema_cache", "_invalidate_schema_cache_asof")
_asyncpg_adaptations: dict[tuple[type, type], bool] = {}


def _asyncpg_adapted(driver: object, dialect: Dialect) -> bool:
    """Whether ``driver`` is SQLAlchemy's adapted asyncpg connection (and ``dialect`` its
    dialect), as this module knows them."""
    kinds = (type(driver), type(dialect))
    known = _asyncpg_adaptations.get(kinds)
    if known is None:
        known = (
            kinds[0].__name__ == "AsyncAdapt_asyncpg_connection"
            and all(hasattr(kinds[0], part) for part in _ASYNCPG_PARTS)
            and all(hasattr(dialect, part) for part in _ASYNCPG_DIALECT_PARTS)
        )
        _asyncpg_adaptations[kinds] = known
    return known


async def _on_asyncpg(
    conn: AsyncConnection, statement: Executable, params: Params, *, outside: bool
) -> tuple[_Prepared, list[Any]] | None:
    """``outside``: a statement with rows, run in the connection's transaction if one is
    open and otherwise alone (PostgreSQL commits it at once); else any statement, in the
    connection's transaction, begun here if need be."""
    sync = conn.sync_connection
    if sync is None or sync.closed or sync.invalidated:
        return None
    adapted: Any = sync.connection.dbapi_connection
    if not _asyncpg_adapted(adapted, conn.dialect):
        return None
    prepared = _prepared(statement, conn.dialect, params)
    if prepared is None or (outside and prepared.make_row is None):
        return None
    arguments = prepared.arguments(params)
    dialect: Any = prepared.dialect
    dbapi = adapted.dbapi
    async with adapted._execute_mutex:
        try:
            try:
                if adapted._transaction is None and not outside:
                    await adapted._start_transaction()
                # The dialect's schema-change time, as Core passes it: a statement prepared
                # before a DDL change anywhere is prepared again.
                found, _ = await adapted._prepare(
                    prepared.sql, dialect._invalidate_schema_cache_asof
                )
                rows = await found.fetch(*arguments)
            except Exception as exc:
                if isinstance(exc, dbapi.Error):
                    raise
                adapted._handle_exception(exc)  # raises the adaptation's own error class
                raise
        except dbapi.Error as exc:
            cause: BaseException = exc
            if isinstance(exc, (dbapi.InvalidCachedStatementError, dbapi.InternalServerError)):
                dialect._invalidate_schema_cache()  # as Core does: prepare again from now on
            lost = dialect.is_disconnect(exc, adapted, None)
            failed = DBAPIError.instance(
                prepared.sql,
                None,
                exc,
                dbapi.Error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            )
        except BaseException as exc:
            # Cancelled (or interrupted) mid-statement: the server may be inside a BEGIN or a
            # statement this side no longer tracks, so the connection must never be lent
            # again; Core invalidates it too. Synchronously: a cancelled task may not get to
            # await anything more.
            _invalidate(sync, exc, whole_pool=False)
            raise
        else:
            return prepared, rows
    if lost:  # as Core does: this connection and every one opened before it are replaced
        _invalidate(sync, cause, whole_pool=True)
    raise failed from cause


def _invalidate(sync: Any, cause: BaseException, *, whole_pool: bool) -> None:
    """Take the connection out of use at once (outside a greenlet, SQLAlchemy's asyncpg
    adaptation terminates it without waiting); with ``whole_pool``, also the pool's other
    connections made before it, checked again at their next checkout (a server restart ends
    them all)."""
    if sync.invalidated:
        return
    if whole_pool:
        sync.engine.pool._invalidate(sync.connection, cause)
    sync.invalidate(cause)


async def _direct(
    where: AsyncSession | CoreConnection, statement: Executable, params: Params
) -> tuple[_Prepared, list[Any]] | None:
    """The raw rows of a statement run on the driver, or None when it must go through Core."""
    if isinstance(where, AsyncConnection):  # a write transaction on PostgreSQL
        return await _on_asyncpg(where, statement, params, outside=False)
    if isinstance(where, LoopConnection):
        prepared = _prepared(statement, where.dialect, params)
        if prepared is None:
            return None
        try:
            cursor = where.driver.execute(prepared.sql, prepared.arguments(params))
            return prepared, cursor.fetchall() if prepared.make_row else []
        except sqlite3.Error as exc:
            raise _error(exc, prepared) from exc
    conn = read_connection(where)
    if conn is None or conn.sync_connection is None:
        return None
    driver = conn.sync_connection.connection.dbapi_connection
    if not isinstance(driver, LoopDBAPIConnection):
        if _asyncpg_adapted(driver, conn.dialect):  # a read transaction on PostgreSQL
            return await _on_asyncpg(conn, statement, params, outside=True)
        return None
    prepared = _prepared(statement, conn.dialect, params)
    if prepared is None or prepared.make_row is None:
        return None
    try:
        return prepared, await driver.fetch(prepared.sql, prepared.arguments(params))
    except sqlite3.Error as exc:
        raise _error(exc, prepared) from exc


async def _core(where: AsyncSession | CoreConnection) -> AsyncConnection | CoreConnection:
    return await where.connection() if isinstance(where, AsyncSession) else where


async def rows(
    where: AsyncSession | CoreConnection, statement: Executable, params: Params = None
) -> Sequence[Any]:
    """Every row of a SELECT; each has the columns as attributes, ``_mapping`` and indexes."""
    ran = await _direct(where, statement, params)
    if ran is not None:
        return ran[0].rows(ran[1])
    return (await (await _core(where)).execute(statement, params)).all()


async def first(
    where: AsyncSession | CoreConnection, statement: Executable, params: Params = None
) -> Any:
    """The first row of a SELECT, or None."""
    found = await rows(where, statement, params)
    return found[0] if found else None


async def scalar(
    where: AsyncSession | CoreConnection, statement: Executable, params: Params = None
) -> Any:
    """The first column of the first row of a SELECT, or None."""
    row = await first(where, statement, params)
    return None if row is None else row[0]


async def alone(conn: AsyncConnection, statement: Executable, params: Params = None) -> Any:
    """The first row of one statement sent on a PostgreSQL connection outside any transaction,
    which PostgreSQL runs and commits as a transaction of its own: a SELECT, or a SELECT whose
    WITH writes (its row tells what was written). None when there is no row."""
    ran = await _on_asyncpg(conn, statement, params, outside=True)
    found: Sequence[Any]
    if ran is not None:
        found = ran[0].rows(ran[1])
    else:  # through Core: its transaction begins with the statement, committed here
        found = (await conn.execute(statement, params)).all()
        await conn.commit()
    return found[0] if found else None


async def execute(
    where: AsyncSession | CoreConnection, statement: Executable, params: Params = None
) -> None:
    """An INSERT, UPDATE or DELETE whose result is not needed."""
    if await _direct(where, statement, params) is None:
        await (await _core(where)).execute(statement, params)
