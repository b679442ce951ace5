"""The stack's floor: the least work two of issue 13's requests need on the parts cclibs is
built from (uvicorn, Starlette, joserfc, SQLite), with nothing else.

Served by bench/run as ``floor_app:app`` (``bench/`` on PYTHONPATH), configured by:

- ``FLOOR_ALG`` (RS256 or ES256): POST /token answers a client_credentials request. It parses
  the form, checks HTTP Basic against one client whose secret's SHA-256 is held in memory
  (constant-time compare), and signs a JWT access token with a key made at start. No
  middleware, no logging, no database, no rate limits, no audit, no token record.
- ``FLOOR_DB`` and ``FLOOR_TOKEN``: GET /api/v1/libraries checks that the bearer token is the
  one it was given (a set lookup: no signature check, no expiry), runs one query on cclibs'
  SQLite file with the sqlite3 module on the loop, and answers the owner's libraries as JSON
  (orjson). No middleware, no SQLAlchemy, no logging, no security headers.

- ``FLOOR_REFRESH_DB`` (a SQLite file) or ``FLOOR_REFRESH_PG`` (a PostgreSQL URL): POST
  /token also answers refresh_token, rotating on every use. After the same client check it
  runs one write transaction (the token's row by its SHA-256, locked; marked rotated; its
  successor inserted): the sqlite3 module on the loop (``BEGIN IMMEDIATE``), or asyncpg from a
  pool (``SELECT ... FOR UPDATE``). Then the signed access token and the new refresh token.
  POST /seed?count=N makes N refresh tokens for the load to start from.

A figure here is what any implementation on these parts could reach at best; cclibs' own
figure, and the target's, read against it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import orjson
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CLIENT_ID = "floor-client"
CLIENT_SECRET = "floor-secret-0123456789abcdef"  # noqa: S105 - the bench's own test client
"""The one client of POST /token; bench/run sends these as HTTP Basic."""

_SECRET_SHA256 = hashlib.sha256(CLIENT_SECRET.encode()).digest()
_JSON = "application/json"
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}
_LIST = (
    "SELECT id, name, created_ms, modified_ms, version, elements_count, storage_used "
    "FROM libraries WHERE owner_id = ? ORDER BY modified_ms DESC, id LIMIT 51"
)


def _error(status: int, code: str) -> Response:
    return Response(orjson.dumps({"error": code}), status, media_type=_JSON)


class _Signer:
    def __init__(self, alg: str) -> None:
        key = RSAKey.generate_key(2048) if alg == "RS256" else ECKey.generate_key("P-256")
        self.key: Any = key
        self.header = {"alg": alg, "kid": "floor", "typ": "at+jwt"}


_signer = _Signer(os.environ.get("FLOOR_ALG", "ES256"))


def _client_ok(request: Request) -> bool:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    digest = hashlib.sha256(unquote_plus(secret).encode()).digest()
    return unquote_plus(client_id) == CLIENT_ID and hmac.compare_digest(digest, _SECRET_SHA256)


def _access_token(scope: str) -> str:
    now = int(time.time())
    claims = {
        "iss": "http://127.0.0.1",
        "sub": CLIENT_ID,
        "aud": "http://127.0.0.1/api",
        "client_id": CLIENT_ID,
        "scope": scope,
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(_signer.header, claims, _signer.key)


async def token(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode()))
    grant_type = form.get("grant_type")
    if grant_type not in ("client_credentials", "refresh_token"):
        return _error(400, "unsupported_grant_type")
    if not _client_ok(request):
        return _error(401, "invalid_client")
    answer: dict[str, Any] = {"token_type": "bearer", "expires_in": 3600}
    if grant_type == "refresh_token":
        rotated = await _refresh.rotate(form.get("refresh_token", ""))
        if rotated is None:
            return _error(400, "invalid_grant")
        answer["refresh_token"], scope = rotated
    else:
        scope = form.get("scope", "")
    answer["access_token"] = _access_token(scope)
    return Response(orjson.dumps(answer), media_type=_JSON, headers=_NO_STORE)


def _sha256(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


class _RefreshStore:
    """Refresh tokens by their SHA-256: a SQLite file on the loop, or PostgreSQL by asyncpg."""

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS floor_refresh (token_hash BYTEA PRIMARY KEY, "
        "client_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at BIGINT NOT NULL, "
        "rotated_at BIGINT)"
    )

    def __init__(self) -> None:
        self.sqlite_path = os.environ.get("FLOOR_REFRESH_DB", "")
        self.pg_url = os.environ.get("FLOOR_REFRESH_PG", "")
        self._sqlite: sqlite3.Connection | None = None
        self._pg: Any = None

    async def open(self) -> None:
        if self.sqlite_path:
            db = sqlite3.connect(self.sqlite_path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(self._SCHEMA.replace("BYTEA", "BLOB"))
            self._sqlite = db
        elif self.pg_url:
            import asyncpg

            self._pg = await asyncpg.create_pool(self.pg_url, min_size=10, max_size=10)
            async with self._pg.acquire() as conn:
                await conn.execute(self._SCHEMA)

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.close()

    async def seed(self, count: int) -> list[str]:
        values = [secrets.token_urlsafe(32) for _ in range(count)]
        rows = [(_sha256(v), CLIENT_ID, "openid offline_access", int(time.time()) + 86_400)
                for v in values]  # fmt: skip
        if self._sqlite is not None:
            self._sqlite.executemany("INSERT INTO floor_refresh VALUES (?, ?, ?, ?, NULL)", rows)
        elif self._pg is not None:
            async with self._pg.acquire() as conn:
                await conn.executemany(
                    "INSERT INTO floor_refresh VALUES ($1, $2, $3, $4, NULL)", rows
                )
        return values

    async def rotate(self, value: str) -> tuple[str, str] | None:
        """The new refresh token and the scope, or None when ``value`` cannot be used."""
        successor = secrets.token_urlsafe(32)
        now = int(time.time())
        if self._sqlite is not None:
            return self._rotate_sqlite(self._sqlite, value, successor, now)
        if self._pg is not None:
            async with self._pg.acquire() as conn, conn.transaction():
                row = await conn.fetchrow(
                    "SELECT client_id, scope, expires_at, rotated_at FROM floor_refresh "
                    "WHERE token_hash = $1 FOR UPDATE",
                    _sha256(value),
                )
                if not _usable(row, now):
                    return None
                await conn.execute(
                    "UPDATE floor_refresh SET rotated_at = $1 WHERE token_hash = $2",
                    now, _sha256(value),
                )  # fmt: skip
                await conn.execute(
                    "INSERT INTO floor_refresh VALUES ($1, $2, $3, $4, NULL)",
                    _sha256(successor), CLIENT_ID, row[1], now + 86_400,
                )  # fmt: skip
                return successor, row[1]
        return None

    @staticmethod
    def _rotate_sqlite(
        db: sqlite3.Connection, value: str, successor: str, now: int
    ) -> tuple[str, str] | None:
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute(
                "SELECT client_id, scope, expires_at, rotated_at FROM floor_refresh "
                "WHERE token_hash = ?",
                (_sha256(value),),
            ).fetchone()
            if not _usable(row, now):
                db.execute("ROLLBACK")
                return None
            db.execute(
                "UPDATE floor_refresh SET rotated_at = ? WHERE token_hash = ?",
                (now, _sha256(value)),
            )
            db.execute(
                "INSERT INTO floor_refresh VALUES (?, ?, ?, ?, NULL)",
                (_sha256(successor), CLIENT_ID, row[1], now + 86_400),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return successor, row[1]


def _usable(row: Any, now: int) -> bool:
    return row is not None and row[0] == CLIENT_ID and row[2] > now and row[3] is None


_refresh = _RefreshStore()


async def seed(request: Request) -> Response:
    count = min(int(request.query_params.get("count", "1")), 10_000)
    return Response(orjson.dumps(await _refresh.seed(count)), media_type=_JSON)


class _Libraries:
    def __init__(self) -> None:
        self.db: sqlite3.Connection | None = None
        self.owner = ""
        self.tokens = {os.environ.get("FLOOR_TOKEN", "")} - {""}

    def open(self) -> sqlite3.Connection:
        if self.db is None:
            self.db = sqlite3.connect(os.environ["FLOOR_DB"], check_same_thread=False)
            row = self.db.execute("SELECT owner_id FROM libraries LIMIT 1").fetchone()
            self.owner = row[0] if row else ""
        return self.db


_libraries = _Libraries()


async def libraries(request: Request) -> Response:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or given not in _libraries.tokens:
        return _error(401, "invalid_token")
    db = _libraries.open()
    base = "http://127.0.0.1/api/v1/libraries/"
    items = [
        {
            "id": row[0],
            "name": row[1],
            "created_date": row[2],
            "modified_date": row[3],
            "etag": f'"{row[4]}"',
            "total_count": row[5],
            "storage_used": row[6],
            "_links": {"self": {"href": base + row[0]}},
        }
        for row in db.execute(_LIST, (_libraries.owner,))
    ]
    body = {"total_count": len(items), "libraries": items, "_links": {}}
    return Response(orjson.dumps(body), media_type=_JSON)


async def healthz(_request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type=_JSON)


@contextlib.asynccontextmanager
async def _lifespan(_app: Starlette) -> AsyncIterator[None]:
    await _refresh.open()
    try:
        yield
    finally:
        await _refresh.close()


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/token", token, methods=["POST"]),
        Route("/seed", seed, methods=["POST"]),
        Route("/api/v1/libraries", libraries),
    ],
    lifespan=_lifespan,
)
