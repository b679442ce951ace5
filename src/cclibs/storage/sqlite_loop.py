"""SQLite under SQLAlchemy's asyncio engine, called on the event loop, with a thread only for
the statements that would hold the loop.

aiosqlite hands every driver call to its thread and the answer back to the loop: a library
list (BEGIN, two SELECTs, ROLLBACK) made 15 such round trips. Most statements take a few
microseconds inside SQLite, far less than a hand-off, so this driver runs each statement on
the loop and goes to a thread only when it has to:

- a read (``SELECT``/``WITH`` that writes nothing) runs under a time budget, checked by
  SQLite's progress handler; past the budget SQLite interrupts it, and it runs again from the
  start in a thread (a read has no effect to undo, and the transaction's snapshot is
  unchanged, so the second run answers what the first would have);
- a statement that finds the database locked (``BEGIN IMMEDIATE`` while another writer holds
  the lock, and the rare busy read) fails at once on the loop, because the connection's busy
  timeout there is zero, and runs again in a thread that waits up to the configured timeout.

Writes are never interrupted: SQLite rolls back a whole explicit transaction when an INSERT,
UPDATE or DELETE in it is interrupted. Every result is fetched whole as its statement runs, as
SQLAlchemy's own asyncio adaptations do.

The dialect is ``sqlite+cclibs`` (``cclibs.storage.db.async_url`` picks it). The sync code
that calls it runs in SQLAlchemy's greenlet, so the thread's answer is awaited there.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.util.concurrency import await_

__all__ = ["READ_BUDGET_S", "LoopDBAPIConnection", "SQLiteDialect_loop"]

T = TypeVar("T")

READ_BUDGET_S = 0.003
"""How long one read may hold the loop before it moves to a thread. A hand-off costs about
0.1 ms of CPU, so reads under the budget are cheaper on the loop; a read over it would delay
every other request of the process by as much."""

_PROGRESS_STEPS = 1000
"""SQLite virtual-machine steps between two looks at the clock (some microseconds)."""

_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cclibs-sqlite")
"""The threads of the statements that cannot run on the loop: long reads, and waits for the
write lock. A connection is used by one of them at a time, never by two."""

_READ = re.compile(r"\s*(SELECT|WITH)\b", re.IGNORECASE)
_WRITE_WORD = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@lru_cache(maxsize=2048)
def _read_only(statement: str) -> bool:
    return bool(_READ.match(statement)) and not _WRITE_WORD.search(statement)


def _locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _interrupted(exc: sqlite3.OperationalError) -> bool:
    return "interrupted" in str(exc)


class _Outcome:
    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, rows: list[Any]) -> None:
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        self.rows = rows


class LoopDBAPIConnection:
    """A DBAPI connection over one ``sqlite3`` connection, for SQLAlchemy's pool."""

    def __init__(self, raw: sqlite3.Connection, *, wait_s: float) -> None:
        self._raw = raw
        self._wait_ms = int(wait_s * 1000)

    # What SQLAlchemy and cclibs's connect listener use of a sqlite3 connection -------------

    @property
    def isolation_level(self) -> str | None:
        return self._raw.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Literal["DEFERRED", "EXCLUSIVE", "IMMEDIATE"] | None) -> None:
        self._raw.isolation_level = value

    @property
    def raw(self) -> sqlite3.Connection:
        """The ``sqlite3`` connection itself."""
        return self._raw

    @property
    def in_transaction(self) -> bool:
        return self._raw.in_transaction

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._raw.create_function(*args, **kwargs)

    def cursor(self) -> LoopCursor:
        return LoopCursor(self)

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> LoopCursor:
        cursor = self.cursor()
        cursor.execute(statement, parameters)
        return cursor

    def begin(self, statement: str) -> None:
        """``BEGIN`` or ``BEGIN IMMEDIATE`` (SQLAlchemy's begin listener), on the loop; the
        latter in a thread when another writer holds the lock. A plain ``BEGIN`` inside the
        read transaction a direct read opened (``cclibs.storage.direct``) joins it."""
        if statement == "BEGIN" and self._raw.in_transaction:
            return

        def work() -> None:
            self._raw.execute(statement)

        self.run(work, budget=False)

    async def fetch(self, statement: str, parameters: Sequence[Any]) -> list[Any]:
        """The rows of one read, in a read transaction (begun here when none is open), without
        SQLAlchemy's execution around it: on the loop under the read budget, or in a thread
        as ``run`` would (``cclibs.storage.direct``)."""
        raw = self._raw
        if not raw.in_transaction:
            raw.execute("BEGIN")

        def work() -> list[Any]:
            return raw.execute(statement, parameters).fetchall()

        outcome = self._attempt(work, budget=_read_only(statement))
        if outcome is _AGAIN:
            return await self.in_thread(work)
        return outcome

    def commit(self) -> None:
        self.run(self._raw.commit, budget=False)

    def rollback(self) -> None:
        self.run(self._raw.rollback, budget=False)

    def close(self) -> None:
        self._raw.close()

    # Where each statement runs ---------------------------------------------------------------

    def run(self, work: Callable[[], T], *, budget: bool) -> T:
        """``work`` on the loop; again in a thread if it was over the budget or locked out."""
        outcome = self._attempt(work, budget=budget)
        if outcome is _AGAIN:
            return await_(self.in_thread(work))
        return outcome

    def _attempt(self, work: Callable[[], T], *, budget: bool) -> T:
        """``work``'s answer on the loop, or ``_AGAIN`` when it must run again in a thread."""
        if budget:
            deadline = time.perf_counter() + READ_BUDGET_S
            self._raw.set_progress_handler(lambda: time.perf_counter() > deadline, _PROGRESS_STEPS)
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not (_locked(exc) or (budget and _interrupted(exc))):
                raise
        finally:
            if budget:
                self._raw.set_progress_handler(None, _PROGRESS_STEPS)
        return cast(T, _AGAIN)

    async def in_thread(self, work: Callable[[], T]) -> T:
        """``work`` in a thread that may wait for the lock up to the configured timeout."""

        def waiting() -> T:
            self._raw.execute(f"PRAGMA busy_timeout={self._wait_ms}")
            try:
                return work()
            finally:
                self._raw.execute("PRAGMA busy_timeout=0")

        done = asyncio.get_running_loop().run_in_executor(_THREADS, waiting)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # The thread still uses the connection, and what the pool does next (a rollback,
            # or closing it) must not run beside it: stop its statement, and let the
            # cancellation go on once the thread has let go.
            self._raw.interrupt()
            while not done.done():
                with contextlib.suppress(BaseException):  # its outcome is moot now
                    await asyncio.shield(done)
            raise


_AGAIN: Any = object()
"""``_attempt``'s answer for work that must run again in a thread."""


async def _answered() -> None:
    return None


class LoopCursor:
    """A DBAPI cursor whose rows were fetched when its statement ran."""

    arraysize = 1

    def __init__(self, connection: LoopDBAPIConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def _take(self, outcome: _Outcome) -> None:
        self.description = outcome.description
        self.rowcount = outcome.rowcount
        self.lastrowid = outcome.lastrowid
        self._rows = deque(outcome.rows)

    def execute(self, statement: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> None:
        raw = self._connection._raw

        def work() -> _Outcome:
            cursor = raw.execute(statement, parameters)
            try:
                return _Outcome(cursor, cursor.fetchall() if cursor.description else [])
            finally:
                cursor.close()

        self._take(self._connection.run(work, budget=_read_only(statement)))
        # AsyncConnection.execute() insists that its statement awaited something (its check
        # for a driver that is not asyncio's): a coroutine that is done at once costs two
        # greenlet switches and no turn of the loop.
        await_(_answered())

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        raw = self._connection._raw

        def work() -> _Outcome:
            cursor = raw.executemany(statement, rows)
            try:
                return _Outcome(cursor, [])
            finally:
                cursor.close()

        self._take(self._connection.run(work, budget=False))

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        count = self.arraysize if size is None else size
        return [self._rows.popleft() for _ in range(min(count, len(self._rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """What SQLAlchemy's asyncio results call before handing a cursor to sync code; the
        rows are here already, and the statement is done."""

    def setinputsizes(self, *_args: Any) -> None:
        pass

    def setoutputsize(self, *_args: Any) -> None:
        pass


class _LoopDBAPI:
    """The DBAPI module of the dialect: sqlite3's names, and a connect that makes the loop's
    connection (busy timeout zero; the configured ``timeout`` is how long a thread waits)."""

    paramstyle = "qmark"

    def __init__(self) -> None:
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "InterfaceError",
            "InternalError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "DataError",
            "Warning",
            "sqlite_version",
            "sqlite_version_info",
            "version",
            "version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            if hasattr(sqlite3, name):
                setattr(self, name, getattr(sqlite3, name))

    def connect(self, database: str, *, timeout: float = 5.0, **kwargs: Any) -> LoopDBAPIConnection:
        kwargs["check_same_thread"] = False  # the loop's thread, and _THREADS one at a time
        raw: sqlite3.Connection = sqlite3.connect(database, timeout=0, **kwargs)
        return LoopDBAPIConnection(raw, wait_s=timeout)


class SQLiteDialect_loop(SQLiteDialect_pysqlite):
    driver = "cclibs"
    is_async = True
    supports_statement_cache = True
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> Any:
        return _LoopDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # An asyncio-aware queue: a checkout that waits for a free connection awaits.
        return pool.AsyncAdaptedQueuePool


registry.register("sqlite.cclibs", __name__, "SQLiteDialect_loop")
