"""Leasing due outbox rows to one worker (webhook deliveries, mail).

A worker leases due rows with a conditional ``UPDATE ... WHERE lease is free``; on PostgreSQL
the candidate scan also skips rows another worker has locked, so many processes share an
outbox without waiting on each other, and a row is held by one of them at a time. A worker
that dies holds its rows until the lease runs out; then they are due again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["any_due", "lease_due"]


def _due(row: Any, now_ms: int) -> tuple[ColumnElement[bool], ...]:
    free = or_(row.lease_owner.is_(None), row.lease_until_ms < now_ms)
    return (row.state == "pending", row.next_attempt_ms <= now_ms, free)


async def any_due(session: AsyncSession, row: Any, now_ms: int) -> bool:
    """Whether any row is due, asked in a read: an idle worker polls twice a second, and on
    SQLite the write transaction of ``lease_due`` would take the one write lock each time
    (and wait out another writer's long transaction, such as a bulk import)."""
    found = await session.scalar(select(row.id).where(*_due(row, now_ms)).limit(1))
    return found is not None


async def lease_due(
    session: AsyncSession,
    row: Any,
    owner: str,
    now_ms: int,
    until_ms: int,
    limit: int,
) -> list[str]:
    """``row`` is the table's ORM class, with the columns ``id``, ``state`` (``pending``
    is due), ``next_attempt_ms``, ``created_ms``, ``lease_owner`` and ``lease_until_ms``.

    Lease to ``owner`` until ``until_ms`` up to ``limit`` pending rows due at ``now_ms``
    that no live lease holds; the ids of those it took, in the order they were due. A
    candidate taken by another worker meanwhile is left out by the conditional update."""
    due = _due(row, now_ms)
    candidates = list(
        await session.scalars(
            select(row.id)
            .where(*due)
            .order_by(row.next_attempt_ms, row.created_ms, row.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not candidates:
        return []
    await session.execute(
        update(row)
        .where(row.id.in_(candidates), *due)
        .values(lease_owner=owner, lease_until_ms=until_ms)
        .execution_options(synchronize_session=False)
    )
    taken = set(
        await session.scalars(
            select(row.id).where(
                row.id.in_(candidates), row.lease_owner == owner, row.lease_until_ms == until_ms
            )
        )
    )
    return [id_ for id_ in candidates if id_ in taken]
