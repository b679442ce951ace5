"""Every scenario of issue 13 in one bounded run on 127.0.0.1, and one table of the figures:
cclibs', the reference's, their ratio, the target and whether it is met.

Run it as ``bench/run`` (this file through the project's venv). The scenarios:

  cc        POST /ims/token/v3 client_credentials, cclibs (SQLite) against node-oidc-provider
            (bench/peer, in memory), access tokens signed with the same alg (RS256, ES256)
  refresh   refresh_token rotation, cclibs on SQLite and on PostgreSQL against the peer
  code      authorization-code redemption, cclibs on SQLite and on PostgreSQL against the peer
  api       GET /api/v1/libraries with a bearer token, cclibs on SQLite and on PostgreSQL,
            against a bare Starlette route
  paging    a library of 100,000 elements: the last page (cursor) against the first
  transfer  a 1 GiB upload and download: MB/s and the server's RSS growth
  startup   ``cclibs serve`` on an empty data dir to its first 200, against bare uvicorn

Beside cc and api, floor rows: bench/floor_app.py, the least work the request needs on the
same parts (uvicorn, Starlette, joserfc, SQLite or asyncpg), against the same reference
(--no-floor); refresh too, on SQLite and PostgreSQL.

Loads are wrk with 1 thread and 32 connections (issue 13's table); codes, each usable once,
go through bench/_burst.py. One process each: ``cclibs serve --workers 1``, one node process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

from _cclibs_setup import Backend, drop, prepare, sqlite_path
from _harness import (
    current_source,
    exit_on_sigterm,
    project_revision,
    use_revision,
    wait_for_quiet_machine,
)
from _loads import Loads, Measured
from _peer import peer_version
from _report import Row, print_table
from _scenarios import (
    Figures,
    Round,
    bare_api,
    cclibs_round,
    floor_round,
    peer_round,
    startup_round,
)
from _wrkload import Redo

SCENARIOS = ("cc", "refresh", "code", "api", "paging", "transfer", "startup")
FLOOR = "floor app"


class TimeLimit(BaseException):
    """Raised by SIGALRM when the run's time is up; a BaseException so that no scenario's
    ``except Exception`` takes it, while every ``finally`` still stops its server."""


@dataclass
class Run:
    args: argparse.Namespace
    tmp: Path
    loads: Loads
    wants: set[str]
    problems: list[str]
    figures: dict[str, Figures]  # "cclibs RS256", "peer RS256", "postgresql", ... -> figures

    def step(self, name: str, action: Callable[[], None]) -> None:
        """One server's round; a failure is reported and the run goes on with the next."""
        began = time.perf_counter()
        print(f"  {name} ...", flush=True)
        try:
            action()
        except Exception as error:
            self.problems.append(f"{name}: {error!r}")
            traceback.print_exc()
        print(f"  {name}: {time.perf_counter() - began:.0f} s", flush=True)


def run_all(run: Run) -> None:
    args, wants, tmp = run.args, run.wants, run.tmp
    sqlite = Backend("sqlite", tmp / "data-sqlite", secrets.token_urlsafe(48))
    sqlite_ready = False

    def prepare_sqlite() -> None:
        nonlocal sqlite_ready
        if not sqlite_ready:
            prepare(sqlite)
            sqlite_ready = True

    def peer(alg: str, only: set[str]) -> None:
        if wants & only:
            run.figures[f"peer {alg}"] = peer_round(run.loads, alg, wants & only, tmp)

    def cclibs(alg: str, only: set[str]) -> None:
        job = Round(wants & only, args.server, args.elements, args.paging_rounds, args.size_mb)
        try:
            if job.wants:
                prepare_sqlite()
                cclibs_round(run.loads, sqlite, tmp, alg, job)
        finally:
            run.figures[f"cclibs {alg}"] = job.figures
            run.problems += job.problems
        api = "api" in job.wants and bool(job.api_answer)
        if api:
            run.figures["bare"] = {"api": bare_api(run.loads, tmp, job.api_answer, job.api_headers)}
        if args.floor and job.wants & {"cc", "api", "refresh"}:
            run.figures[f"floor {alg}"] = floor_round(
                run.loads, tmp, alg, cc="cc" in job.wants,
                sqlite_file=sqlite_path(sqlite) if api else None, api_headers=job.api_headers,
                refresh="sqlite" if "refresh" in job.wants else None,
            )  # fmt: skip

    def postgresql() -> None:
        database = f"cclibs_bench_run_{os.getpid()}"
        backend = Backend("postgresql", tmp / "data-pg", secrets.token_urlsafe(48), database)
        job = Round(wants & {"refresh", "code", "api"}, args.server)
        try:
            prepare(backend)
            cclibs_round(run.loads, backend, tmp, "RS256", job)
        finally:
            run.figures["postgresql"] = job.figures
            run.problems += job.problems
            drop(backend)
        if args.floor and "refresh" in wants:
            floor = floor_round(run.loads, tmp, "RS256", refresh="postgresql")
            run.figures["floor postgresql"] = floor

    def startup() -> None:
        run.figures["startup"] = startup_round(args.startup_runs, run.problems)

    # The RS256 rounds measure everything but start-up; client_credentials only if RS256 is
    # among --algs.
    rs256 = set(SCENARIOS) - {"startup"} - (set() if "RS256" in args.algs else {"cc"})
    run.step("peer RS256", lambda: peer("RS256", rs256 & {"cc", "refresh", "code"}))
    run.step("cclibs SQLite RS256", lambda: cclibs("RS256", rs256))
    if "cc" in wants and "ES256" in args.algs:
        run.step("cclibs SQLite ES256", lambda: cclibs("ES256", {"cc"}))
        run.step("peer ES256", lambda: peer("ES256", {"cc"}))
    if wants & {"refresh", "code", "api"} and args.postgresql:
        run.step("cclibs PostgreSQL RS256", postgresql)
    if "startup" in wants:
        run.step("start-up", startup)


def build_rows(run: Run) -> list[Row]:
    f = run.figures
    c, p = f.get("cclibs RS256", {}), f.get("peer RS256", {})
    peer = f"oidc-provider {peer_version()}"
    rows = [
        Row("cc", "client_credentials RS256", "tokens/s", c.get("cc"), p.get("cc"), peer,
            ">=", 2.0, "ratio"),
        Row("cc", "client_credentials ES256", "tokens/s", f.get("cclibs ES256", {}).get("cc"),
            f.get("peer ES256", {}).get("cc"), peer, ">=", 2.0, "ratio"),
        Row("cc", "  floor: client_credentials RS256", "tokens/s",
            f.get("floor RS256", {}).get("cc"), p.get("cc"), peer, measured=FLOOR),
        Row("cc", "  floor: client_credentials ES256", "tokens/s",
            f.get("floor ES256", {}).get("cc"), f.get("peer ES256", {}).get("cc"), peer,
            measured=FLOOR),
        Row("refresh", "refresh rotation, SQLite", "tokens/s", c.get("refresh"),
            p.get("refresh"), peer, ">=", 1.0, "ratio"),
        Row("refresh", "  floor: refresh rotation, SQLite", "tokens/s",
            f.get("floor RS256", {}).get("refresh"), p.get("refresh"), peer, measured=FLOOR),
        Row("refresh", "refresh rotation, PostgreSQL", "tokens/s",
            f.get("postgresql", {}).get("refresh"), p.get("refresh"), peer, ">=", 0.7, "ratio"),
        Row("refresh", "  floor: refresh rotation, PostgreSQL", "tokens/s",
            f.get("floor postgresql", {}).get("refresh"), p.get("refresh"), peer,
            measured=FLOOR),
        Row("code", "authorization_code redemption", "codes/s", c.get("code"), p.get("code"),
            peer),
        Row("code", "authorization_code, PostgreSQL", "codes/s",
            f.get("postgresql", {}).get("code"), p.get("code"), peer),
        Row("api", "GET /api/v1/libraries, bearer", "req/s", c.get("api"),
            f.get("bare", {}).get("api"), "bare Starlette", ">=", 0.5, "ratio"),
        Row("api", "  floor: GET /api/v1/libraries", "req/s",
            f.get("floor RS256", {}).get("api"), f.get("bare", {}).get("api"), "bare Starlette",
            measured=FLOOR),
        Row("api", "GET /api/v1/libraries, PostgreSQL", "req/s",
            f.get("postgresql", {}).get("api"), f.get("bare", {}).get("api"), "bare Starlette"),
        Row("paging", f"{run.args.elements:,} elements: last page", "ms", c.get("page last"),
            c.get("page first"), "first page", "<=", 1.5, "ratio"),
        Row("transfer", f"{run.args.size_mb} MiB upload", "MB/s", c.get("upload"),
            c.get("transfer ceiling"), "generate+MD5"),
        Row("transfer", f"{run.args.size_mb} MiB download", "MB/s", c.get("download"),
            c.get("transfer ceiling"), "generate+MD5"),
        Row("transfer", f"{run.args.size_mb} MiB up+down: RSS growth", "MB",
            c.get("rss growth"), c.get("rss growth small"), "1 MiB file", "<=", 100.0, "value"),
        Row("startup", "start-up to first 200", "ms", f.get("startup", {}).get("startup"),
            f.get("startup", {}).get("startup bare"), "bare uvicorn", "<=", 2000.0, "value"),
    ]  # fmt: skip
    left_out = set()  # variants the options left out
    if "ES256" not in run.args.algs:
        left_out |= {"client_credentials ES256", "  floor: client_credentials ES256"}
    if "RS256" not in run.args.algs:
        left_out |= {"client_credentials RS256", "  floor: client_credentials RS256"}
    if not run.args.floor:
        left_out |= {row.label for row in rows if row.label.startswith("  floor")}
    if not run.args.postgresql:
        left_out |= {row.label for row in rows if "PostgreSQL" in row.label}
    return [row for row in rows if row.scenario in run.wants and row.label not in left_out]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run these scenarios only")
    parser.add_argument("--skip", nargs="+", choices=SCENARIOS, default=[], help="leave these out")
    parser.add_argument(
        "--quick", action="store_true",
        help="a smoke run of about 2 min: 3 s loads, 10,000 elements, 64 MiB, 2 starts, no redos",
    )  # fmt: skip
    parser.add_argument("--duration", type=int, help="seconds per measured load (default 10)")
    parser.add_argument("--warmup", type=int, help="seconds of warm-up before each (default 3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk -t1 -cN")
    parser.add_argument(
        "--server", choices=("uvicorn", "granian"), default="uvicorn",
        help="serve cclibs with `cclibs serve` (uvicorn) or with granian on the same factory",
    )  # fmt: skip
    parser.add_argument("--algs", nargs="+", choices=("RS256", "ES256"), default=["RS256", "ES256"])
    parser.add_argument("--no-postgresql", dest="postgresql", action="store_false")
    parser.add_argument(
        "--no-floor", dest="floor", action="store_false",
        help="leave out the floor app (bench/floor_app.py) beside client_credentials and the list",
    )  # fmt: skip
    parser.add_argument("--elements", type=int, help="library size for paging (100000)")
    parser.add_argument("--paging-rounds", type=int, default=20)
    parser.add_argument("--size-mb", type=int, help="the large transfer, MiB (1024)")
    parser.add_argument("--startup-runs", type=int, help="recorded starts of each (5)")
    parser.add_argument("--max-other", type=float, default=0.10, help="redo a load above this")
    parser.add_argument("--retries", type=int, help="redos per load (1; --quick: 0)")
    parser.add_argument("--retry-wait", type=float, default=10.0)
    parser.add_argument("--quiet-wait", type=float, help="wait this long for a quiet machine (30)")
    parser.add_argument("--time-limit", type=int, default=590, help="seconds for the whole run")
    parser.add_argument("--rev", help="measure this commit (git archive REV src)")
    parser.add_argument("--json", type=Path, help="also write the figures there")
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "duration": 3 if quick else 10,
        "warmup": 1 if quick else 3,
        "elements": 10_000 if quick else 100_000,
        "size_mb": 64 if quick else 1024,
        "startup_runs": 2 if quick else 5,
        "retries": 0 if quick else 1,
        "quiet_wait": 0 if quick else 30,
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if not (0 < args.duration <= 60 and 0 <= args.warmup <= 30 and 0 < args.time_limit <= 3600):
        parser.error("need --duration in (0, 60], --warmup in [0, 30], --time-limit in (0, 3600]")
    if not (1 <= args.connections <= 1024 and 200 <= args.elements <= 1_000_000):
        parser.error("need --connections in [1, 1024] and --elements in [200, 1000000]")
    if not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install -y wrk)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()

    def out_of_time(_signum: int, _frame: object) -> None:
        raise TimeLimit(f"the time limit of {args.time_limit} s was reached")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.time_limit)
    began = time.perf_counter()
    wants = set(args.only or SCENARIOS) - set(args.skip)
    with tempfile.TemporaryDirectory(prefix="cclibs-run-") as name:
        tmp = Path(name)
        if args.rev:
            use_revision(args.rev, tmp / "export")
            sys.path.insert(0, str((current_source() or {})["path"]))  # the in-process insert
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        print(
            f"bench/run, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, node {node_version()}, "
            f"oidc-provider {peer_version()}, uvicorn {version('uvicorn')}, "
            f"{wrk.split(' [')[0].strip()}"
        )
        print(f"  cclibs at {project_revision()}, served by {args.server}, one worker")
        print(
            f"  loads: wrk -t1 -c{args.connections}, {args.warmup} s warm-up + {args.duration} s "
            f"measured; redo when other processes took > {args.max_other:.0%} of the CPUs "
            f"({args.retries} redo at most)"
        )
        if args.quiet_wait:
            print(f"  {wait_for_quiet_machine(0.25, args.quiet_wait, poll=10)}", flush=True)
        redo = Redo(args.max_other, args.retries, args.retry_wait)
        # Redos only in the first half of the time limit: a busy machine must not make every
        # load run twice and the run miss its last scenarios.
        loads = Loads(
            tmp, duration=args.duration, warmup=args.warmup, connections=args.connections,
            redo=redo, redo_until=time.monotonic() + args.time_limit / 2,
        )  # fmt: skip
        run = Run(args, tmp, loads, wants, [], {})
        try:
            run_all(run)
        except TimeLimit as error:
            run.problems.append(str(error))
        finally:
            signal.alarm(0)
    rows = build_rows(run)
    print_table(rows, time.perf_counter() - began, loads.redone, args.max_other)
    for problem in run.problems:
        print(f"PROBLEM: {problem}")
    if args.json:
        raw = {k: {n: asdict(m) for n, m in v.items()} for k, v in run.figures.items()}
        args.json.write_text(json.dumps({"figures": raw, "problems": run.problems}, indent=2))
    return 1 if run.problems else 0


def node_version() -> str:
    node = shutil.which("node")
    if node is None:
        return "missing"
    return subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()


__all__ = ["Measured", "main"]

if __name__ == "__main__":
    sys.exit(main())
