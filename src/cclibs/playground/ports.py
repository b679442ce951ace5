"""Storage contract of the playground's server-side state."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

__all__ = ["PlaygroundStore", "PlaygroundTransactions"]


class PlaygroundStore(Protocol):
    async def load(self, id_hash: str, now: datetime) -> str | None:
        """The sealed state stored under ``id_hash``, unless it expired before ``now``."""
        ...

    async def load_for_update(self, id_hash: str, now: datetime) -> str | None:
        """As ``load``, and the row stays locked until the transaction ends: only in ``write()``,
        between a read and the save that depends on it."""
        ...

    async def save(self, id_hash: str, sealed: str, now: datetime, expires_at: datetime) -> None:
        """Insert or replace the state under ``id_hash``."""
        ...

    async def delete(self, id_hash: str) -> None: ...

    async def purge(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` states that expired before ``now``; how many went."""
        ...


class PlaygroundTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[PlaygroundStore]: ...

    def write(self) -> AbstractAsyncContextManager[PlaygroundStore]: ...
