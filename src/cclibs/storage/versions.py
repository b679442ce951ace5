"""Knowing when cached credentials changed: a counter row, and a watch over it.

Client authentication and bearer validation read clients, secret hashes, live grants and the
access-token deny-list on every request; ``cclibs.storage.credential_cache`` keeps them in
memory. Whatever changes them calls ``bump`` inside its own write transaction, which

- adds one to the ``credentials`` row of ``change_counters`` (created by the first bump), so
  every other process, and every other cclibs server sharing the database, sees the change
  the next time it reads the counter; and
- marks the transaction, so that once it has committed ``Database`` tells this process's
  caches at once (``Database.on_change``).

A ``ChangeWatch`` reads the counter at most once per ``interval`` (on demand: the first
request after the interval waits for one read, and concurrent requests share it). A cache
entry is never used after a check that began more than ``interval`` after a committed change,
so another process sees a change within ``interval`` (0.5 s) plus the duration of one
primary-key read. PostgreSQL's LISTEN/NOTIFY would push changes instead, but it needs a
connection held per process and has no SQLite equivalent; the counter works the same on both,
and under load costs one indexed read per half second per process.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.storage.db import CHANGED, CoreConnection, Database
from cclibs.storage.tables import ChangeCounterRow

__all__ = ["CHECK_INTERVAL", "CREDENTIALS", "ChangeWatch", "bump", "bump_offline"]

CREDENTIALS = "credentials"
"""The counter of clients, secrets, users' disabled state and profile, grants' revocation and
the access-token deny-list."""

CHECK_INTERVAL = 0.5
"""Seconds between two reads of the counter: the bound within which other processes see a
change (plus one read)."""


def _bump_statement(dialect_name: str, name: str) -> Any:
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return (
        insert(ChangeCounterRow)
        .values(name=name, version=1)
        .on_conflict_do_update(
            index_elements=[ChangeCounterRow.name],
            set_={"version": ChangeCounterRow.version + 1},
        )
    )


async def bump(executor: AsyncSession | CoreConnection, name: str = CREDENTIALS) -> None:
    """Count a change to cached data in the caller's transaction (see the module docstring)."""
    dialect = (
        executor.get_bind().dialect if isinstance(executor, AsyncSession) else executor.dialect
    )
    await executor.execute(_bump_statement(dialect.name, name))
    executor.info[CHANGED] = True


def bump_offline(conn: Connection, name: str = CREDENTIALS) -> None:
    """``bump`` for the synchronous connection of a migration or of start-up preparation,
    before this process serves: other processes already serving (a rolling upgrade) see the
    change within the interval; this one has no cache yet."""
    conn.execute(_bump_statement(conn.dialect.name, name))


class ChangeWatch:
    """A generation number that moves whenever cached data may have changed: at once for a
    change this process committed, and when a read of the counter finds it moved."""

    def __init__(
        self,
        db: Database,
        *,
        name: str = CREDENTIALS,
        interval: float = CHECK_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._query = select(ChangeCounterRow.version).where(ChangeCounterRow.name == name)
        self._interval = interval
        self._monotonic = monotonic
        self.generation = 0
        self._version: object = None
        self._checked_at = -math.inf
        self._check: asyncio.Future[None] | None = None
        db.on_change(self.changed_here)

    def changed_here(self) -> None:
        """This process committed a change: every cache entry is stale from now on."""
        self.generation += 1

    async def current(self) -> int:
        """The generation, after reading the counter when the last read began ``interval``
        or more ago. Raises when the database cannot be read: a cache must not answer for
        data it can no longer vouch for."""
        if self._monotonic() - self._checked_at >= self._interval:
            if self._check is None:
                self._check = asyncio.ensure_future(self._read_counter())
            await asyncio.shield(self._check)
        return self.generation

    async def _read_counter(self) -> None:
        began = self._monotonic()
        try:
            version = await self._db.read_scalar(self._query)
            if version != self._version:
                self._version = version
                self.generation += 1
            self._checked_at = began
        finally:
            self._check = None
