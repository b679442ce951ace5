"""The scenarios of bench/run, each on a server it starts and stops: cclibs (``cclibs serve``,
one worker, production mode), the peer (node-oidc-provider, bench/peer), the bare Starlette
app (bench/bare_app.py plus the captured answer of the measured route), and start-up.

Every function returns its figures by name; bench/suite.py puts them in the table.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus, urlencode

import httpx
from _cclibs_setup import (
    CALLBACK,
    FORM,
    TOKEN_PATH,
    Backend,
    Browser,
    basic_auth,
    checked_server,
    psql,
)
from _harness import (
    BENCH_DIR,
    HOST,
    UVICORN_OPTIONS,
    CpuMeter,
    ServerProcess,
    clean_env,
    free_port,
    venv_bin,
)
from _loads import Loads, Measured
from _peer import start_peer
from api_paging import LIMIT, Api, bulk_insert, new_library
from api_transfer import MIB, Transfer, ceiling_seconds
from api_transfer import transfer as one_transfer

from cclibs.sdk.pkce import s256

__all__ = ["Figures", "bare_api", "cclibs_round", "floor_round", "peer_round", "startup_round"]

# The Web App's token for the API loads, uploads included (as bench/api_transfer.py).
SCOPE = "openid,AdobeID,cc_files,cc_libraries,offline_access"
S2S_SCOPE = "openid,AdobeID,cc_libraries"  # as bench/token_endpoint.py
VERIFIER = secrets.token_urlsafe(48)
LIBRARIES = "/api/v1/libraries"

Figures = dict[str, Measured]


@dataclass
class Round:
    """What one cclibs round measures, and what it hands on (the API answer for the ceiling)."""

    wants: set[str]
    server: str = "uvicorn"  # or granian
    elements: int = 100_000
    paging_rounds: int = 20
    size_mb: int = 1024
    figures: Figures = field(default_factory=dict)
    api_answer: bytes = b""
    api_headers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def server_argv(server: str, port: int) -> list[str]:
    """``cclibs serve`` (uvicorn, with the options it sets), or granian on the same factory
    with its defaults, as bench/server_choice.py starts it (the data is migrated already)."""
    if server == "granian":
        argv = [str(venv_bin() / "granian"), "--interface", "asgi", "--factory"]
        argv += ["--host", HOST, "--port", str(port), "--workers", "1"]
        return [*argv, "cclibs.web.asgi:app_from_environment"]
    argv = [str(venv_bin() / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
    return [*argv, "--workers", "1"]


@contextmanager
def cclibs_server(
    backend: Backend, tmp: Path, tag: str, job: Round, alg: str
) -> Iterator[tuple[int, int]]:
    port = free_port()
    env = backend.env(port)
    env["CCLIBS_ACCESS_TOKEN_ALG"] = alg
    log = tmp / f"cclibs-{tag}.log"
    argv = server_argv(job.server, port)
    with checked_server(argv, env, log, port, job.problems, f"cclibs {tag}") as server:
        yield port, server.pid


def cclibs_round(loads: Loads, backend: Backend, tmp: Path, alg: str, job: Round) -> None:
    """client_credentials, refresh, code redemption, the API list, paging and transfer (those
    in ``job.wants``) on one ``cclibs serve``."""
    db = backend.database
    tag = f"{backend.name}-{alg}"
    with cclibs_server(backend, tmp, tag, job, alg) as (port, pid):
        browser = Browser(backend, port, scope=SCOPE)
        try:
            s2s = {"Authorization": basic_auth(backend.s2s), "Content-Type": FORM}
            body = f"grant_type=client_credentials&scope={quote_plus(S2S_SCOPE)}"
            check = browser.http.post(TOKEN_PATH, content=body, headers=s2s)
            if check.status_code != 200 or "access_token" not in check.json():
                raise RuntimeError(f"client_credentials: {check.status_code} {check.text[:300]}")
            if "cc" in job.wants:
                job.figures["cc"] = loads.fixed(port, pid, TOKEN_PATH, s2s, body=body, database=db)
            web = basic_auth(backend.web)
            if "refresh" in job.wants:
                job.figures["refresh"] = loads.rotation(
                    port, pid, TOKEN_PATH, web, browser.refresh_tokens, database=db
                )
            if "code" in job.wants:
                browser.tokens()  # signs in and consents once; later authorizations are direct
                job.figures["code"] = loads.codes(
                    port, pid, authorize_path(backend), browser.cookie_header(), TOKEN_PATH, web,
                    redeem_body, database=db,
                )  # fmt: skip
            if job.wants & {"api", "paging", "transfer"}:
                token = str(browser.tokens()["access_token"])
                headers = {
                    "Authorization": f"Bearer {token}",
                    "x-api-key": backend.web["client_id"],
                }
                api_rounds(loads, backend, port, pid, headers, job)
        finally:
            browser.close()


def authorize_path(backend: Backend) -> str:
    query = {
        "client_id": backend.web["client_id"],
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "state": "bench",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    return "/ims/authorize/v2?" + urlencode(query)


def redeem_body(code: str) -> str:
    return urlencode(
        {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": VERIFIER,
            "redirect_uri": CALLBACK,
        }
    )


def api_rounds(
    loads: Loads, backend: Backend, port: int, pid: int, headers: dict[str, str], job: Round
) -> None:
    timeout = httpx.Timeout(60.0, read=300.0)
    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=timeout) as http:
        api = Api(http, headers)
        if "api" in job.wants:
            for name in ("Bench colors", "Bench logos"):
                made = http.post(LIBRARIES, json={"name": name}, headers=headers)
                if made.status_code != 201:
                    raise RuntimeError(f"POST {LIBRARIES}: {made.status_code} {made.text[:300]}")
            listed = http.get(LIBRARIES, headers=headers)
            if listed.status_code != 200:
                raise RuntimeError(f"GET {LIBRARIES}: {listed.status_code} {listed.text[:300]}")
            job.api_answer = listed.content
            job.api_headers = headers
            job.figures["api"] = loads.fixed(
                port, pid, LIBRARIES, headers, database=backend.database
            )
        # One failing scenario (say, a store API that moved) leaves the others' figures.
        if "paging" in job.wants:
            isolated(job, "paging", lambda: paging(api, backend, pid, job))
        if "transfer" in job.wants:
            isolated(job, "transfer", lambda: transfer(http, headers, pid, job))


def isolated(job: Round, name: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as error:
        job.problems.append(f"{name}: {error!r}")
        traceback.print_exc()


def paging(api: Api, backend: Backend, pid: int, job: Round) -> None:
    """First page against last page (by its ``_page.next`` cursor) of a library of
    ``job.elements`` elements bulk-inserted through the store (bench/api_paging.py's insert)."""
    count = job.elements
    lid = new_library(api)
    asyncio.run(bulk_insert(backend, lid, count))
    path = f"{LIBRARIES}/{lid}/elements"
    for _ in range(3):  # warm-up
        api.get(path, limit=LIMIT)
    # The page before the last, by offset: its _page.next is the last page's cursor.
    cursor = api.get(path, limit=LIMIT, start=count - 2 * LIMIT)[1]["_page"]["next"]
    first: list[float] = []
    last: list[float] = []
    meter = CpuMeter(pid)
    for _ in range(job.paging_rounds):
        first.append(api.get(path, limit=LIMIT)[0])
        seconds, body = api.get(path, limit=LIMIT, start=cursor)
        last.append(seconds)
        if len(body["elements"]) != LIMIT or body["_page"].get("next"):
            job.problems.append(f"paging: the last page has {len(body['elements'])} elements")
    other = meter.other_share()
    job.figures["page first"] = Measured(statistics.median(first) * 1000, other_cpu=other)
    job.figures["page last"] = Measured(statistics.median(last) * 1000, other_cpu=other)


def transfer(http: httpx.Client, headers: dict[str, str], pid: int, job: Round) -> None:
    """A 1 MiB and a ``job.size_mb`` upload and download (bench/api_transfer.py's transfer)."""
    made = http.post(LIBRARIES, json={"name": "Transfers"}, headers=headers)
    if made.status_code != 201:
        raise RuntimeError(f"POST {LIBRARIES}: {made.status_code} {made.text[:300]}")
    lid = made.json()["id"]
    small, big = Transfer("1 MiB", MIB), Transfer(f"{job.size_mb} MiB", job.size_mb * MIB)
    meter = CpuMeter(pid)
    for t in (small, big):
        one_transfer(http, headers, lid, pid, t)
        job.problems += [f"transfer {t.label}: {p}" for p in t.problems]
    other = meter.other_share()
    ceiling = big.size / MIB / ceiling_seconds(big.size)
    mb = big.size / MIB
    job.figures["upload"] = Measured(mb / big.upload_seconds, other_cpu=other)
    job.figures["download"] = Measured(mb / big.download_seconds, other_cpu=other)
    job.figures["transfer ceiling"] = Measured(ceiling)
    job.figures["rss growth"] = Measured(big.peak_growth_mb, other_cpu=other)
    job.figures["rss growth small"] = Measured(small.peak_growth_mb, other_cpu=other)


def peer_round(loads: Loads, alg: str, wants: set[str], tmp: Path) -> Figures:
    """The same loads on node-oidc-provider, signing access tokens with ``alg``."""
    figures: Figures = {}
    peer = start_peer(alg, tmp / f"peer-{alg}.log")
    try:
        port, pid = peer.port, peer.pid
        if "cc" in wants:
            headers = {"Authorization": peer.s2s_auth(), "Content-Type": FORM}
            body = "grant_type=client_credentials&scope=api"
            figures["cc"] = loads.fixed(port, pid, "/token", headers, body=body)
        if "refresh" in wants:
            figures["refresh"] = loads.rotation(
                port, pid, "/token", peer.web_auth(), peer.refresh_tokens
            )
        if "code" in wants:
            peer.code()  # the first authorization logs in and consents; later ones are direct
            figures["code"] = loads.codes(
                port, pid, peer.authorize_query(), peer.cookie_header(), "/token",
                peer.web_auth(), peer.redeem_body,
            )  # fmt: skip
    finally:
        peer.stop()
    return figures


BARE_MODULE = '''"""Written by bench/run: bare_app plus the API list route (cclibs' answer)."""

from pathlib import Path

from bare_app import healthz
from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ANSWER = (Path(__file__).parent / "bare_libraries.json").read_bytes()


async def libraries(request):
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return JSONResponse({"error": "invalid_token"}, status_code=401)
    return Response(ANSWER, media_type="application/json")


app = Starlette(routes=[Route("/healthz", healthz), Route("/api/v1/libraries", libraries)])
'''


def bare_api(loads: Loads, tmp: Path, answer: bytes, headers: dict[str, str]) -> Measured:
    """The ceiling of the API list: Starlette under uvicorn with cclibs' options, one route
    that checks the bearer scheme and answers the bytes cclibs answered."""
    (tmp / "bare_api_app.py").write_text(BARE_MODULE)
    (tmp / "bare_libraries.json").write_bytes(answer)
    port = free_port()
    argv = [str(venv_bin() / "python"), "-m", "uvicorn", "bare_api_app:app", "--host", HOST]
    argv += ["--port", str(port), "--workers", "1", *UVICORN_OPTIONS]
    env = clean_env(PYTHONPATH=os.pathsep.join([str(tmp), str(BENCH_DIR)]))
    server = ServerProcess(argv, env, tmp / "bare-api.log")
    server.start()
    try:
        server.wait_ready("/healthz", port, timeout=60)
        return loads.fixed(port, server.pid, LIBRARIES, headers)
    finally:
        server.stop()


def floor_round(
    loads: Loads,
    tmp: Path,
    alg: str,
    *,
    cc: bool = False,
    sqlite_file: Path | None = None,
    api_headers: dict[str, str] | None = None,
    refresh: str | None = None,
) -> Figures:
    """bench/floor_app.py under uvicorn with cclibs' options: client_credentials signed with
    ``alg`` (``cc``), the library list on cclibs' SQLite file with its bearer token (when
    ``sqlite_file`` is given), refresh rotation on a SQLite file or a PostgreSQL database of
    its own (``refresh``: "sqlite" or "postgresql")."""
    from floor_app import CLIENT_ID, CLIENT_SECRET

    figures: Figures = {}
    port = free_port()
    argv = [str(venv_bin() / "python"), "-m", "uvicorn", "floor_app:app", "--host", HOST]
    argv += ["--port", str(port), "--workers", "1", *UVICORN_OPTIONS]
    env = clean_env(PYTHONPATH=str(BENCH_DIR), FLOOR_ALG=alg)
    api_headers = api_headers or {}
    if sqlite_file is not None:
        env["FLOOR_DB"] = str(sqlite_file)
        env["FLOOR_TOKEN"] = api_headers.get("Authorization", "").partition(" ")[2]
    database = None
    if refresh == "sqlite":
        env["FLOOR_REFRESH_DB"] = str(tmp / f"floor-refresh-{os.getpid()}.sqlite3")
    elif refresh == "postgresql":
        database = f"cclibs_bench_floor_{os.getpid()}"
        psql("test", 'CREATE DATABASE :"db";\n', db=database)
        env["FLOOR_REFRESH_PG"] = f"postgresql://postgres@{HOST}:5432/{database}"
    server = ServerProcess(argv, env, tmp / f"floor-{alg}-{refresh}.log")
    basic = basic_auth({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    try:
        server.start()
        server.wait_ready("/healthz", port, timeout=60)
        if refresh is not None:

            def mint(count: int) -> list[str]:
                made = httpx.post(f"http://{HOST}:{port}/seed", params={"count": count})
                made.raise_for_status()
                return list(made.json())

            body = {"grant_type": "refresh_token", "refresh_token": mint(1)[0]}
            check = httpx.post(
                f"http://{HOST}:{port}/token", data=body, headers={"Authorization": basic}
            )
            if check.status_code != 200 or "refresh_token" not in check.json():
                raise RuntimeError(f"floor refresh: {check.status_code} {check.text[:200]}")
            figures["refresh"] = loads.rotation(
                port, server.pid, "/token", basic, mint, database=database
            )
        if cc:
            headers = {"Authorization": basic, "Content-Type": FORM}
            body = f"grant_type=client_credentials&scope={quote_plus(S2S_SCOPE)}"
            check = httpx.post(f"http://{HOST}:{port}/token", content=body, headers=headers)
            if check.status_code != 200 or "access_token" not in check.json():
                raise RuntimeError(f"floor /token: {check.status_code} {check.text[:200]}")
            figures["cc"] = loads.fixed(port, server.pid, "/token", headers, body=body)
        if sqlite_file is not None:
            check = httpx.get(f"http://{HOST}:{port}{LIBRARIES}", headers=api_headers)
            if check.status_code != 200 or not check.json()["libraries"]:
                raise RuntimeError(f"floor {LIBRARIES}: {check.status_code} {check.text[:200]}")
            figures["api"] = loads.fixed(port, server.pid, LIBRARIES, api_headers)
    finally:
        server.stop()
        if database is not None:
            psql("test", 'DROP DATABASE IF EXISTS :"db" WITH (FORCE);\n', db=database)
    return figures


def startup_round(runs: int, problems: list[str]) -> Figures:
    """``cclibs serve`` on an empty data dir to its first 200, against the bare app under
    uvicorn, alternating, after one unrecorded start of each (bench/startup.py's start)."""
    from startup import bare_command, cclibs_command, start_and_stop

    series = {
        "startup": (cclibs_command, clean_env()),
        "startup bare": (bare_command, clean_env(PYTHONPATH=str(BENCH_DIR))),
    }
    ready: dict[str, list[float]] = {key: [] for key in series}
    other: dict[str, float] = dict.fromkeys(series, 0.0)
    for i in range(runs + 1):
        for key, (command, env) in series.items():
            meter = CpuMeter()
            seconds, stopped, _, tail = start_and_stop(command, env, 30.0)
            if not stopped.clean:
                problems.append(
                    f"{key}: exit {stopped.returncode}, killed={stopped.killed}\n{tail}"
                )
            if i:
                ready[key].append(seconds * 1000)
                other[key] = max(other[key], meter.other_share())
    return {k: Measured(statistics.median(v), other_cpu=other[k]) for k, v in ready.items()}


def describe(figures: Figures) -> str:
    return json.dumps({k: round(v.value, 2) for k, v in figures.items()})
