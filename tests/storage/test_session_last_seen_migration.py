"""Migration 0019: sessions from before it were last seen, as far as anyone knows, when they
began, from an address nobody wrote down; and it goes down and up again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text

from cclibs.storage import Database, migrate

BEGAN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


async def _execute(database_url: str, statement: str, **values: object) -> list[tuple[object, ...]]:
    db = Database(database_url)
    try:
        async with db.write() as session:
            result = await session.execute(text(statement), values)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await db.dispose()


def test_sessions_from_before_were_last_seen_when_they_began(database_url: str) -> None:
    migrate.downgrade(database_url, "0018")
    try:
        stored = BEGAN if database_url.startswith("postgresql") else BEGAN.replace(tzinfo=None)
        asyncio.run(
            _execute(
                database_url,
                "INSERT INTO users (id, email, name, password_hash, is_admin, is_disabled,"
                " email_verified, created_at, password_changed_at)"
                " VALUES ('U1@AdobeID', 'u@example.com', 'U', 'x', false, false, false, :at, :at)",
                at=stored,
            )
        )
        asyncio.run(
            _execute(
                database_url,
                "INSERT INTO web_sessions (id, user_id, created_at, expires_at, user_agent, amr)"
                " VALUES ('s1', 'U1@AdobeID', :at, :at, 'Firefox/133.0', 'pwd')",
                at=stored,
            )
        )
    finally:
        migrate.upgrade(database_url)
    rows = asyncio.run(
        _execute(database_url, "SELECT last_seen_at, address FROM web_sessions WHERE id = 's1'")
    )
    assert len(rows) == 1
    last_seen, address = rows[0]
    assert isinstance(last_seen, datetime | str)
    seen = datetime.fromisoformat(str(last_seen))
    assert (seen if seen.tzinfo else seen.replace(tzinfo=UTC)) == BEGAN
    assert address == ""
    migrate.check(database_url)
