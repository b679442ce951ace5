"""One transaction factory for every SQL store: ``read()`` and ``write()`` yield a store
bound to a fresh session (see ``Database`` for what the two kinds of transaction mean)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.storage.db import Database

__all__ = ["SqlTransactions"]

StoreT = TypeVar("StoreT")


class SqlTransactions(Generic[StoreT]):
    def __init__(self, db: Database, store: Callable[[AsyncSession], StoreT]) -> None:
        self._db = db
        self._store = store

    @asynccontextmanager
    async def read(self) -> AsyncIterator[StoreT]:
        async with self._db.read() as session:
            yield self._store(session)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[StoreT]:
        async with self._db.write() as session:
            yield self._store(session)
