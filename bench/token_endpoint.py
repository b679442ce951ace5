"""Requests per second and latency of POST /ims/token/v3, next to a bare-app ceiling.

Measured on 127.0.0.1 with 1 and 2 workers, on SQLite and on PostgreSQL, through the real
``cclibs serve`` in production mode:
  * grant_type=client_credentials from a Server-to-Server credential (client_secret_basic):
    ``wrk`` with a Lua script (a fixed POST body and Basic header) on C connections;
  * grant_type=refresh_token with rotation: K chains, each POSTing its newest refresh token
    and taking the next one from the response, for a fixed time (``wrk -t K -c K`` with a Lua
    script: one thread, so one connection and one Lua state, per chain);
  * the ceiling of each: a bare Starlette app (bench/bare_app.py plus a POST route that parses
    the form body and answers a small JSON, with a fresh refresh_token when asked to refresh),
    under ``python -m uvicorn`` with the options ``cclibs serve`` gives uvicorn, loaded by the
    same generator with the same settings.
Then the same two cclibs loads again after bulk-inserting grants and refresh tokens (rows
cloned from those the sign-in flows made, with new random ids and hashes), and once more after
deleting them (before / bulk / after, so that a drift of a shared machine shows), to see whether
the cost grows with the size of the tables. Last, cclibs' services are timed in-process, with
no HTTP, to show where a token's CPU goes.

Without ``wrk``, an in-process asyncio generator replaces it everywhere (bench/_pyload.py's
connection loop; a chain loop modelled on it for refresh). It saturates first: compare ratios.

    .venv/bin/python bench/token_endpoint.py [--duration 10] [--warmup 3] [--chains 32]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from urllib.parse import quote_plus

from _cclibs_setup import (
    FORM,
    TOKEN_PATH,
    Backend,
    Browser,
    basic_auth,
    count_error_lines,
    drop,
    prepare,
    psql,
)
from _harness import (
    BENCH_DIR,
    HOST,
    UVICORN_OPTIONS,
    CpuMeter,
    ServerProcess,
    clean_env,
    exit_on_sigterm,
    free_port,
    project_revision,
    use_revision,
    venv_bin,
    wait_for_quiet_machine,
)
from _pyload import Tally, one_connection
from _wrkload import LUA_DONE, Load, Redo, run_wrk
from _wrkload import measure as measure_load

S2S_SCOPE = "openid,AdobeID,cc_libraries"
_REFRESH = re.compile(rb'"refresh_token"\s*:\s*"([^"]+)"')

# The ceiling: bare_app's /healthz (for the readiness poll) and a token route that does the
# least a token endpoint must: read and parse the form body, answer JSON, not cached.
BARE_MODULE = '''"""Written by bench/token_endpoint.py: bare_app plus a POST form -> JSON route."""

import secrets
from urllib.parse import parse_qsl

from bare_app import healthz
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token(request):
    form = dict(parse_qsl((await request.body()).decode()))
    if "grant_type" not in form:
        return JSONResponse({"error": "invalid_request"}, status_code=400, headers=NO_STORE)
    body = {"access_token": "bare", "token_type": "bearer", "expires_in": 86400}
    if form["grant_type"] == "refresh_token":
        body["refresh_token"] = secrets.token_urlsafe(32)
    return JSONResponse(body, headers=NO_STORE)


app = Starlette(
    routes=[Route("/healthz", healthz), Route("/ims/token/v3", token, methods=["POST"])]
)
'''

# wrk (the done() of _wrkload.LUA_DONE follows each script). For refresh, setup() hands each
# thread (one connection each) its chain's first token; the thread keeps the newest token in
# its own state and counts the refreshes that brought a new one.
LUA_STATIC = """
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "{form}"
wrk.headers["Authorization"] = {auth}
"""
LUA_CHAINS = """
local tokens = {{{tokens}}}
local headers = {{["Content-Type"] = "{form}", ["Authorization"] = {auth}}}
chain_threads = {{}}

function setup(thread)
  table.insert(chain_threads, thread)
  thread:set("token", tokens[#chain_threads])
end

function init(args)
  refreshed = 0
end

function request()
  return wrk.format("POST", "{path}", headers, "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  if status == 200 then
    local new = body:match('"refresh_token"%s*:%s*"([^"]+)"')
    if new then
      token = new
      refreshed = refreshed + 1
    end
  end
end
"""

# Run in a fresh interpreter (the code measured, --rev included): the CPU-bound pieces.
PROBE = """
import json, secrets, time
from datetime import UTC, datetime, timedelta
from argon2 import PasswordHasher
from cclibs.oauth.clients import SecretHasher
from cclibs.oauth.keys import DEFAULT_MAX_TOKEN_LIFETIME, KeyRing, generate_key
now = datetime.now(UTC)
key = generate_key("RS256", now, publish_ahead=timedelta(0))
ring = KeyRing([key], now=now, max_token_lifetime=DEFAULT_MAX_TOKEN_LIFETIME)
t = int(now.timestamp())
claims = {"iss": "http://127.0.0.1:8000", "sub": secrets.token_hex(16),
          "aud": "http://127.0.0.1:8000/api", "client_id": secrets.token_hex(16),
          "scope": "openid AdobeID offline_access", "iat": t, "exp": t + 86400,
          "jti": secrets.token_urlsafe(16), "type": "access_token", "user_id": "u",
          "as": "cclibs", "created_at": str(t * 1000), "expires_in": "86400000",
          "gid": secrets.token_hex(16)}
hasher = SecretHasher(secrets.token_bytes(48))
value = secrets.token_urlsafe(32)
argon2 = PasswordHasher()
hashed = argon2.hash("a password of some length")
def per_call(fn, n):
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - began) / n)
    return sorted(runs)[2] * 1000
print(json.dumps({
    "RS256 sign of an access token (cclibs KeyRing.sign)":
        per_call(lambda: ring.sign(claims, alg="RS256", typ="at+jwt"), 100),
    "HMAC-SHA256 of a secret or refresh token (SecretHasher)":
        per_call(lambda: hasher.hash(value), 20000),
    "argon2id verify (passwords at sign-in only; not on this path)":
        per_call(lambda: argon2.verify(hashed, "a password of some length"), 3),
}))
"""

# Run in a fresh interpreter against one backend's data (no server running): the CPU of one
# token without HTTP, and of its parts, through cclibs' own services, one call at a time.
PATH_PROBE = """
import asyncio, json, resource, sys
from sqlalchemy import text
from cclibs.clock import SystemClock
from cclibs.config import load_settings
from cclibs.oauth.client_auth import ClientAuthenticator
from cclibs.oauth.clients import SecretHasher
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.signing import KeyRingSigner
from cclibs.services import build_services
from cclibs.storage.clients import SqlClientTransactions
given = json.loads(sys.argv[1])
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
async def per_call(fn, n):
    for _ in range(5):
        await fn()
    runs = []
    for _ in range(3):
        began = cpu()
        for _ in range(n):
            await fn()
        runs.append((cpu() - began) / n * 1000)
    return sorted(runs)[1]
async def main():
    services = build_services(load_settings())
    db, endpoint = services.db, services.oauth.token
    clients = SqlClientTransactions(db)
    authenticator = ClientAuthenticator(clients, SecretHasher(services.secret_key), SystemClock())
    signer = KeyRingSigner(services.oauth.keys)
    cc = OAuthRequest(params={"grant_type": "client_credentials", "scope": given["scope"]},
                      authorization=given["s2s"])
    claims = {"iss": "http://127.0.0.1:8000", "sub": "s" * 32, "scope": given["scope"],
              "iat": 1, "exp": 2, "jti": "j" * 22}
    token = given["refresh_token"]
    async def refresh():
        nonlocal token
        request = OAuthRequest(params={"grant_type": "refresh_token", "refresh_token": token},
                               authorization=given["web"])
        token = (await endpoint.handle(request))["refresh_token"]
    async def handle_cc():
        await endpoint.handle(cc)
    async def authenticate():
        await authenticator.authenticate(cc)
    async def sign():
        await signer.sign(claims, alg="RS256", typ="at+jwt")
    async def read_tx():
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    async def write_tx():
        async with db.write() as session:
            await session.execute(text("SELECT 1"))
    try:
        result = {
            "refresh_token, TokenEndpoint.handle": await per_call(refresh, 40),
            "client_credentials, TokenEndpoint.handle": await per_call(handle_cc, 60),
            "  of which ClientAuthenticator.authenticate": await per_call(authenticate, 60),
            "  of which RS256 signing (KeyRingSigner.sign)": await per_call(sign, 60),
            "read transaction, one SELECT 1": await per_call(read_tx, 100),
            "write transaction, one SELECT 1": await per_call(write_tx, 100),
        }
    finally:
        await db.dispose()
    print(json.dumps(result))
asyncio.run(main())
"""


@dataclass
class Row:
    grant: str  # client_credentials | refresh_token
    server: str  # bare | sqlite | postgresql
    workers: int
    phase: str  # ceiling | before | bulk | after (see main)
    grants: int | None
    refresh_tokens: int | None
    load: Load


@dataclass
class Context:
    args: argparse.Namespace
    tmp: Path
    loadgen: str  # wrk | python
    redone: int = 0
    rows: list[Row] = field(default_factory=list)
    paths: dict[str, dict[str, float]] = field(default_factory=dict)  # "db phase" -> ms
    path_other: dict[str, float] = field(default_factory=dict)  # other CPU during each probe
    problems: list[str] = field(default_factory=list)
    spare_tokens: dict[str, str] = field(default_factory=dict)  # unused, for the probe
    spare_ports: dict[str, int] = field(default_factory=dict)  # its issuer's port


# Load generators --------------------------------------------------------------------------


def write_lua(path: Path, auth: str, tokens: list[str] | None) -> Path:
    if tokens is None:
        body = f"grant_type=client_credentials&scope={quote_plus(S2S_SCOPE)}"
        text = LUA_STATIC.format(body=json.dumps(body), form=FORM, auth=json.dumps(auth))
    else:
        listed = ", ".join(json.dumps(t) for t in tokens)
        text = LUA_CHAINS.format(tokens=listed, form=FORM, auth=json.dumps(auth), path=TOKEN_PATH)
    path.write_text(text + LUA_DONE)
    return path


def _post(port: int, auth: str, body: str) -> bytes:
    head = f"POST {TOKEN_PATH} HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: {FORM}\r\n"
    head += f"Authorization: {auth}\r\nContent-Length: {len(body)}\r\n\r\n"
    return (head + body).encode()


async def _chain(port: int, auth: str, token: str, stop_at: float, tally: Tally) -> None:
    """One refresh chain on one keep-alive connection (bench/_pyload.py's loop, reading the
    body for the next token)."""
    writer = None
    while time.perf_counter() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            began = time.perf_counter()
            writer.write(_post(port, auth, f"grant_type=refresh_token&refresh_token={token}"))
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            tally.latencies.append(time.perf_counter() - began)
            new = _REFRESH.search(body) if head[9:12] == b"200" else None
            if new:
                token = new.group(1).decode()
            else:
                tally.non_2xx += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            tally.errors += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


async def _python_load(
    port: int, auth: str, tokens: list[str] | None, conns: int, secs: float
) -> Load:
    tally = Tally()
    began = time.perf_counter()
    stop_at = began + secs
    if tokens is None:
        body = f"grant_type=client_credentials&scope={quote_plus(S2S_SCOPE)}"
        request = _post(port, auth, body)
        tasks = [one_connection(request, port, stop_at, tally) for _ in range(conns)]
    else:
        tasks = [_chain(port, auth, token, stop_at, tally) for token in tokens]
    await asyncio.wait_for(asyncio.gather(*tasks), secs + 10)
    seconds = time.perf_counter() - began
    ordered = sorted(tally.latencies) or [0.0]
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []
    p50, p90, p99 = (cuts[i - 1] if cuts else ordered[0] for i in (50, 90, 99))
    ok = len(tally.latencies) - tally.non_2xx
    ms = (p50 * 1000, p90 * 1000, p99 * 1000, ordered[-1] * 1000)
    return Load(ok, seconds, *ms, failed=tally.non_2xx, errors=tally.errors)


def run_load(ctx: Context, port: int, auth: str, tokens: list[str] | None, secs: float) -> Load:
    """One bounded load against 127.0.0.1:port: client_credentials, or chains from ``tokens``."""
    args = ctx.args
    if ctx.loadgen == "python":
        conns = args.connections if tokens is None else len(tokens)
        try:
            import uvloop

            return uvloop.run(_python_load(port, auth, tokens, conns, secs))
        except ImportError:
            return asyncio.run(_python_load(port, auth, tokens, conns, secs))
    script = write_lua(ctx.tmp / f"load-{secrets.token_hex(4)}.lua", auth, tokens)
    if tokens is None:
        return run_wrk(port, TOKEN_PATH, script, args.threads, args.connections, secs)
    return run_wrk(port, TOKEN_PATH, script, len(tokens), len(tokens), secs)


def measure(
    ctx: Context,
    server: ServerProcess,
    port: int,
    auth: str,
    mint: Callable[[], list[str]] | None,
    database: str | None,
) -> Load:
    """_wrkload.measure for one load. Refresh runs get fresh chains each time (``mint``): a
    token used once is rotated for good."""
    args = ctx.args

    def run(secs: float) -> Load:
        return run_load(ctx, port, auth, mint() if mint else None, secs)

    redo = Redo(args.max_other, args.retries, args.retry_wait)
    load, redone = measure_load(
        run, server.pid, database, warmup=args.warmup, duration=args.duration, redo=redo
    )
    ctx.redone += redone
    return load


# cclibs: accounts, credentials, sign-in flows, data ---------------------------------------


def row_counts(backend: Backend) -> tuple[int, int]:
    """(grants, refresh tokens) in the database; read while no server runs."""
    if backend.database:
        out = psql(
            backend.database,
            "SELECT (SELECT count(*) FROM grants) || ' ' || (SELECT count(*) FROM refresh_tokens);",
        )
        grants, tokens = out.split()
        return int(grants), int(tokens)
    with closing(sqlite3.connect(backend.data_dir / "cclibs.sqlite3")) as db:
        found = db.execute(
            "SELECT (SELECT count(*) FROM grants), (SELECT count(*) FROM refresh_tokens)"
        ).fetchone()
    return int(found[0]), int(found[1])


# New grants cloned from the oldest real one (new random id and sid, marked 'bulk-'), and for
# each of them ``per`` refresh tokens cloned from the oldest real token: per-1 rotated, 1 live.
BULK_SQLITE = (
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :grants)
    INSERT INTO grants (id, client_id, user_id, scope, auth_time, sid, created_at, revoked_at)
    SELECT lower(hex(randomblob(16))), g.client_id, g.user_id, g.scope, g.auth_time,
           'bulk-' || lower(hex(randomblob(16))), g.created_at, NULL
    FROM n, (SELECT * FROM grants ORDER BY created_at LIMIT 1) AS g""",
    """WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < :per)
    INSERT INTO refresh_tokens
        (token_hash, grant_id, client_id, scope, created_at, expires_at, rotated_at)
    SELECT lower(hex(randomblob(32))), g.id, t.client_id, t.scope, t.created_at, t.expires_at,
           CASE WHEN k.j < :per THEN t.created_at END
    FROM grants AS g, k, (SELECT * FROM refresh_tokens ORDER BY created_at LIMIT 1) AS t
    WHERE g.sid LIKE 'bulk-%'""",
)
BULK_POSTGRES = """
BEGIN;
INSERT INTO grants (id, client_id, user_id, scope, auth_time, sid, created_at, revoked_at)
SELECT md5(random()::text || n::text), g.client_id, g.user_id, g.scope, g.auth_time,
       'bulk-' || md5(random()::text), g.created_at, NULL
FROM generate_series(1, :grants) AS n, (SELECT * FROM grants ORDER BY created_at LIMIT 1) AS g;
INSERT INTO refresh_tokens
    (token_hash, grant_id, client_id, scope, created_at, expires_at, rotated_at)
SELECT md5(random()::text) || md5(random()::text), g.id, t.client_id, t.scope, t.created_at,
       t.expires_at, CASE WHEN k < :per THEN t.created_at END
FROM grants AS g CROSS JOIN generate_series(1, :per) AS k
CROSS JOIN (SELECT * FROM refresh_tokens ORDER BY created_at LIMIT 1) AS t
WHERE g.sid LIKE 'bulk-%';
COMMIT;
ANALYZE grants;
ANALYZE refresh_tokens;
"""


UNBULK_SQLITE = (
    "DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE sid LIKE 'bulk-%')",
    "DELETE FROM grants WHERE sid LIKE 'bulk-%'",
)
UNBULK_POSTGRES = """
BEGIN;
DELETE FROM refresh_tokens WHERE grant_id IN (SELECT id FROM grants WHERE sid LIKE 'bulk-%');
DELETE FROM grants WHERE sid LIKE 'bulk-%';
COMMIT;
VACUUM FULL ANALYZE grants;
VACUUM FULL ANALYZE refresh_tokens;
"""


def bulk_insert(backend: Backend, grants: int, per: int) -> float:
    """Insert the bulk rows (no server running); returns the seconds it took."""
    began = time.perf_counter()
    if backend.database:
        psql(backend.database, BULK_POSTGRES, grants=grants, per=per)
    else:
        with closing(sqlite3.connect(backend.data_dir / "cclibs.sqlite3")) as db, db:
            for statement in BULK_SQLITE:
                db.execute(statement, {"grants": grants, "per": per})
        with closing(sqlite3.connect(backend.data_dir / "cclibs.sqlite3")) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def bulk_delete(backend: Backend) -> float:
    """Delete the bulk rows again and compact the tables (no server running)."""
    began = time.perf_counter()
    if backend.database:
        psql(backend.database, UNBULK_POSTGRES)
    else:
        with closing(sqlite3.connect(backend.data_dir / "cclibs.sqlite3")) as db, db:
            for statement in UNBULK_SQLITE:
                db.execute(statement)
        path = backend.data_dir / "cclibs.sqlite3"
        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


# Rounds -----------------------------------------------------------------------------------


def bare_round(ctx: Context, workers: int) -> None:
    python = str(venv_bin() / "python")
    port = free_port()
    argv = [python, "-m", "uvicorn", "bare_token_app:app", "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers), *UVICORN_OPTIONS]
    env = clean_env(PYTHONPATH=os.pathsep.join([str(ctx.tmp), str(BENCH_DIR)]))
    server = ServerProcess(argv, env, ctx.tmp / f"bare-{workers}w.log")
    server.start()
    try:
        server.wait_ready("/healthz", port, timeout=60)
        auth = basic_auth({"client_id": "bare", "client_secret": "bare"})
        chains = ctx.args.chains

        def mint() -> list[str]:
            return [secrets.token_urlsafe(32) for _ in range(chains)]

        for grant, minter in (("client_credentials", None), ("refresh_token", mint)):
            load = measure(ctx, server, port, auth, minter, None)
            ctx.rows.append(Row(grant, "bare", workers, "ceiling", None, None, load))
            print(f"  bare app    {workers}w {grant:<19}{load.rps:>9.0f}/s", flush=True)
    finally:
        stopped = server.stop()
    if not stopped.clean:
        ctx.problems.append(f"bare app {workers}w: exit {stopped.returncode}, killed")


def cclibs_round(ctx: Context, backend: Backend, workers: int, phase: str) -> None:
    grants, tokens = row_counts(backend)
    port = free_port()
    argv = [str(venv_bin() / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
    log = ctx.tmp / f"cclibs-{backend.name}-{workers}w-{phase}.log"
    server = ServerProcess([*argv, "--workers", str(workers)], backend.env(port), log)
    server.start()
    browser = Browser(backend, port)
    try:
        server.wait_ready("/healthz", port, timeout=60)
        s2s = basic_auth(backend.s2s)
        check = browser.http.post(
            TOKEN_PATH,
            content=f"grant_type=client_credentials&scope={quote_plus(S2S_SCOPE)}",
            headers={"Authorization": s2s, "Content-Type": FORM},
        )
        if check.status_code != 200 or "access_token" not in check.json():
            raise RuntimeError(f"client_credentials: {check.status_code} {check.text[:300]}")

        def mint() -> list[str]:
            return browser.refresh_tokens(ctx.args.chains)

        for grant, auth, minter in (
            ("client_credentials", s2s, None),
            ("refresh_token", basic_auth(backend.web), mint),
        ):
            load = measure(ctx, server, port, auth, minter, backend.database)
            ctx.rows.append(Row(grant, backend.name, workers, phase, grants, tokens, load))
            print(
                f"  {backend.name:<11} {workers}w {grant:<19}{load.rps:>9.0f}/s  ({phase}: "
                f"{grants} grants, {tokens} refresh tokens)",
                flush=True,
            )
        ctx.spare_tokens[backend.name] = browser.refresh_tokens(1)[0]
        ctx.spare_ports[backend.name] = port  # refresh tokens are bound to their issuer
    finally:
        browser.close()
        stopped = server.stop()
    errors = count_error_lines(log)
    if errors or not stopped.clean:
        ctx.problems.append(
            f"cclibs {backend.name} {workers}w {phase}: {errors} error lines in the log, exit "
            f"{stopped.returncode}, killed={stopped.killed}\n{server.log_tail(8)}"
        )


# Report -----------------------------------------------------------------------------------

LABELS = {"bare": "bare app", "sqlite": "SQLite", "postgresql": "PostgreSQL"}


def print_table(ctx: Context) -> None:
    args = ctx.args
    ceiling = {(r.grant, r.workers): r.load.rps for r in ctx.rows if r.server == "bare"}
    head = f"  {'grant':<19}{'server':<11}{'w':>2}{'data':>8}{'grants':>8}{'RTs':>8}"
    head += f"{'tokens/s':>10}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}"
    head += f"{'fail':>5}{'err':>4}"
    head += f"{'app CPU':>9}{'DB CPU':>8}{'other':>7}{'vs ceiling':>11}"
    print(f"\n{head}")
    for r in ctx.rows:
        load = r.load
        counts = f"{r.grants:>8}{r.refresh_tokens:>8}" if r.grants is not None else f"{'-':>16}"
        ratio = load.rps / ceiling[(r.grant, r.workers)] if ceiling.get((r.grant, r.workers)) else 0
        db = f"{load.db_cpu_ms:>8.2f}" if r.server == "postgresql" else f"{'-':>8}"
        print(
            f"  {r.grant:<19}{LABELS[r.server]:<11}{r.workers:>2}{r.phase:>8}{counts}"
            f"{load.rps:>10.0f}{load.p50_ms:>8.1f}{load.p90_ms:>8.1f}{load.p99_ms:>8.1f}"
            f"{load.max_ms:>8.0f}{load.failed:>5}{load.errors:>4}"
            f"{load.app_cpu_ms:>9.2f}{db}{load.other_cpu:>7.0%}{ratio:>11.3f}"
        )
    print(
        "  tokens/s: 200 answers per second (refresh_token: 200s that carried a new refresh "
        "token); RTs: refresh tokens\n  in the table when the round started; fail: other "
        "answers; err: socket errors; app CPU / DB CPU: ms of CPU\n  per token, of the "
        "server's processes / of the PostgreSQL backends serving it; other: share of the CPUs\n"
        "  other processes took during the run; vs ceiling: tokens/s over the bare app's "
        "req/s, same grant,\n  same workers, same load generator."
    )
    print(f"  ({ctx.redone} disturbed runs were redone)")
    if any(r.load.other_cpu > args.max_other for r in ctx.rows):
        print(f"  NOTE: rows with other > {args.max_other:.0%} stayed disturbed: noisy figures")


def print_data_size(ctx: Context) -> None:
    by_key = {(r.grant, r.server, r.workers, r.phase): r for r in ctx.rows}
    lines = []
    for (grant, server, workers, phase), bulk in by_key.items():
        before = by_key.get((grant, server, workers, "before"))
        after = by_key.get((grant, server, workers, "after"))
        if phase != "bulk" or before is None or after is None:
            continue
        trio = (before.load, bulk.load, after.load)
        ratio = bulk.load.rps / statistics.mean([before.load.rps, after.load.rps])
        lines.append(
            f"  {grant:<19}{LABELS[server]:<11}{workers:>2}"
            + "".join(f"{x.rps:>7.0f}" for x in trio)
            + f"{ratio:>8.2f}"
            + "".join(f"{x.p99_ms:>7.0f}" for x in trio)
            + "".join(f"{x.app_cpu_ms:>7.1f}" for x in trio)
        )
    if not lines:
        return
    print(
        "\ndata size: the same loads before the bulk insert, with the bulk rows, and after they "
        "were deleted\n(ratio: bulk tokens/s over the mean of before and after)"
    )
    trio = f"{'before':>7}{'bulk':>7}{'after':>7}"
    print(f"  {'':<32}{'tokens/s':^21}{'':>8}{'p99 ms':^21}{'app CPU ms/token':^21}")
    print(f"  {'grant':<19}{'server':<11}{'w':>2}{trio}{'ratio':>8}{trio}{trio}")
    print("\n".join(lines))


def probe_path(ctx: Context, backend: Backend, key: str) -> None:
    """PATH_PROBE on ``backend``'s data, while no server runs."""
    given = {
        "scope": S2S_SCOPE,
        "s2s": basic_auth(backend.s2s),
        "web": basic_auth(backend.web),
        "refresh_token": ctx.spare_tokens[backend.name],
    }
    meter = CpuMeter()
    done = subprocess.run(
        [str(venv_bin() / "python"), "-c", PATH_PROBE, json.dumps(given)],
        env=backend.env(ctx.spare_ports[backend.name]),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"in-process probe on {backend.name}: {done.stderr[-2000:]}")
    ctx.paths[key] = json.loads(done.stdout.splitlines()[-1])
    ctx.path_other[key] = meter.other_share()


def print_paths(ctx: Context) -> None:
    if not ctx.paths:
        return
    keys = list(ctx.paths)
    labels = list(next(iter(ctx.paths.values())))
    print(
        "\nwhere a token's CPU goes: cclibs' services in a fresh interpreter, no HTTP, one call "
        "at a time\n(ms of CPU per call, this process only; PostgreSQL's own work is not in it)"
    )
    print(f"  {'':<46}" + "".join(f"{key:>18}" for key in keys))
    for label in labels:
        print(f"  {label:<46}" + "".join(f"{ctx.paths[key][label]:>18.2f}" for key in keys))
    others = "".join(f"{ctx.path_other[key]:>18.0%}" for key in keys)
    print(f"  {'other CPU during the probe':<46}{others}")


def probe_pieces() -> dict[str, float]:
    done = subprocess.run(
        [str(venv_bin() / "python"), "-c", PROBE],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


# Main -------------------------------------------------------------------------------------


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Whole seconds: wrk takes no fractions.
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before it")
    parser.add_argument("--connections", type=int, default=32, help="client_credentials")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads, client_credentials")
    parser.add_argument("--chains", type=int, default=32, help="concurrent refresh chains")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--bulk-grants", type=int, default=50000, help="0 skips the bulk phase")
    parser.add_argument("--bulk-per-grant", type=int, default=4, help="refresh tokens per grant")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--max-other", type=float, default=0.10, help="redo a run when other processes took more"
    )
    parser.add_argument("--retries", type=int, default=2, help="redos allowed per run")
    parser.add_argument(
        "--retry-wait", type=float, default=60.0, help="wait up to this for quiet before a redo"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=1200.0, help="wait up to this for a quiet machine"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results there")
    parser.add_argument(
        "--rev", help="measure this commit (git archive of src/), not the work tree's code"
    )
    args = parser.parse_args()
    if not (0 < args.duration <= 60 and 0 <= args.warmup <= 30):
        parser.error("need --duration in (0, 60] s and --warmup in [0, 30] s")
    if not (1 <= args.chains <= 256 and 1 <= args.connections <= 1024):
        parser.error("need --chains in [1, 256] and --connections in [1, 1024]")
    if not (0 <= args.bulk_grants <= 1_000_000 and 1 <= args.bulk_per_grant <= 20):
        parser.error("need --bulk-grants in [0, 1000000] and --bulk-per-grant in [1, 20]")
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="cclibs-src-") as source:
        if args.rev:
            use_revision(args.rev, Path(source))
        return run(args)


def run(args: argparse.Namespace) -> int:
    loadgen = args.loadgen
    if loadgen == "auto":
        loadgen = "wrk" if shutil.which("wrk") else "python"
    generator = loadgen
    if loadgen == "wrk":
        generator = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        generator = generator.split(" [")[0].strip() or "wrk"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"token endpoint benchmark, {today}: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; uvicorn {version('uvicorn')}, starlette {version('starlette')}, "
        f"load: {generator}"
    )
    print(f"  cclibs at {project_revision()}")
    if loadgen == "python":
        print("  NOTE: wrk not found; the Python generator saturates first: compare ratios only")
    print(f"  {wait_for_quiet_machine(args.max_other, args.quiet_wait)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="cclibs-token-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "bare_token_app.py").write_text(BARE_MODULE)
        ctx = Context(args, tmp, loadgen)
        for workers in args.workers:
            bare_round(ctx, workers)
        for name in args.databases:
            database = f"cclibs_bench_{os.getpid()}" if name == "postgresql" else None
            backend = Backend(name, tmp / f"data-{name}", secrets.token_urlsafe(48), database)
            try:
                prepare(backend)
                # before / bulk / after: "after" is "before" again once the bulk rows are
                # deleted, so that a drift of the machine in the meantime shows.
                for phase in ("before", "bulk", "after") if args.bulk_grants else ("before",):
                    if phase == "bulk":
                        seconds = bulk_insert(backend, args.bulk_grants, args.bulk_per_grant)
                        print(f"  {name}: bulk insert took {seconds:.1f} s", flush=True)
                    elif phase == "after":
                        seconds = bulk_delete(backend)
                        print(f"  {name}: bulk delete took {seconds:.1f} s", flush=True)
                    for workers in args.workers:
                        cclibs_round(ctx, backend, workers, phase)
                    probe_path(ctx, backend, f"{LABELS[name]} {phase}")
            finally:
                drop(backend)
        pieces = probe_pieces()

    cc = f"wrk -t{args.threads} -c{args.connections}" if loadgen == "wrk" else "asyncio"
    chains = f"wrk -t{args.chains} -c{args.chains}" if loadgen == "wrk" else "asyncio"
    print(
        f"\nPOST {TOKEN_PATH} on 127.0.0.1; per row a {args.warmup:g} s warm-up, then "
        f"{args.duration:g} s measured\n  client_credentials: Server-to-Server credential, "
        f"client_secret_basic, {cc}\n  refresh_token: {args.chains} chains ({chains}, one "
        "connection per chain), Web App credential, client_secret_basic;\n  each chain starts "
        "from its own sign-in grant (one sign-in, then repeated authorizations) and always\n  "
        "sends the newest token of its chain"
    )
    print_table(ctx)
    print_data_size(ctx)
    print_paths(ctx)
    print("\nCPU of the pieces, one core, in a fresh interpreter (ms per call):")
    for label, ms in pieces.items():
        print(f"  {label:<64}{ms:>9.3f}")
    for problem in ctx.problems:
        print(f"\nPROBLEM: {problem}", file=sys.stderr)
    if args.json:
        rows = [asdict(r) | {"rps": r.load.rps} for r in ctx.rows]
        raw = {"rows": rows, "paths": ctx.paths, "pieces": pieces}
        args.json.write_text(json.dumps(raw, indent=2))
    return 1 if ctx.problems else 0


if __name__ == "__main__":
    sys.exit(main())
