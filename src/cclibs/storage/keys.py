"""SQL implementation of the signing-key port (``cclibs.oauth.keys.KeyStore``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Final

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.oauth.keys import ALGS, Alg, StoredKey
from cclibs.storage.db import Database
from cclibs.storage.tables import SigningKeyRow

__all__ = ["SqlKeyStore", "SqlKeyTransactions"]

# Any constant will do; it names "the signing keys" among PostgreSQL advisory locks.
_POSTGRES_LOCK_ID: Final = 0x63636C6962_6B6579  # "cclib" "key"


def _alg(value: str) -> Alg:
    for alg in ALGS:
        if value == alg:
            return alg
    raise ValueError(f"signing_keys holds an unknown algorithm {value!r}")


def _stored(row: SigningKeyRow) -> StoredKey:
    return StoredKey(
        kid=row.kid,
        alg=_alg(row.alg),
        sealed_private_key=row.sealed_private_key,
        public_jwk=json.loads(row.public_jwk),
        created_at=row.created_at,
        not_before=row.not_before,
        retired_at=row.retired_at,
    )


class SqlKeyStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def list_keys(self) -> list[StoredKey]:
        rows = await self._s.scalars(
            select(SigningKeyRow).order_by(SigningKeyRow.created_at, SigningKeyRow.kid)
        )
        return [_stored(row) for row in rows]

    async def add_key(self, key: StoredKey) -> None:
        self._s.add(
            SigningKeyRow(
                kid=key.kid,
                alg=key.alg,
                sealed_private_key=key.sealed_private_key,
                public_jwk=json.dumps(dict(key.public_jwk), separators=(",", ":")),
                created_at=key.created_at,
                not_before=key.not_before,
                retired_at=key.retired_at,
            )
        )
        await self._s.flush()

    async def retire_key(self, kid: str, at: datetime) -> None:
        await self._s.execute(
            update(SigningKeyRow).where(SigningKeyRow.kid == kid).values(retired_at=at)
        )

    async def delete_retired_at_or_before(self, cutoff: datetime) -> list[str]:
        kids = list(
            await self._s.scalars(
                select(SigningKeyRow.kid).where(SigningKeyRow.retired_at <= cutoff)
            )
        )
        if kids:
            await self._s.execute(delete(SigningKeyRow).where(SigningKeyRow.kid.in_(kids)))
        return kids


class SqlKeyTransactions:
    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlKeyStore]:
        async with self._db.read() as session:
            yield SqlKeyStore(session)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[SqlKeyStore]:
        """A serialised write: SQLite's BEGIN IMMEDIATE already is one; on PostgreSQL a
        transaction-scoped advisory lock makes concurrent ``ensure_keys`` calls (workers
        starting together) see each other's keys instead of each adding a set."""
        async with self._db.write() as session:
            if not self._db.is_sqlite:
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:id)"), {"id": _POSTGRES_LOCK_ID}
                )
            yield SqlKeyStore(session)
