"""Engines, sessions and the two kinds of transaction.

SQLite (the embedded default) allows one writer at a time. A transaction that starts as a
reader and later writes can fail at once with ``database is locked`` when another writer got
there first, whatever the busy timeout. So writes begin with ``BEGIN IMMEDIATE`` on a separate
engine, which waits (busy_timeout) for the write lock up front; reads stay concurrent under WAL.
PostgreSQL needs none of this and uses one engine for both.

On a SQLite file both engines run their statements on the event loop and use a thread only
for a statement that must wait for the lock or reads for long (``sqlite_loop``); the short
Core write transactions of the hot paths have a writer of their own (``sqlite_writer``).

Every engine hides the bound parameters in its errors (``hide_parameters``): a failed statement
would otherwise quote password hashes, token hashes and codes into the exception, and so into
the log.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Executable, Result, event, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from cclibs.config import DATABASE_POOL_SIZE
from cclibs.storage import sqlite_loop  # registers sqlite+cclibs
from cclibs.storage.closing import close_promptly
from cclibs.storage.sqlite_writer import LoopWriter

__all__ = ["CHANGED", "CoreConnection", "Database", "async_url", "read_connection"]

_SQLITE_BUSY_TIMEOUT_MS = 10_000

CHANGED = "cclibs.changed"
"""Key in a session's or connection's ``info`` that a write set when it changed cached data
(``cclibs.storage.versions.bump``); the change listeners run once it has committed."""


def async_url(url: str) -> URL:
    """Normalise a user-given URL to the async driver cclibs uses for that database."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(
        f"CCLIBS_DATABASE_URL: unsupported database {backend!r}; use sqlite:/// or postgresql://"
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's begin listener own transactions (the driver's implicit BEGIN
    # cannot be made IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Setting the mode takes a lock even when it is already WAL, and fails at once (no busy
    # wait) while another process writes: a connection opened then would fail.
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_engine(url: URL, *, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(
        url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def _begin(conn: Any) -> None:
        driver = conn.connection.dbapi_connection
        if isinstance(driver, sqlite_loop.LoopDBAPIConnection):
            driver.begin(begin)  # the statement alone, without a Core execution around it
        else:  # ":memory:" runs on SQLAlchemy's own aiosqlite driver
            conn.exec_driver_sql(begin)

    event.listen(engine.sync_engine, "begin", _begin)
    return engine


PING_AFTER_IDLE_S = 1.0
"""A pooled PostgreSQL connection idle for longer is pinged before it is used again; one in
steady use is not. SQLAlchemy's ``pool_pre_ping`` pings at every checkout, and asyncpg's ping
is three round trips (begin, a query, rollback): 7 % of a refresh's CPU."""

_IDLE_SINCE = "cclibs.idle_since"


def _ping_when_idle(engine: AsyncEngine, idle_s: float) -> None:
    """Ping a connection that sat in the pool for more than ``idle_s`` when it is checked out;
    when the server dropped it (a restart, an idle timeout), the pool replaces it and every
    connection older than it, before the caller gets one."""

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            raise InvalidatePoolError("the pooled connection no longer answers") from exc

    event.listen(engine.sync_engine, "checkin", checked_in)
    event.listen(engine.sync_engine, "checkout", checked_out)


class _ReadSession(AsyncSession):
    """The session of a read transaction, bound to the connection the transaction opened.

    The hot reads are Core statements on ``await session.connection()``: they get that
    connection as it is, without the session's transaction bookkeeping (7 % of the CPU of a
    library list, measured). ORM queries run on the same connection, in the same transaction
    (on SQLite, one snapshot for all of them). The ORM ``Session`` behind it is made on the
    first ORM use: a read of Core statements only never builds nor closes one (about 70 us
    of a library list's CPU, measured).
    """

    def __init__(self, conn: AsyncConnection) -> None:
        # AsyncSession.__init__ without its Session (see sync_session below).
        self._async_bind = conn
        self._async_binds = {}
        self._read_connection = conn
        self._orm_session: Session | None = None

    @property
    def sync_session(self) -> Session:
        if self._orm_session is None:
            orm = Session(bind=self._read_connection.sync_connection, expire_on_commit=False)
            self._orm_session = self._assign_proxied(orm)
        return self._orm_session

    @sync_session.setter
    def sync_session(self, session: Session) -> None:
        self._orm_session = session

    _proxied = sync_session

    async def close(self) -> None:
        if self._orm_session is not None:
            await super().close()

    async def connection(
        self,
        bind_arguments: Any = None,
        execution_options: Any = None,
        **kw: Any,
    ) -> AsyncConnection:
        if bind_arguments is None and execution_options is None and not kw:
            return self._read_connection
        return await super().connection(bind_arguments, execution_options, **kw)


def read_connection(session: object) -> AsyncConnection | None:
    """The connection of a ``Database.read`` transaction's session; None for anything else."""
    return session._read_connection if isinstance(session, _ReadSession) else None


@asynccontextmanager
async def _connected(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """``engine.connect()``, closed without the task and loop turn of its own context manager
    when the close is done at once (``cclibs.storage.closing``)."""
    conn = await engine.connect()
    try:
        yield conn
    finally:
        await close_promptly(conn.close())


class CoreConnection(Protocol):
    """A connection in a write transaction, for Core statements: SQLAlchemy's
    ``AsyncConnection``, or on SQLite a ``LoopConnection``."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def info(self) -> dict[Any, Any]: ...

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[Any]: ...


class Database:
    """The database of one cclibs process: a reader and a writer session factory."""

    def __init__(
        self,
        url: str,
        *,
        ping_after_idle_s: float = PING_AFTER_IDLE_S,
        pool_size: int = DATABASE_POOL_SIZE,
    ) -> None:
        self._loop_writer: LoopWriter | None = None
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            engine_url = self.url
            if self.url.database and self.url.database != ":memory:":
                # A file: statements on the loop, a thread only when they must wait or run
                # long (sqlite_loop, chosen by measurement).
                engine_url = self.url.set(drivername="sqlite+cclibs")
            self._read_engine = _sqlite_engine(engine_url, immediate=False)
            self._write_engine = _sqlite_engine(engine_url, immediate=True)
            if self.url.database and self.url.database != ":memory:":
                self._loop_writer = LoopWriter(
                    self.url, timeout=_SQLITE_BUSY_TIMEOUT_MS / 1000, on_connect=_sqlite_pragmas
                )
        else:
            # A fixed pool, opened on demand and kept: no overflow connections. An overflow
            # connection is closed when it comes back to a full pool, so a load just past the
            # pool's size opened and closed ~23 connections a second, each a PostgreSQL process
            # started and a session set up (refresh rotation with 32 clients: 555-657 tokens/s
            # with 10 + 10 overflow, 883-912 with a fixed 10 or 20; bench/README.md). Past
            # ``pool_size`` a transaction waits for a connection, as it did past 10 + 10.
            engine = create_async_engine(
                self.url, pool_size=pool_size, max_overflow=0, hide_parameters=True
            )
            _ping_when_idle(engine, ping_after_idle_s)
            self._read_engine = self._write_engine = engine
        self._writers = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._change_listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every committed write of this process that changed cached
        data, so this process's caches drop it at once (other processes see the change
        counter move; ``cclibs.storage.versions``)."""
        self._change_listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._change_listeners:
            listener()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads; it is rolled back at the end."""
        async with _connected(self._read_engine) as conn:
            session = _ReadSession(conn)
            try:
                yield session
            finally:
                await session.close()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that writes; committed when the block ends without an exception."""
        # SQLAlchemy's own exit closes it (a task and a loop turn): closed promptly, as reads
        # are, authorization-code redemption measured about 12 % slower (265 against 235
        # codes/s, mean of five alternating runs each; the cause is not known).
        async with self._writers() as session:
            async with session.begin():
                yield session
            changed = session.info.pop(CHANGED, False)
        if changed:
            self._changed()

    @asynccontextmanager
    async def write_connection(self) -> AsyncIterator[CoreConnection]:
        """A short write transaction on a bare connection, for SQLAlchemy Core statements only
        (no ORM session: the hot paths skip its identity map and unit of work). On a SQLite
        file the statements run on the loop (``sqlite_writer``, chosen by measurement)."""
        conn: CoreConnection
        if self._loop_writer is not None:
            async with self._loop_writer.transaction() as conn:
                conn.info.pop(CHANGED, None)
                yield conn
                changed = conn.info.pop(CHANGED, False)
        else:
            async with _connected(self._write_engine) as conn:
                conn.info.pop(CHANGED, None)
                async with conn.begin():
                    yield conn
                changed = conn.info.pop(CHANGED, False)
        if changed:
            self._changed()

    @asynccontextmanager
    async def bare_connection(self) -> AsyncIterator[AsyncConnection]:
        """A PostgreSQL connection outside any transaction, for statements each run and
        committed alone (``cclibs.storage.direct.alone``)."""
        if self.is_sqlite:
            raise RuntimeError("bare connections are for PostgreSQL")
        async with _connected(self._write_engine) as conn:
            yield conn

    async def read_scalar(self, statement: Executable) -> object:
        """The first column of the first row of one Core statement, in a read transaction of
        its own (None when there is no row)."""
        async with _connected(self._read_engine) as conn:
            return (await conn.execute(statement)).scalar()

    async def ping(self) -> None:
        """Raises when the database does not answer."""
        async with _connected(self._read_engine) as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self._read_engine.dispose()
        if self._loop_writer is not None:
            self._loop_writer.dispose()
        if self._write_engine is not self._read_engine:
            await self._write_engine.dispose()
