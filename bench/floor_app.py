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

A figure here is what any implementation on these parts could reach at best; cclibs' own
figure, and the target's, read against it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import sqlite3
import time
import uuid
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


async def token(request: Request) -> Response:
    form = dict(parse_qsl((await request.body()).decode()))
    if form.get("grant_type") != "client_credentials":
        return _error(400, "unsupported_grant_type")
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return _error(401, "invalid_client")
    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    digest = hashlib.sha256(unquote_plus(secret).encode()).digest()
    if unquote_plus(client_id) != CLIENT_ID or not hmac.compare_digest(digest, _SECRET_SHA256):
        return _error(401, "invalid_client")
    now = int(time.time())
    claims = {
        "iss": "http://127.0.0.1",
        "sub": CLIENT_ID,
        "aud": "http://127.0.0.1/api",
        "client_id": CLIENT_ID,
        "scope": form.get("scope", ""),
        "iat": now,
        "exp": now + 3600,
        "jti": uuid.uuid4().hex,
    }
    answer = {
        "access_token": jwt.encode(_signer.header, claims, _signer.key),
        "token_type": "bearer",
        "expires_in": 3600,
    }
    return Response(orjson.dumps(answer), media_type=_JSON, headers=_NO_STORE)


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


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/token", token, methods=["POST"]),
        Route("/api/v1/libraries", libraries),
    ]
)
