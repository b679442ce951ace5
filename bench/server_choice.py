"""uvicorn or granian for cclibs: throughput and latency, and how each behaves around the app.

For each server (uvicorn, granian) and worker count (1, 2), serves on 127.0.0.1:
  * the bare Starlette app (bench/bare_app.py), GET /healthz: the ceiling of that server;
  * cclibs' app, GET /healthz and GET /signin: uvicorn through the real ``cclibs serve``
    (the options it passes to uvicorn.run), granian through its CLI with the factory
    ``cclibs.web.asgi:app_from_environment`` (``--interface asgi --factory``).
Each measurement is a warm-up run, then a bounded run of ``wrk`` (a separate process; the
asyncio generator in _pyload.py is used only when wrk is not installed). cclibs runs in
production mode (CCLIBS_ENV=production: JSON logs, one access line per request) on a
migrated SQLite data directory in a temporary folder, with its output going to a file.

Also recorded per server: time to the first 200, SIGTERM-to-exit time, the Server header,
whether X-Forwarded-For from 127.0.0.1 reaches cclibs' access log, which output lines are
not cclibs' JSON, and whether a SIGTERM sent while the workers are still starting is obeyed.

    .venv/bin/python bench/server_choice.py [--duration 10] [--warmup 3] [--connections 64]
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
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from _harness import (
    BENCH_DIR,
    HOST,
    UVICORN_OPTIONS,
    CpuMeter,
    ServerProcess,
    clean_env,
    exit_on_sigterm,
    free_port,
    get,
    project_revision,
    quiet_check,
    use_revision,
    venv_bin,
    wait_for_quiet,
)

SERVERS = ("uvicorn", "granian")
PATHS = {"bare": ("/healthz",), "cclibs": ("/healthz", "/signin")}
FACTORY = "cclibs.web.asgi:app_from_environment"
PROBE_ID = "bench-proxy-probe"
PROBE_CLIENT = "203.0.113.7"  # a documentation address, sent only as a header value


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int
    other_cpu: float = 0.0  # share of the machine's CPU taken by other processes meanwhile


@dataclass
class Row:
    server: str
    workers: int
    app: str
    path: str
    load: Load  # the round with the median req/s
    rps_min: float
    rps_max: float


@dataclass
class Lifecycle:
    server: str
    workers: int
    app: str
    ready_ms: float
    stop_ms: float
    returncode: int | None
    killed: bool
    clean: bool = False
    server_header: str = "-"
    forwarded_for: str = "-"
    log_lines: int = 0
    foreign_lines: list[str] = field(default_factory=list)


@dataclass
class Setup:
    data_dir: Path
    secret: str
    loadgen: str
    threads: int
    connections: int
    redone: int = 0  # load runs repeated because other processes disturbed them


# Load generation ----------------------------------------------------------------------------

_WRK_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _WRK_UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> Load:
    def find(pattern: str) -> re.Match[str] | None:
        return re.search(pattern, output, re.MULTILINE)

    rps = find(r"^Requests/sec:\s+([\d.]+)")
    p50 = find(r"^\s+50%\s+(\S+)")
    p99 = find(r"^\s+99%\s+(\S+)")
    total = find(r"^\s+(\d+) requests in")
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    non_2xx = find(r"Non-2xx or 3xx responses: (\d+)")
    sock = find(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
    return Load(
        rps=float(rps.group(1)),
        p50_ms=_wrk_ms(p50.group(1)),
        p99_ms=_wrk_ms(p99.group(1)),
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(n) for n in sock.groups()) if sock else 0,
    )


def run_load(setup: Setup, port: int, path: str, seconds: float) -> Load:
    """One bounded load run against 127.0.0.1:port, in a separate process."""
    if setup.loadgen == "wrk":
        argv = ["wrk", "-t", str(setup.threads), "-c", str(setup.connections)]
        argv += ["-d", f"{seconds:g}s", "--timeout", "5s", "--latency"]
        argv.append(f"http://{HOST}:{port}{path}")
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
        return parse_wrk(done.stdout)
    argv = [sys.executable, str(BENCH_DIR / "_pyload.py"), "--port", str(port), "--path", path]
    argv += ["--connections", str(setup.connections), "--duration", f"{seconds:g}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30, check=True)
    result = json.loads(done.stdout)
    return Load(
        rps=result["rps"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
        requests=result["requests"],
        non_2xx=result["non_2xx"],
        errors=result["errors"],
    )


def measure(setup: Setup, pgid: int, port: int, path: str, args: argparse.Namespace) -> Load:
    """A load run, redone (at most --retries times, after a quiet second) while processes
    other than the server and wrk took more than --max-other of the CPUs during it."""
    best: Load | None = None
    for attempt in range(args.retries + 1):
        if attempt:
            setup.redone += 1
            wait_for_quiet()
        meter = CpuMeter(pgid)
        load = run_load(setup, port, path, args.duration)
        load.other_cpu = meter.other_share()
        if best is None or load.other_cpu < best.other_cpu:
            best = load
        if load.other_cpu <= args.max_other:
            break
    assert best is not None
    return best


# Servers ------------------------------------------------------------------------------------


def server_command(server: str, app: str, port: int, workers: int) -> list[str]:
    bin_dir = venv_bin()
    if server == "uvicorn" and app == "cclibs":
        # The real thing: `cclibs serve` migrates, then calls uvicorn.run with its options.
        argv = [str(bin_dir / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
        return [*argv, "--workers", str(workers)]
    if server == "uvicorn":
        argv = [str(bin_dir / "python"), "-m", "uvicorn", "bare_app:app", "--host", HOST]
        return [*argv, "--port", str(port), "--workers", str(workers), *UVICORN_OPTIONS]
    # granian's defaults: asyncio tasks on uvloop (its "auto" loop), no access log.
    argv = [str(bin_dir / "granian"), "--interface", "asgi", "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers)]
    return [*argv, "--factory", FACTORY] if app == "cclibs" else [*argv, "bare_app:app"]


def server_env(setup: Setup, server: str, app: str, port: int) -> dict[str, str]:
    if app == "bare":
        return clean_env(PYTHONPATH=str(BENCH_DIR))
    env = clean_env(
        CCLIBS_ENV="production",
        CCLIBS_DATA_DIR=str(setup.data_dir),
        CCLIBS_SECRET_KEY=setup.secret,
        # The app believes X-Forwarded-For only from these (create_app's ProxyHeadersMiddleware,
        # whatever the server): the probe from 127.0.0.1 must be honoured under both servers.
        CCLIBS_TRUSTED_PROXIES="127.0.0.1",
    )
    if server == "granian":
        env["CCLIBS_ISSUER"] = f"http://{HOST}:{port}"  # what `cclibs serve` would derive
    return env


def probe(port: int, record: Lifecycle) -> None:
    """The Server header, and a request from a proxy on 127.0.0.1 (read back in the log)."""
    headers = {"x-request-id": PROBE_ID, "x-forwarded-for": PROBE_CLIENT}
    _, response_headers = get(port, "/healthz", headers=headers)
    record.server_header = response_headers.get("server", "(none)")


def read_log(log: Path, app: str, record: Lifecycle) -> None:
    """Count the lines that are not cclibs' JSON, and see which client the probe was logged as."""
    if app != "cclibs":
        return
    for line in log.read_text("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        record.log_lines += 1
        try:
            event = json.loads(line)
        except ValueError:
            record.foreign_lines.append(line)
            continue
        if isinstance(event, dict) and event.get("request_id") == PROBE_ID:
            client = event.get("client")
            record.forwarded_for = "honoured" if client == PROBE_CLIENT else f"ignored ({client})"


def serve_and_measure(
    setup: Setup, server: str, app: str, workers: int, args: argparse.Namespace, tmp: Path
) -> tuple[list[Row], Lifecycle]:
    port = free_port()
    log = tmp / f"{server}-{app}-{workers}w.log"
    process = ServerProcess(
        server_command(server, app, port, workers), server_env(setup, server, app, port), log
    )
    process.start()
    rows = []
    try:
        ready = process.wait_ready("/healthz", port, timeout=60)
        record = Lifecycle(server, workers, app, ready * 1000, 0.0, None, killed=False)
        probe(port, record)
        for path in PATHS[app]:
            status, _ = get(port, path)
            if status != 200:
                raise RuntimeError(f"{server} {app} {path}: status {status}")
            if args.warmup:
                run_load(setup, port, path, args.warmup)
            rounds = sorted(
                (measure(setup, process.pid, port, path, args) for _ in range(args.rounds)),
                key=lambda load: load.rps,
            )
            load = rounds[len(rounds) // 2]
            rows.append(Row(server, workers, app, path, load, rounds[0].rps, rounds[-1].rps))
            print(
                f"  {server:<8}{workers}w {app:<7}{path:<10}{load.rps:>10.0f} req/s",
                flush=True,
            )
    finally:
        stopped = process.stop()
    record.stop_ms = stopped.seconds * 1000
    record.returncode = stopped.returncode
    record.killed = stopped.killed
    record.clean = stopped.clean
    read_log(log, app, record)
    return rows, record


def stop_while_starting(setup: Setup, server: str, tries: int, tmp: Path) -> list[str]:
    """SIGTERM as soon as the first of 2 workers answers; how did each try end?"""
    outcomes = []
    for i in range(tries):
        port = free_port()
        process = ServerProcess(
            server_command(server, "cclibs", port, 2),
            server_env(setup, server, "cclibs", port),
            tmp / f"{server}-stop-while-starting-{i}.log",
        )
        process.start()
        process.wait_ready("/healthz", port, timeout=60)
        stopped = process.stop(timeout=10)
        if stopped.clean:
            outcomes.append(f"exited in {stopped.seconds:.1f} s")
        else:
            outcomes.append(f"no exit in {stopped.seconds:.0f} s, SIGKILLed")
    return outcomes


# Report -------------------------------------------------------------------------------------


def print_throughput(rows: list[Row], setup: Setup, args: argparse.Namespace) -> None:
    ceiling = {(r.server, r.workers): r.load.rps for r in rows if r.app == "bare"}
    rounds = f"median of {args.rounds} runs" if args.rounds > 1 else "one run"
    print(
        f"\nthroughput: {setup.loadgen} {setup.threads} threads, {setup.connections} connections; "
        f"per row a {args.warmup:g} s warm-up, then {rounds} of {args.duration:g} s"
    )
    head = f"  {'server':<9}{'workers':>7}  {'app':<7}{'path':<10}{'req/s':>8}{'spread':>8}"
    head += f"{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>8}{'errors':>7}{'other CPU':>10}"
    print(head + f"{'vs ceiling':>11}")
    for r in rows:
        ratio = r.load.rps / ceiling[(r.server, r.workers)]
        spread = f"±{(r.rps_max - r.rps_min) / 2 / r.load.rps:.0%}" if args.rounds > 1 else "-"
        print(
            f"  {r.server:<9}{r.workers:>7}  {r.app:<7}{r.path:<10}{r.load.rps:>8.0f}{spread:>8}"
            f"{r.load.p50_ms:>9.2f}{r.load.p99_ms:>9.2f}{r.load.non_2xx:>8}{r.load.errors:>7}"
            f"{r.load.other_cpu:>10.0%}{ratio:>11.2f}"
        )
    print(f"  ({setup.redone} disturbed runs were redone)")
    if any(r.load.other_cpu > args.max_other for r in rows):
        print(f"  NOTE: rows with other CPU > {args.max_other:.0%} stayed disturbed: noisy figures")
    by_key = {(r.server, r.workers, r.app, r.path): r.load for r in rows}
    print(
        "\ngranian / uvicorn (same workers, app and path; req/s > 1 and latency < 1 favour granian)"
    )
    print(f"  {'workers':>7}  {'app':<7}{'path':<10}{'req/s':>8}{'p50':>8}{'p99':>8}")
    for (server, workers, app, path), uvicorn in by_key.items():
        granian = by_key.get(("granian", workers, app, path))
        if server != "uvicorn" or granian is None:
            continue
        print(
            f"  {workers:>7}  {app:<7}{path:<10}{granian.rps / uvicorn.rps:>8.2f}"
            f"{granian.p50_ms / uvicorn.p50_ms:>8.2f}{granian.p99_ms / uvicorn.p99_ms:>8.2f}"
        )


def print_lifecycle(records: list[Lifecycle]) -> None:
    print("\nserving cclibs: start, stop, headers, logs")
    print(
        f"  {'server':<9}{'workers':>7}{'ready ms':>10}{'stop ms':>9}{'exit':>6}  "
        f"{'Server header':<15}{'X-Forwarded-For':<22}{'non-JSON lines':>14}"
    )
    for r in records:
        if r.app != "cclibs":
            continue
        exit_code = "KILLED" if r.killed else str(r.returncode)
        foreign = f"{len(r.foreign_lines)}/{r.log_lines}"
        print(
            f"  {r.server:<9}{r.workers:>7}{r.ready_ms:>10.0f}{r.stop_ms:>9.0f}{exit_code:>6}  "
            f"{r.server_header:<15}{r.forwarded_for:<22}{foreign:>14}"
        )
    print("  (exit -15: uvicorn re-raises the SIGTERM it handled once it has shut down cleanly)")
    for server in SERVERS:
        samples: list[str] = []
        for r in records:
            if r.server == server and r.app == "cclibs":
                samples += [line for line in r.foreign_lines if line not in samples]
        if samples:
            print(f"  non-JSON lines under {server}, e.g.:")
            for line in samples[:4]:
                print(f"    {line[:96]}")
    bare = [r for r in records if r.app == "bare"]
    for r in bare:
        if not r.clean:
            print(f"  bare app under {r.server}, {r.workers}w: exit {r.returncode}, killed")


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up before it")
    parser.add_argument("--rounds", type=int, default=1, help="measurements per row (median)")
    parser.add_argument(
        "--max-other", type=float, default=0.10, help="redo a run when other processes took more"
    )
    parser.add_argument("--retries", type=int, default=2, help="redos allowed per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--stop-tries", type=int, default=5, help="0 skips that check")
    parser.add_argument("--json", type=Path, help="also write the raw results there")
    parser.add_argument(
        "--rev", help="measure this commit (git archive of src/), not the work tree's code"
    )
    args = parser.parse_args()
    if not (0 < args.duration <= 120 and 0 <= args.warmup <= 60 and 1 <= args.rounds <= 5):
        parser.error("need --duration in (0, 120] s, --warmup in [0, 60] s, --rounds in [1, 5]")
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
    wrk_version = "-"
    if loadgen == "wrk":
        wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        wrk_version = wrk_version.split(" [")[0].strip()

    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"server choice benchmark, {today}: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; uvicorn {version('uvicorn')} (httptools {version('httptools')}, "
        f"uvloop {version('uvloop')}), granian {version('granian')}, starlette "
        f"{version('starlette')}; load: {wrk_version or loadgen}"
    )
    print(f"  cclibs at {project_revision()}")
    print(f"  {quiet_check()}")
    if loadgen == "python":
        print("  NOTE: wrk not found, the Python generator is the bottleneck: compare ratios only")

    with tempfile.TemporaryDirectory(prefix="cclibs-bench-") as tmp_name:
        tmp = Path(tmp_name)
        secret = secrets.token_urlsafe(48)
        setup = Setup(tmp / "data", secret, loadgen, args.threads, args.connections)
        setup.data_dir.mkdir()
        migrate_env = server_env(setup, "uvicorn", "cclibs", 0)
        subprocess.run(
            [str(venv_bin() / "cclibs"), "db", "upgrade", "--data-dir", str(setup.data_dir)],
            env=migrate_env,
            check=True,
            capture_output=True,
        )
        rows: list[Row] = []
        records: list[Lifecycle] = []
        for workers in args.workers:
            for server in SERVERS:
                for app in ("bare", "cclibs"):
                    new_rows, record = serve_and_measure(setup, server, app, workers, args, tmp)
                    rows += new_rows
                    records.append(record)
        stops: dict[str, list[str]] = {}
        if args.stop_tries > 0:
            for server in SERVERS:
                stops[server] = stop_while_starting(setup, server, args.stop_tries, tmp)

    print_throughput(rows, setup, args)
    print_lifecycle(records)
    if stops:
        print("\nSIGTERM as soon as the first of 2 workers answers (cclibs), 10 s grace:")
        for server, outcomes in stops.items():
            print(f"  {server:<9}" + "; ".join(outcomes))
    if args.json:
        raw = {
            "rows": [asdict(r) for r in rows],
            "lifecycle": [asdict(r) for r in records],
            "stop_while_starting": stops,
        }
        args.json.write_text(json.dumps(raw, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
