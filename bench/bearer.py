"""Requests per second and latency of bearer validation (GET /ims/userinfo/v2) and of two
signed-in pages, next to bare-app ceilings, and what the grant-liveness check costs.

Measured on 127.0.0.1 with ``wrk`` (a Lua script setting the header), 1 worker, through the
real ``cclibs serve`` in production mode, on SQLite and on PostgreSQL:
  * GET /ims/userinfo/v2 with ``Authorization: Bearer <access token>``, the token from the
    real authorization-code flow (sign-in page, consent, PKCE code exchange). Each request
    verifies the RS256 JWT, loads the grant if it is live (grants joined with users), and
    loads the user for the claims. The code measured (--rev, or the work tree) and the
    baseline revision (--baseline, before the liveness join) run alternately: A, B, A, B;
    each revision on its own data, made by its own CLI;
  * the same userinfo load before bulk-inserting grants of other users, with them, and after
    deleting them again (before / bulk / after), with the query plan of the liveness read;
  * GET /console/projects/<id>/credentials/<client_id> (a Web App credential with two
    secrets) and GET /playground, signed in (the session cookie in the Lua script);
  * the ceilings, same generator and settings: a bare Starlette app (bench/bare_app.py plus
    a route that reads the Authorization header and answers a JSON of the size of cclibs'
    answer, and a route that renders, with Starlette's Jinja2Templates, a template holding
    the page cclibs served, its CSRF token a template variable), under ``python -m uvicorn``
    with the options ``cclibs serve`` gives uvicorn.

    .venv/bin/python bench/bearer.py --rev HEAD [--duration 10] [--warmup 3]
"""

from __future__ import annotations

import argparse
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
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from _cclibs_setup import (
    USER_SCOPE,
    Backend,
    Browser,
    checked_server,
    csrf_token,
    drop,
    prepare,
    psql,
    sqlite_path,
)
from _harness import (
    BENCH_DIR,
    HOST,
    UVICORN_OPTIONS,
    ServerProcess,
    clean_env,
    current_source,
    exit_on_sigterm,
    export_revision,
    free_port,
    project_revision,
    use_revision,
    use_source,
    venv_bin,
    wait_for_quiet_machine,
)
from _wrkload import LUA_DONE, Load, Redo, measure, run_wrk

USERINFO = "/ims/userinfo/v2"
PLAYGROUND = "/playground"
SCOPE = USER_SCOPE + ",profile,email"  # userinfo then answers name and email too
BASELINE = "96a0194"  # bench/README: one token_endpoint section; before 56bb550 (live grants)

BARE_MODULE = '''"""Written by bench/bearer.py: bare_app plus a bearer route and a page route."""

import json
import secrets
from pathlib import Path

from bare_app import healthz
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.templating import Jinja2Templates

HERE = Path(__file__).parent
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CLAIMS = json.loads((HERE / "bare_userinfo.json").read_text())
templates = Jinja2Templates(directory=HERE / "bare_templates")


async def userinfo(request):
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"error": "invalid_token"}, status_code=401, headers=NO_STORE)
    return JSONResponse(CLAIMS, headers=NO_STORE)


async def page(request):
    if "cclibs_session" not in request.cookies:
        return JSONResponse({"error": "sign in"}, status_code=401)
    name = request.path_params["name"] + ".html"
    return templates.TemplateResponse(request, name, {"csrf_token": secrets.token_urlsafe(32)})


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/ims/userinfo/v2", userinfo),
        Route("/bare-pages/{name}", page),
    ]
)
'''

LUA_GET = """
wrk.method = "GET"
wrk.headers[{name}] = {value}
"""

# The liveness read of storage/grants.py (live_grant), as SQL, for its query plan.
LIVE_GRANT_SQL = (
    "SELECT grants.* FROM grants JOIN users ON users.id = grants.user_id "
    "WHERE grants.id = {gid} AND grants.revoked_at IS NULL AND users.is_disabled = false"
)

# Bulk rows: ``users`` other accounts cloned from the bench account ('bulk-N@...'), and
# ``grants`` grants cloned from the oldest real one (new random id, sid 'bulk-...'), spread
# over those accounts. The bench account's own grants stay as they are.
BULK_SQLITE = (
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :users)
    INSERT INTO users (id, email, name, password_hash, is_admin, is_disabled, email_verified,
                       created_at, password_changed_at, country)
    SELECT lower(hex(randomblob(16))), 'bulk-' || n.i || '@example.com', u.name,
           u.password_hash, 0, 0, u.email_verified, u.created_at, u.password_changed_at,
           u.country
    FROM n, (SELECT * FROM users WHERE email = :email) AS u""",
    """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :grants)
    INSERT INTO grants (id, client_id, user_id, scope, auth_time, sid, created_at, revoked_at)
    SELECT lower(hex(randomblob(16))), g.client_id,
           (SELECT id FROM users WHERE email = 'bulk-' || (n.i % :users + 1) || '@example.com'),
           g.scope, g.auth_time, 'bulk-' || lower(hex(randomblob(16))), g.created_at, NULL
    FROM n, (SELECT * FROM grants ORDER BY created_at LIMIT 1) AS g""",
)
BULK_POSTGRES = """
BEGIN;
INSERT INTO users (id, email, name, password_hash, is_admin, is_disabled, email_verified,
                   created_at, password_changed_at, country)
SELECT md5(random()::text || n::text), 'bulk-' || n || '@example.com', u.name, u.password_hash,
       false, false, u.email_verified, u.created_at, u.password_changed_at, u.country
FROM generate_series(1, :users) AS n, (SELECT * FROM users WHERE email = :'email') AS u;
INSERT INTO grants (id, client_id, user_id, scope, auth_time, sid, created_at, revoked_at)
SELECT md5(random()::text || n::text), g.client_id, b.id, g.scope, g.auth_time,
       'bulk-' || md5(random()::text), g.created_at, NULL
FROM generate_series(1, :grants) AS n
JOIN users AS b ON b.email = 'bulk-' || (n % :users + 1) || '@example.com'
CROSS JOIN (SELECT * FROM grants ORDER BY created_at LIMIT 1) AS g;
COMMIT;
ANALYZE users;
ANALYZE grants;
"""
UNBULK = (
    "DELETE FROM grants WHERE sid LIKE 'bulk-%'",
    "DELETE FROM users WHERE email LIKE 'bulk-%'",
)


@dataclass
class Row:
    path: str  # userinfo | credential page | playground
    server: str  # bare | sqlite | postgresql
    rev: str  # A | B | bare
    phase: str  # ceiling | before | bulk | after
    grants: int | None
    users: int | None
    load: Load


@dataclass
class Context:
    args: argparse.Namespace
    tmp: Path
    sources: dict[str, dict[str, str] | None]  # A | B -> export (None: the work tree)
    labels: dict[str, str]  # A | B -> the revision measured
    redone: int = 0
    rows: list[Row] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)  # "db phase" -> query plan
    problems: list[str] = field(default_factory=list)
    pages_ready: set[str] = field(default_factory=set)  # backends with their second secret


@contextmanager
def revision(ctx: Context, rev: str) -> Iterator[None]:
    """Run cclibs (CLI and server) from revision ``rev`` (A or B) inside the block."""
    saved = current_source()
    use_source(ctx.sources[rev])
    try:
        yield
    finally:
        use_source(saved)


# Loads ------------------------------------------------------------------------------------


def load_with_header(
    ctx: Context,
    server: ServerProcess,
    database: str | None,
    port: int,
    path: str,
    header: tuple[str, str],
) -> Load:
    """wrk GETs of ``path`` with one header, measured as _wrkload.measure does."""
    args = ctx.args
    lua = LUA_GET.format(name=json.dumps(header[0]), value=json.dumps(header[1])) + LUA_DONE
    script = ctx.tmp / f"load-{secrets.token_hex(4)}.lua"
    script.write_text(lua)

    def run(secs: float) -> Load:
        return run_wrk(port, path, script, args.threads, args.connections, secs)

    redo = Redo(args.max_other, args.retries, args.retry_wait)
    load, redone = measure(
        run, server.pid, database, warmup=args.warmup, duration=args.duration, redo=redo
    )
    ctx.redone += redone
    return load


@contextmanager
def cclibs_server(ctx: Context, backend: Backend, tag: str) -> Iterator[tuple[ServerProcess, int]]:
    port = free_port()
    argv = [str(venv_bin() / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
    log = ctx.tmp / f"cclibs-{backend.name}-{tag}.log"
    label = f"cclibs {backend.name} {tag}"
    with checked_server(
        [*argv, "--workers", "1"], backend.env(port), log, port, ctx.problems, label
    ) as server:
        yield server, port


def credential_path(backend: Backend) -> str:
    web = backend.web
    return f"/console/projects/{web['project_id']}/credentials/{web['client_id']}"


def second_secret(browser: Browser, backend: Backend) -> None:
    """The Web App gets its second secret through the console's own form."""
    path = credential_path(backend)
    page = browser.http.get(path)
    if page.status_code != 200:
        raise RuntimeError(f"credential page: {page.status_code} {page.text[:300]}")
    added = browser.http.post(path + "/secrets", data={"csrf_token": csrf_token(page.text)})
    if added.status_code not in (302, 303):
        raise RuntimeError(f"second secret: {added.status_code} {added.text[:300]}")


def get_ok(browser: Browser, path: str, headers: dict[str, str] | None = None) -> str:
    answer = browser.http.get(path, headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path}: {answer.status_code} {answer.text[:300]}")
    return answer.text


def cclibs_round(ctx: Context, backend: Backend, rev: str, phase: str, pages: bool) -> None:
    grants, users = row_counts(backend)
    with revision(ctx, rev), cclibs_server(ctx, backend, f"{rev}-{phase}") as (server, port):
        browser = Browser(backend, port, scope=SCOPE)
        try:
            bearer = "Bearer " + str(browser.tokens()["access_token"])
            claims = json.loads(get_ok(browser, USERINFO, {"Authorization": bearer}))
            if "email" not in claims:
                raise RuntimeError(f"userinfo without email: {claims}")
            targets = [("userinfo", USERINFO, ("Authorization", bearer))]
            if pages:
                if backend.name not in ctx.pages_ready:
                    second_secret(browser, backend)
                    ctx.pages_ready.add(backend.name)
                for name, path in (
                    ("credential page", credential_path(backend)),
                    ("playground", PLAYGROUND),
                ):
                    get_ok(browser, path)
                    targets.append((name, path, ("Cookie", browser.cookie_header())))
        finally:
            browser.close()
        for name, path, header in targets:
            load = load_with_header(ctx, server, backend.database, port, path, header)
            ctx.rows.append(Row(name, backend.name, rev, phase, grants, users, load))
            print(
                f"  {backend.name:<11} {rev} {phase:<7}{name:<16}{load.rps:>8.0f}/s  "
                f"(p99 {load.p99_ms:.0f} ms, other CPU {load.other_cpu:.0%}; "
                f"{grants} grants, {users} users)",
                flush=True,
            )


def capture(ctx: Context, backend: Backend) -> None:
    """The pages and the userinfo answer the ceiling serves: taken from cclibs (code A), after
    giving the Web App its second secret."""
    with revision(ctx, "A"), cclibs_server(ctx, backend, "capture") as (_, port):
        browser = Browser(backend, port, scope=SCOPE)
        try:
            bearer = "Bearer " + str(browser.tokens()["access_token"])
            claims = get_ok(browser, USERINFO, {"Authorization": bearer})
            second_secret(browser, backend)
            ctx.pages_ready.add(backend.name)
            pages = {
                "credential": get_ok(browser, credential_path(backend)),
                "playground": get_ok(browser, PLAYGROUND),
            }
        finally:
            browser.close()
    (ctx.tmp / "bare_userinfo.json").write_text(claims)
    folder = ctx.tmp / "bare_templates"
    folder.mkdir()
    for name, html in pages.items():
        (folder / f"{name}.html").write_text(as_template(html))
        print(f"  captured {name}: {len(html.encode())} bytes", flush=True)


def as_template(html: str) -> str:
    """The page as a Jinja2 template: its bytes raw, its CSRF tokens the one variable."""
    pieces = re.split(r'(?<=name="csrf_token" value=")[^"]+(?=")', html)
    raw = ["{% raw %}" + piece + "{% endraw %}" for piece in pieces]
    return "{{ csrf_token }}".join(raw)


def bare_round(ctx: Context) -> None:
    python = str(venv_bin() / "python")
    port = free_port()
    argv = [python, "-m", "uvicorn", "bare_bearer_app:app", "--host", HOST, "--port", str(port)]
    argv += ["--workers", "1", *UVICORN_OPTIONS]
    env = clean_env(PYTHONPATH=os.pathsep.join([str(ctx.tmp), str(BENCH_DIR)]))
    server = ServerProcess(argv, env, ctx.tmp / "bare.log")
    server.start()
    try:
        server.wait_ready("/healthz", port, timeout=60)
        cookie = ("Cookie", "cclibs_session=" + secrets.token_urlsafe(32))
        for name, path, header in (
            ("userinfo", USERINFO, ("Authorization", "Bearer " + secrets.token_urlsafe(600))),
            ("credential page", "/bare-pages/credential", cookie),
            ("playground", "/bare-pages/playground", cookie),
        ):
            load = load_with_header(ctx, server, None, port, path, header)
            ctx.rows.append(Row(name, "bare", "bare", "ceiling", None, None, load))
            print(f"  bare app    {name:<16}{load.rps:>8.0f}/s", flush=True)
    finally:
        stopped = server.stop()
    if not stopped.clean:
        ctx.problems.append(f"bare app: exit {stopped.returncode}, killed")


# Data -------------------------------------------------------------------------------------


def row_counts(backend: Backend) -> tuple[int, int]:
    """(grants, users) in the database; read while no server runs."""
    sql = "SELECT (SELECT count(*) FROM grants), (SELECT count(*) FROM users)"
    if backend.database:
        grants, users = psql(backend.database, sql.replace(", ", " || ' ' || ") + ";").split()
        return int(grants), int(users)
    with closing(sqlite3.connect(sqlite_path(backend))) as db:
        found = db.execute(sql).fetchone()
    return int(found[0]), int(found[1])


def bulk_insert(backend: Backend, grants: int, users: int) -> float:
    began = time.perf_counter()
    if backend.database:
        psql(backend.database, BULK_POSTGRES, grants=grants, users=users, email=backend.email)
    else:
        with closing(sqlite3.connect(sqlite_path(backend))) as db, db:
            for statement in BULK_SQLITE:
                db.execute(statement, {"grants": grants, "users": users, "email": backend.email})
        with closing(sqlite3.connect(sqlite_path(backend))) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def bulk_delete(backend: Backend) -> float:
    began = time.perf_counter()
    if backend.database:
        sql = "BEGIN;\n" + ";\n".join(UNBULK) + ";\nCOMMIT;\nVACUUM FULL ANALYZE grants;\n"
        psql(backend.database, sql + "VACUUM FULL ANALYZE users;\n")
    else:
        with closing(sqlite3.connect(sqlite_path(backend))) as db, db:
            for statement in UNBULK:
                db.execute(statement)
        with closing(sqlite3.connect(sqlite_path(backend), isolation_level=None)) as db:
            db.execute("VACUUM")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def query_plan(backend: Backend) -> list[str]:
    """The plan of the liveness read for one of the bench account's grants."""
    if backend.database:
        gid = psql(backend.database, "SELECT id FROM grants WHERE sid NOT LIKE 'bulk-%' LIMIT 1;")
        sql = LIVE_GRANT_SQL.format(gid=f"'{gid.strip()}'")
        return psql(backend.database, f"EXPLAIN {sql};").splitlines()
    with closing(sqlite3.connect(sqlite_path(backend))) as db:
        found = db.execute("SELECT id FROM grants WHERE sid NOT LIKE 'bulk-%' LIMIT 1").fetchone()
        sql = LIVE_GRANT_SQL.format(gid="?").replace("false", "0")
        plan = db.execute(f"EXPLAIN QUERY PLAN {sql}", (found[0],)).fetchall()
    return [str(step[-1]) for step in plan]


# Report -----------------------------------------------------------------------------------

LABELS = {"bare": "bare app", "sqlite": "SQLite", "postgresql": "PostgreSQL"}


def print_table(ctx: Context) -> None:
    ceiling = {r.path: r.load.rps for r in ctx.rows if r.server == "bare"}
    head = f"  {'path':<16}{'server':<11}{'rev':<5}{'data':>7}{'grants':>8}{'users':>7}"
    head += f"{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}{'fail':>5}{'err':>4}"
    head += f"{'app CPU':>9}{'DB CPU':>8}{'other':>7}{'vs ceiling':>11}"
    print(f"\n{head}")
    for r in ctx.rows:
        load = r.load
        counts = f"{r.grants:>8}{r.users:>7}" if r.grants is not None else f"{'-':>15}"
        ratio = load.rps / ceiling[r.path] if ceiling.get(r.path) else 0.0
        db = f"{load.db_cpu_ms:>8.2f}" if r.server == "postgresql" else f"{'-':>8}"
        print(
            f"  {r.path:<16}{LABELS[r.server]:<11}{r.rev:<5}{r.phase:>7}{counts}"
            f"{load.rps:>8.0f}{load.p50_ms:>8.1f}{load.p99_ms:>8.1f}{load.max_ms:>8.0f}"
            f"{load.failed:>5}{load.errors:>4}{load.app_cpu_ms:>9.2f}{db}"
            f"{load.other_cpu:>7.0%}{ratio:>11.3f}"
        )
    print(
        "  rev: A = the code measured, B = the baseline; fail: non-2xx answers; err: socket "
        "errors; app CPU / DB CPU:\n  ms of CPU per request, of the server's processes / of "
        "the PostgreSQL backends serving it; other: share\n  of the CPUs other processes took "
        "during the run; vs ceiling: req/s over the bare app's, same path, same load."
    )
    print(f"  ({ctx.redone} disturbed runs were redone)")
    if any(r.load.other_cpu > ctx.args.max_other for r in ctx.rows):
        print(f"  NOTE: rows with other > {ctx.args.max_other:.0%} stayed disturbed: noisy figures")


def print_ab(ctx: Context) -> None:
    print(
        f"\nA/B on userinfo (A: {ctx.labels['A']}; B: {ctx.labels['B']}), runs in the order "
        "A, B, A, B\n  cost of A = 1 - mean(A req/s) / mean(B req/s); spread: (max - min) / "
        "mean of the two runs of each"
    )
    print(
        f"  {'server':<11}{'A1':>7}{'B1':>7}{'A2':>7}{'B2':>7}{'A spread':>10}{'B spread':>10}"
        f"{'cost':>8}{'A CPU ms':>10}{'B CPU ms':>10}"
    )
    for server in ctx.args.databases:
        runs = [
            r.load
            for r in ctx.rows
            if r.server == server and r.path == "userinfo" and r.phase == "before"
        ]
        if len(runs) != 4:
            continue
        a, b = runs[0::2], runs[1::2]
        ma, mb = (statistics.mean(x.rps for x in pair) for pair in (a, b))
        spread_a = (max(x.rps for x in a) - min(x.rps for x in a)) / ma
        spread_b = (max(x.rps for x in b) - min(x.rps for x in b)) / mb
        cpu_a, cpu_b = (statistics.mean(x.app_cpu_ms for x in pair) for pair in (a, b))
        print(
            f"  {LABELS[server]:<11}"
            + "".join(f"{x.rps:>7.0f}" for x in runs)
            + f"{spread_a:>10.1%}{spread_b:>10.1%}{1 - ma / mb:>8.1%}{cpu_a:>10.2f}{cpu_b:>10.2f}"
        )


def print_data_size(ctx: Context) -> None:
    lines = []
    for server in ctx.args.databases:
        of = {
            r.phase: r
            for r in ctx.rows
            if r.server == server and r.path == "userinfo" and r.rev == "A"
        }  # the last A "before" run is the one just before the bulk insert
        if {"before", "bulk", "after"} - set(of):
            continue
        trio = [of["before"], of["bulk"], of["after"]]
        ratio = trio[1].load.rps / statistics.mean([trio[0].load.rps, trio[2].load.rps])
        lines.append(
            f"  {LABELS[server]:<11}"
            + "".join(f"{x.grants:>8}" for x in trio)
            + "".join(f"{x.load.rps:>7.0f}" for x in trio)
            + f"{ratio:>7.2f}"
            + "".join(f"{x.load.p99_ms:>7.0f}" for x in trio)
            + "".join(f"{x.load.app_cpu_ms:>6.2f}" for x in trio)
        )
    if not lines:
        return
    print(
        "\ndata size: userinfo (A) just before the bulk insert, with the bulk rows, and after "
        "they were deleted\n(ratio: bulk req/s over the mean of before and after)"
    )
    heads = f"{'before':>7}{'bulk':>7}{'after':>7}"
    print(f"  {'':<11}{'grants':^24}{'req/s':^21}{'':>7}{'p99 ms':^21}{'app CPU ms':^18}")
    print(f"  {'server':<11} {heads}{heads}{'ratio':>7}{heads}{'before  bulk after':>19}")
    print("\n".join(lines))
    for key, plan in ctx.plans.items():
        print(f"  plan of the liveness read, {key}:")
        for step in plan:
            print(f"    {step}")


# Main -------------------------------------------------------------------------------------


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Whole seconds: wrk takes no fractions.
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up before it")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"]
    )
    parser.add_argument("--bulk-grants", type=int, default=50000, help="0 skips the bulk phase")
    parser.add_argument("--bulk-users", type=int, default=5000, help="accounts they belong to")
    parser.add_argument(
        "--max-other", type=float, default=0.10, help="redo a run when other processes took more"
    )
    parser.add_argument("--retries", type=int, default=2, help="redos allowed per run")
    parser.add_argument(
        "--retry-wait", type=float, default=60.0, help="wait up to this for quiet before a redo"
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=600.0, help="wait up to this for a quiet machine"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results there")
    parser.add_argument(
        "--rev", help="measure this commit (git archive of src/), not the work tree's code"
    )
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"the revision B of the A/B (default {BASELINE})"
    )
    args = parser.parse_args()
    if not (0 < args.duration <= 60 and 0 <= args.warmup <= 30):
        parser.error("need --duration in (0, 60] s and --warmup in [0, 30] s")
    if not (1 <= args.connections <= 1024 and 1 <= args.threads <= args.connections):
        parser.error("need --connections in [1, 1024] and --threads in [1, connections]")
    if not (0 <= args.bulk_grants <= 1_000_000 and 1 <= args.bulk_users <= 100_000):
        parser.error("need --bulk-grants in [0, 1000000] and --bulk-users in [1, 100000]")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    with (
        tempfile.TemporaryDirectory(prefix="cclibs-src-") as source,
        tempfile.TemporaryDirectory(prefix="cclibs-base-") as base,
    ):
        if args.rev:
            use_revision(args.rev, Path(source))
        baseline = export_revision(args.baseline, Path(base))
        sources = {"A": current_source(), "B": baseline}
        labels = {"A": project_revision(), "B": f"commit {baseline['commit']}"}
        return run(args, sources, labels)


def run(
    args: argparse.Namespace,
    sources: dict[str, dict[str, str] | None],
    labels: dict[str, str],
) -> int:
    generator = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    generator = generator.split(" [")[0].strip() or "wrk"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"bearer benchmark, {today}: Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"uvicorn {version('uvicorn')}, starlette {version('starlette')}, "
        f"jinja2 {version('jinja2')}, load: {generator}"
    )
    print(f"  A: cclibs at {labels['A']}\n  B: cclibs at {labels['B']} (userinfo only)")
    print(f"  {wait_for_quiet_machine(args.max_other, args.quiet_wait)}", flush=True)

    with tempfile.TemporaryDirectory(prefix="cclibs-bearer-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "bare_bearer_app.py").write_text(BARE_MODULE)
        ctx = Context(args, tmp, sources, labels)
        backends: list[tuple[str, Backend]] = []
        try:
            for name in args.databases:
                for rev in ("A", "B"):
                    tag = f"{name}-{rev.lower()}"
                    database = f"cclibs_bench_{os.getpid()}_{rev.lower()}"
                    backend = Backend(
                        name,
                        tmp / f"data-{tag}",
                        secrets.token_urlsafe(48),
                        database if name == "postgresql" else None,
                    )
                    backends.append((rev, backend))
                    with revision(ctx, rev):
                        prepare(backend)
            first_a = next(b for rev, b in backends if rev == "A")
            capture(ctx, first_a)
            bare_round(ctx)
            for name in args.databases:
                of = {rev: b for rev, b in backends if b.name == name}
                # A, B, A, B: a drift of the machine shows as a difference between the runs
                # of one revision. The pages (code A only) go with the first A run.
                for i, rev in enumerate("ABAB"):
                    cclibs_round(ctx, of[rev], rev, "before", pages=i == 0)
                if not args.bulk_grants:
                    continue
                seconds = bulk_insert(of["A"], args.bulk_grants, args.bulk_users)
                print(f"  {name}: bulk insert took {seconds:.1f} s", flush=True)
                ctx.plans[f"{LABELS[name]}, bulk"] = query_plan(of["A"])
                cclibs_round(ctx, of["A"], "A", "bulk", pages=False)
                seconds = bulk_delete(of["A"])
                print(f"  {name}: bulk delete took {seconds:.1f} s", flush=True)
                cclibs_round(ctx, of["A"], "A", "after", pages=False)
        finally:
            for _, backend in backends:
                drop(backend)

    print(
        f"\nGET on 127.0.0.1, 1 worker, wrk -t{args.threads} -c{args.connections}; per row a "
        f"{args.warmup:g} s warm-up, then {args.duration:g} s measured\n  userinfo: "
        f"{USERINFO}, Authorization: Bearer <access token of a Web App, scope {SCOPE}>\n"
        "  credential page: the console's page of that Web App (2 secrets), signed in\n"
        f"  playground: {PLAYGROUND}, signed in\n  ceilings: bare Starlette; userinfo answers "
        "cclibs' JSON; the pages render, with Jinja2Templates,\n  the HTML cclibs served "
        "(its CSRF tokens a variable)"
    )
    print_table(ctx)
    print_ab(ctx)
    print_data_size(ctx)
    for problem in ctx.problems:
        print(f"\nPROBLEM: {problem}", file=sys.stderr)
    if args.json:
        rows = [asdict(r) | {"rps": r.load.rps} for r in ctx.rows]
        args.json.write_text(json.dumps({"rows": rows, "plans": ctx.plans}, indent=2))
    return 1 if ctx.problems else 0


if __name__ == "__main__":
    sys.exit(main())
