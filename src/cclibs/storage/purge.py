"""The purge: deleting what can never be used again, in small batches.

What goes, and when:

- authorization codes, device authorizations and web and Playground sessions: at expiry.
  A used code is kept until then, so that its replay still revokes what it issued;
- refresh tokens, rotated or not, one day after they expire. A rotated token is kept until
  its own expiry because presenting it again is how a leak is detected (RFC 9700 §4.14.2);
  the extra day keeps the grant alive while an access token issued with it may still be;
- refresh tokens of revoked grants, and then revoked grants, at once: they are refused
  either way, and a deleted grant refuses its access tokens just as a revoked one does;
- live grants left without a refresh token once the longest access token could have
  expired (they are sign-ins whose every token is dead);
- deny-list entries of revoked access tokens once the token itself has expired;
- webhook deliveries (with their attempts) 30 days after they were delivered or given up;
  pending ones stay until they are;
- mail 7 days after it was sent or given up (its bodies may hold links that still work);
  pending mail stays until then.

Sign-in throttle records are pruned by the throttle itself. Each batch is one short write
transaction, so the purge never holds SQLite's write lock for long while the server works.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, select

from cclibs.oauth.credential_rules import ACCESS_TOKEN_TTL_BOUNDS
from cclibs.storage.db import Database
from cclibs.storage.tables import (
    AuthorizationCodeRow,
    DeviceAuthorizationRow,
    GrantRow,
    MailOutboxRow,
    PlaygroundSessionRow,
    RefreshTokenRow,
    RevokedAccessTokenRow,
    WebhookDeliveryRow,
    WebSessionRow,
)

__all__ = ["BATCH", "Purge", "PurgeReport"]

BATCH = 500
_LONGEST_ACCESS_TOKEN = timedelta(seconds=ACCESS_TOKEN_TTL_BOUNDS[1])
WEBHOOK_HISTORY = timedelta(days=30)
MAIL_HISTORY = timedelta(days=7)


@dataclass
class PurgeReport:
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


class Purge:
    def __init__(self, db: Database, *, batch: int = BATCH) -> None:
        self._db = db
        self._batch = batch

    async def run(self, now: datetime) -> PurgeReport:
        report = PurgeReport()
        kept_a_day = now - _LONGEST_ACCESS_TOKEN
        steps: list[tuple[str, Any, ColumnElement[bool]]] = [
            (
                "authorization codes",
                AuthorizationCodeRow.code_hash,
                AuthorizationCodeRow.expires_at < now,
            ),
            (
                "device authorizations",
                DeviceAuthorizationRow.device_code_hash,
                DeviceAuthorizationRow.expires_at < now,
            ),
            ("web sessions", WebSessionRow.id, WebSessionRow.expires_at < now),
            (
                "playground sessions",
                PlaygroundSessionRow.id_hash,
                PlaygroundSessionRow.expires_at < now,
            ),
            ("refresh tokens", RefreshTokenRow.token_hash, RefreshTokenRow.expires_at < kept_a_day),
            (
                "refresh tokens of revoked grants",
                RefreshTokenRow.token_hash,
                RefreshTokenRow.grant_id.in_(
                    select(GrantRow.id).where(GrantRow.revoked_at.is_not(None))
                ),
            ),
            ("revoked grants", GrantRow.id, GrantRow.revoked_at.is_not(None)),
            (
                "grants with no live token",
                GrantRow.id,
                (GrantRow.created_at < kept_a_day)
                & ~exists().where(RefreshTokenRow.grant_id == GrantRow.id),
            ),
            (
                "revoked access tokens",
                RevokedAccessTokenRow.jti,
                RevokedAccessTokenRow.expires_at < now,
            ),
            (
                "webhook deliveries",
                WebhookDeliveryRow.id,
                WebhookDeliveryRow.finished_ms < int((now - WEBHOOK_HISTORY).timestamp() * 1000),
            ),
            (
                "mail",
                MailOutboxRow.id,
                MailOutboxRow.finished_ms < int((now - MAIL_HISTORY).timestamp() * 1000),
            ),
        ]
        for name, key, condition in steps:
            count = await self._in_batches(key, condition)
            report.deleted[name] = report.deleted.get(name, 0) + count
        return report

    async def _in_batches(self, key: Any, condition: ColumnElement[bool]) -> int:
        table = key.table
        total = 0
        while True:
            chosen = select(key).where(condition).limit(self._batch)
            async with self._db.write() as session:
                keys = list(await session.scalars(chosen))
                if keys:
                    await session.execute(delete(table).where(key.in_(keys)))
            total += len(keys)
            if len(keys) < self._batch:
                return total
            await asyncio.sleep(0)  # let waiting writers in between batches
