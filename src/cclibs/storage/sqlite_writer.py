"""Short SQLite write transactions whose statements run on the event loop.

aiosqlite hands every statement to a thread and its result back to the loop; with
SQLAlchemy's async adaptation on top, bench/sqlite_access.py measured a refresh-
shaped transaction (BEGIN IMMEDIATE, select, update, insert, COMMIT) at about 1.3 ms of CPU
and 700 per second from 32 coroutines, against 0.13 ms and 6,800 per second for the same
Core statements on a synchronous connection called on the loop.

Calling SQLite on the loop is safe only while nothing waits: a statement under a write lock
this connection already holds takes microseconds, but ``BEGIN IMMEDIATE`` may wait (up to the
busy timeout) for another writer. So the connection's busy timeout is 0 and ``BEGIN
IMMEDIATE`` is first tried on the loop; only when the lock is taken (another process, or this
process's other engine) is it retried in a thread with the full timeout. The statements and
the COMMIT run on the loop. Writers of this process queue on an asyncio lock first, so at most
one of them waits in a thread, and the next one starts the moment the previous commits.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import OperationalError

__all__ = ["LoopConnection", "LoopWriter"]


class LoopConnection:
    """A synchronous Core connection behind the awaitable ``execute`` of ``AsyncConnection``
    (what ``CoreRefreshStore`` and ``versions.bump`` use of it)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    @property
    def info(self) -> dict[Any, Any]:
        return self._conn.info

    @property
    def driver(self) -> sqlite3.Connection:
        """The sqlite3 connection, in the writer's transaction (``cclibs.storage.direct``)."""
        return _driver(self._conn)

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[Any]:
        return self._conn.execute(statement, parameters)


def _locked(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _driver(conn: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under ``conn``. The transaction's own statements (BEGIN
    IMMEDIATE, COMMIT, ROLLBACK) go to it directly: the connection is in autocommit mode, so
    SQLAlchemy has no transaction state to keep, and its execution machinery cost more than
    SQLite's work for them (measured in-process: about a tenth of a refresh's CPU)."""
    return conn.connection.driver_connection  # type: ignore[return-value]


class LoopWriter:
    def __init__(self, url: URL, *, timeout: float, on_connect: Callable[[Any, Any], None]) -> None:
        self._engine: Engine = create_engine(
            url.set(drivername="sqlite"),
            # Used on the loop and, to wait for the lock, in a thread: one user at a time
            # (the lock below).
            connect_args={"timeout": timeout, "check_same_thread": False},
            # Transactions are the driver's own statements (BEGIN IMMEDIATE ... COMMIT); the
            # sqlite3 connection runs in autocommit mode, so SQLAlchemy adds none of its own.
            isolation_level="AUTOCOMMIT",
            hide_parameters=True,
        )
        self._wait_ms = int(timeout * 1000)

        def connected(dbapi_connection: Any, record: Any) -> None:
            on_connect(dbapi_connection, record)
            dbapi_connection.execute("PRAGMA busy_timeout=0")  # never wait on the loop

        event.listen(self._engine, "connect", connected)
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def _begin_now(self, conn: Connection) -> bool:
        """BEGIN IMMEDIATE without waiting; False when another writer holds the lock."""
        try:
            _driver(conn).execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _locked(exc):
                return False
            raise _wrapped(exc) from exc
        return True

    def _begin_waiting(self, conn: Connection) -> Connection:
        """BEGIN IMMEDIATE, waiting up to the busy timeout (in a thread)."""
        driver = _driver(conn)
        try:
            driver.execute(f"PRAGMA busy_timeout={self._wait_ms}")
            try:
                driver.execute("BEGIN IMMEDIATE")
            finally:
                driver.execute("PRAGMA busy_timeout=0")
        except sqlite3.OperationalError as exc:
            raise _wrapped(exc) from exc
        return conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[LoopConnection]:
        """A write transaction: committed when the block ends without an exception."""
        async with self._lock():
            conn = self._engine.connect()
            try:
                ready = self._begin_now(conn)
            except BaseException:
                conn.close()
                raise
            if not ready:
                await self._wait_for_lock(conn)  # closes conn when it fails
            try:
                yield LoopConnection(conn)
            except BaseException:
                if _in_transaction(conn):  # some errors end it already (SQLite §lang_transaction)
                    _driver(conn).execute("ROLLBACK")
                raise
            else:
                try:
                    _driver(conn).execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    if _in_transaction(conn):
                        _driver(conn).execute("ROLLBACK")
                    raise _wrapped(exc) from exc
            finally:
                conn.close()

    async def _wait_for_lock(self, conn: Connection) -> None:
        began = asyncio.get_running_loop().run_in_executor(None, self._begin_waiting, conn)
        try:
            await asyncio.shield(began)
        except asyncio.CancelledError:
            # The thread may still get the write lock: give it back when it does.
            began.add_done_callback(functools.partial(_close_unused, conn))
            raise
        except BaseException:
            conn.close()
            raise

    def dispose(self) -> None:
        self._engine.dispose()


def _in_transaction(conn: Connection) -> bool:
    return _driver(conn).in_transaction


def _wrapped(exc: sqlite3.OperationalError) -> OperationalError:
    """The driver's error as SQLAlchemy raises it for a statement (what callers catch)."""
    return OperationalError(None, None, exc)


def _close_unused(conn: Connection, began: asyncio.Future[Connection]) -> None:
    try:
        if not began.cancelled() and began.exception() is None:
            _driver(conn).execute("ROLLBACK")
    finally:
        conn.close()
