"""SQL implementation of ``cclibs.mail.ports``: the mail outbox.

``SqlMailWriter`` adds a message inside a caller's session, so that it commits (or rolls back)
with the caller's other writes; ``SqlMailOutbox`` is the worker's and the administrator's side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.mail.message import QueuedMail
from cclibs.mail.ports import Claimed, MailState, OutboxEntry
from cclibs.storage.db import Database
from cclibs.storage.leases import any_due, lease_due
from cclibs.storage.tables import MailOutboxRow

__all__ = ["SqlMailOutbox", "SqlMailWriter"]


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _queued(row: MailOutboxRow) -> QueuedMail:
    return QueuedMail(
        id=row.id,
        message_id=row.message_id,
        sender=row.sender,
        to=row.recipient,
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
        created_at=datetime.fromtimestamp(row.created_ms / 1000, UTC),
    )


class SqlMailWriter:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, mail: QueuedMail) -> None:
        created = _ms(mail.created_at)
        await self._s.execute(
            insert(MailOutboxRow).values(
                id=mail.id,
                message_id=mail.message_id,
                sender=mail.sender,
                recipient=mail.to,
                subject=mail.subject,
                text_body=mail.text,
                html_body=mail.html,
                state="pending",
                attempts=0,
                next_attempt_ms=created,
                created_ms=created,
            )
        )


class SqlMailOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlMailWriter]:
        async with self._db.write() as session:
            yield SqlMailWriter(session)

    async def claim(self, owner: str, now_ms: int, lease_ms: int, limit: int) -> list[Claimed]:
        m = MailOutboxRow
        async with self._db.read() as session:
            if not await any_due(session, m, now_ms):
                return []
        async with self._db.write() as session:
            taken = await lease_due(session, m, owner, now_ms, now_ms + lease_ms, limit)
            if not taken:
                return []
            rows = await session.scalars(
                select(m)
                .where(m.id.in_(taken))
                .order_by(m.next_attempt_ms, m.created_ms, m.id)
                .execution_options(populate_existing=True)
            )
            return [Claimed(_queued(row), row.attempts) for row in rows]

    async def settle(
        self,
        claimed: Claimed,
        owner: str,
        *,
        state: MailState,
        next_attempt_ms: int,
        finished_ms: int | None,
        error: str | None,
    ) -> bool:
        m = MailOutboxRow
        async with self._db.write() as session:
            settled = await session.execute(
                update(m)
                .where(m.id == claimed.mail.id, m.lease_owner == owner)
                .values(
                    state=state,
                    attempts=m.attempts + 1,
                    next_attempt_ms=next_attempt_ms,
                    lease_owner=None,
                    lease_until_ms=None,
                    finished_ms=finished_ms,
                    last_error=error,
                )
                .execution_options(synchronize_session=False)
            )
            return bool(settled.rowcount)  # type: ignore[attr-defined]

    async def recent(self, limit: int) -> list[OutboxEntry]:
        m = MailOutboxRow
        async with self._db.read() as session:
            rows = await session.execute(
                select(
                    m.id,
                    m.message_id,
                    m.recipient,
                    m.subject,
                    m.state,
                    m.attempts,
                    m.created_ms,
                    m.next_attempt_ms,
                    m.finished_ms,
                    m.last_error,
                )
                .order_by(m.created_ms.desc(), m.id.desc())
                .limit(limit)
            )
            return [
                OutboxEntry(
                    id_, message_id, to, subject, _state(state), attempts, created, due, done, error
                )
                for id_, message_id, to, subject, state, attempts, created, due, done, error in rows
            ]


def _state(value: str) -> MailState:
    if value in ("pending", "sent", "failed"):
        return cast(MailState, value)
    raise ValueError(f"unknown mail state {value!r}")
