"""SQL implementation of ``cclibs.webhooks.ports``, and the outbox writer the Libraries API's
store calls before each write transaction commits.

Who hears of a library: a subscription receives the events of a library when its credential
(the subscription's client) is trusted by a user who owns or collaborates on the library, that
is when such a user consented to the credential with the ``cc_libraries`` scope, or owns the
credential's project (the developer's own libraries reach the developer's own credentials, a
Server-to-Server one included). The audience is taken when the change commits: a library
deleted is announced to those who could see it just before.

Claims: a worker leases due rows as ``cclibs.storage.leases`` does for every outbox.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import ColumnElement, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from cclibs.libraries.models import Library
from cclibs.storage.db import Database
from cclibs.storage.leases import any_due, lease_due
from cclibs.storage.library_rows import library_of
from cclibs.storage.tables import (
    ClientRow,
    ConsentRow,
    LibraryRow,
    ProjectRow,
    WebhookAttemptRow,
    WebhookDeliveryRow,
    WebhookSubscriptionRow,
)
from cclibs.storage.tables.libraries import LibraryCollaboratorRow
from cclibs.webhooks.changes import ChangeSet
from cclibs.webhooks.events import envelope_bytes
from cclibs.webhooks.models import Claimed, Delivery, Outcome, Subscription

__all__ = [
    "SqlOutbox",
    "SqlSubscriptionStore",
    "SqlSubscriptionTransactions",
    "note_library_deleted",
    "write_outbox",
]

_AUDIENCE_SCOPE = "cc_libraries"
_Audience = list[tuple[str, str, frozenset[str]]]
"""(subscription id, client id, event types) of the subscriptions that hear of a library."""


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _new_id() -> str:
    return uuid.uuid4().hex


# The outbox writer ---------------------------------------------------------------------------


async def _audience(session: AsyncSession, library: Library) -> _Audience:
    collaborators = select(LibraryCollaboratorRow.user_id).where(
        LibraryCollaboratorRow.library_id == library.id
    )

    def among(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
        return or_(column == library.owner_id, column.in_(collaborators))

    consented = select(ConsentRow.client_id).where(
        among(ConsentRow.user_id), ConsentRow.scopes.contains(_AUDIENCE_SCOPE)
    )
    developed = (
        select(ClientRow.client_id)
        .join(ProjectRow, ProjectRow.id == ClientRow.project_id)
        .where(among(ProjectRow.owner_id))
    )
    rows = await session.execute(
        select(
            WebhookSubscriptionRow.id,
            WebhookSubscriptionRow.client_id,
            WebhookSubscriptionRow.event_types,
        ).where(
            or_(
                WebhookSubscriptionRow.client_id.in_(consented),
                WebhookSubscriptionRow.client_id.in_(developed),
            )
        )
    )
    return [(id_, client, frozenset(types.split())) for id_, client, types in rows]


async def note_library_deleted(session: AsyncSession, changes: ChangeSet, library_id: str) -> None:
    """Before a library's row goes: note its last state, and who may hear of it (its
    collaborators go with it)."""
    row = await session.scalar(select(LibraryRow).where(LibraryRow.id == library_id))
    if row is None:
        return
    library = library_of(row)
    changes.library_deleted(library)
    changes.audiences[library.id] = await _audience(session, library)


async def write_outbox(session: AsyncSession, changes: ChangeSet) -> None:
    """One delivery row per event and subscription that hears of it, in ``session``'s
    transaction, just before it commits."""
    if not changes:
        return
    loaded: dict[str, Library] = {}
    for library_id in sorted(changes.libraries_to_load()):
        row = await session.scalar(select(LibraryRow).where(LibraryRow.id == library_id))
        if row is not None:
            loaded[library_id] = library_of(row)
    now = _now_ms()
    rows = []
    for event in changes.events(loaded, now):
        audience = changes.audiences.get(event.library.id)
        if audience is None:
            audience = changes.audiences[event.library.id] = await _audience(session, event.library)
        for subscription_id, client_id, types in audience:
            if event.type not in types:
                continue
            rows.append(
                {
                    "id": _new_id(),
                    "subscription_id": subscription_id,
                    "event_id": event.id,
                    "event_type": event.type,
                    "library_id": event.library.id,
                    "body": envelope_bytes(event, client_id),
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_ms": 0,
                    "created_ms": now,
                }
            )
    if rows:
        await session.execute(insert(WebhookDeliveryRow), rows)


# Subscriptions -------------------------------------------------------------------------------


def _subscription_of(row: WebhookSubscriptionRow) -> Subscription:
    return Subscription(
        row.id, row.client_id, row.url, tuple(row.event_types.split()), row.created_ms
    )


class SqlSubscriptionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def insert_subscription(self, subscription: Subscription, sealed_secret: str) -> None:
        await self._s.execute(
            insert(WebhookSubscriptionRow).values(
                id=subscription.id,
                client_id=subscription.client_id,
                url=subscription.url,
                event_types=" ".join(subscription.event_types),
                sealed_secret=sealed_secret,
                created_ms=subscription.created_ms,
            )
        )

    async def subscriptions(self, client_id: str) -> list[Subscription]:
        rows = await self._s.scalars(
            select(WebhookSubscriptionRow)
            .where(WebhookSubscriptionRow.client_id == client_id)
            .order_by(WebhookSubscriptionRow.created_ms, WebhookSubscriptionRow.id)
        )
        return [_subscription_of(row) for row in rows]

    async def subscription(self, client_id: str, subscription_id: str) -> Subscription | None:
        row = await self._s.scalar(
            select(WebhookSubscriptionRow).where(
                WebhookSubscriptionRow.id == subscription_id,
                WebhookSubscriptionRow.client_id == client_id,
            )
        )
        return _subscription_of(row) if row else None

    async def delete_subscription(self, subscription_id: str) -> None:
        # Deliveries and their attempts go by ON DELETE CASCADE.
        await self._s.execute(
            delete(WebhookSubscriptionRow).where(WebhookSubscriptionRow.id == subscription_id)
        )

    async def deliveries(
        self, client_id: str, limit: int, subscription_id: str | None = None
    ) -> list[Delivery]:
        d, s = WebhookDeliveryRow, WebhookSubscriptionRow
        query = (
            select(d, s.url)
            .join(s, s.id == d.subscription_id)
            .where(s.client_id == client_id)
            .order_by(d.created_ms.desc(), d.id.desc())
            .limit(limit)
        )
        if subscription_id is not None:
            query = query.where(d.subscription_id == subscription_id)
        rows = await self._s.execute(query)
        return [
            Delivery(
                row.id,
                row.subscription_id,
                url,
                row.event_id,
                row.event_type,
                row.library_id,
                row.state,
                row.attempts,
                row.created_ms,
                row.next_attempt_ms,
                row.finished_ms,
                row.last_status,
                row.last_error,
            )
            for row, url in rows
        ]


class SqlSubscriptionTransactions:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlSubscriptionStore]:
        async with self._db.read() as session:
            yield SqlSubscriptionStore(session)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlSubscriptionStore]:
        async with self._db.write() as session:
            yield SqlSubscriptionStore(session)


# The worker's side ---------------------------------------------------------------------------


class SqlOutbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, owner: str, now_ms: int, lease_ms: int, limit: int) -> list[Claimed]:
        d, s = WebhookDeliveryRow, WebhookSubscriptionRow
        async with self._db.read() as session:
            if not await any_due(session, d, now_ms):
                return []
        async with self._db.write() as session:
            taken = await lease_due(session, d, owner, now_ms, now_ms + lease_ms, limit)
            if not taken:
                return []
            rows = await session.execute(
                select(d, s.url, s.sealed_secret)
                .join(s, s.id == d.subscription_id)
                .where(d.id.in_(taken))
                .order_by(d.next_attempt_ms, d.created_ms, d.id)
                .execution_options(populate_existing=True)
            )
            return [
                Claimed(
                    row.id, row.subscription_id, row.event_id, url, row.body, sealed, row.attempts
                )
                for row, url, sealed in rows
            ]

    async def settle(
        self,
        claimed: Claimed,
        owner: str,
        outcome: Outcome,
        *,
        state: str,
        next_attempt_ms: int,
    ) -> None:
        d = WebhookDeliveryRow
        finished = outcome.started_ms + outcome.duration_ms
        async with self._db.write() as session:
            settled = await session.execute(
                update(d)
                .where(d.id == claimed.id, d.lease_owner == owner)
                .values(
                    state=state,
                    attempts=d.attempts + 1,
                    next_attempt_ms=next_attempt_ms,
                    lease_owner=None,
                    lease_until_ms=None,
                    finished_ms=finished if state != "pending" else None,
                    last_status=outcome.status,
                    last_error=outcome.error,
                )
                .execution_options(synchronize_session=False)
            )
            # No row settled: the lease ran out and another worker holds the row, or the
            # subscription is gone with its deliveries. Record the attempt if the row remains.
            lost = settled.rowcount == 0  # type: ignore[attr-defined]
            if lost and await session.scalar(select(d.id).where(d.id == claimed.id)) is None:
                return
            await session.execute(
                insert(WebhookAttemptRow).values(
                    id=_new_id(),
                    delivery_id=claimed.id,
                    number=claimed.attempts + 1,
                    started_ms=outcome.started_ms,
                    duration_ms=outcome.duration_ms,
                    status=outcome.status,
                    error=outcome.error,
                )
            )
