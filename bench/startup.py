"""How long ``cclibs serve`` takes on an empty data directory until GET /healthz answers 200.

Each run starts the real CLI (the venv's ``cclibs`` executable) on a new, empty temporary data
directory, polls GET /healthz every 10 ms from the moment the process is started, then stops
the server (SIGTERM, then wait). The same is measured, in alternation, for a bare Starlette
app under ``python -m uvicorn`` with the same server options: the bare framework ceiling.
Then a few one-off probes show where cclibs' start time goes.

    .venv/bin/python bench/startup.py [-n 10] [--warmup 1] [--probe-repeats 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _harness import (
    BENCH_DIR,
    HOST,
    UVICORN_OPTIONS,
    CpuMeter,
    ServerProcess,
    StopResult,
    clean_env,
    exit_on_sigterm,
    free_port,
    project_revision,
    quiet_check,
    summary,
    use_revision,
    venv_bin,
    wait_for_quiet,
)

TARGET_MS = 2000.0
# Output lines that mark the phases of `cclibs serve` (the first seen of each is timed).
PHASES = {
    "Context impl": "CLI loaded, migrating",  # Alembic's first log line
    "cclibs is starting on": "migrated",  # printed by `cclibs serve` before uvicorn.run
    "Application startup complete": "app built",  # uvicorn, after the factory and lifespan
}
# Run in a fresh interpreter: how long importing the web app and calling its factory take.
FACTORY_PROBE = """
import json, time
began = time.perf_counter()
from cclibs.web.asgi import app_from_environment
imported = time.perf_counter()
app_from_environment()
built = time.perf_counter()
print(json.dumps({"import": imported - began, "factory": built - imported}))
"""


@dataclass
class Series:
    label: str
    ready: list[float] = field(default_factory=list)
    stop: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    other_cpu: list[float] = field(default_factory=list)  # per recorded run
    redone: int = 0  # runs repeated because other processes disturbed them


def cclibs_command(port: int, data_dir: Path) -> list[str]:
    cclibs = str(venv_bin() / "cclibs")
    return [cclibs, "serve", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir)]


def bare_command(port: int, _data_dir: Path) -> list[str]:
    python = str(venv_bin() / "python")
    server = [python, "-m", "uvicorn", "bare_app:app", "--host", HOST, "--port", str(port)]
    return [*server, *UVICORN_OPTIONS]


def one_run(
    series: Series,
    command: Callable[[int, Path], list[str]],
    env: dict[str, str],
    args: argparse.Namespace,
    *,
    record: bool,
) -> None:
    """One start; redone (up to --retries times) when other processes took the CPUs meanwhile."""
    for attempt in range(args.retries + 1):
        if attempt:
            series.redone += 1
            wait_for_quiet()
        meter = CpuMeter()
        ready, stopped, marks, log_tail = start_and_stop(command, env, args.timeout)
        other = meter.other_share()
        if other <= args.max_other or not record:
            break
    if not record:
        return
    series.ready.append(ready)
    series.stop.append(stopped.seconds)
    series.other_cpu.append(other)
    if not stopped.clean:
        series.problems.append(
            f"{series.label}: exit {stopped.returncode}, killed={stopped.killed}\n{log_tail}"
        )
    for needle, name in PHASES.items():
        if needle in marks:
            series.phases.setdefault(name, []).append(marks[needle])


def start_and_stop(
    command: Callable[[int, Path], list[str]], env: dict[str, str], timeout: float
) -> tuple[float, StopResult, dict[str, float], str]:
    """Start a server on an empty data dir, wait for its first 200, stop it."""
    with tempfile.TemporaryDirectory(prefix="cclibs-startup-") as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()  # empty and fresh: no database, no generated key
        port = free_port()
        log = Path(tmp) / "server.log"
        server = ServerProcess(command(port, data_dir), env, log, watch=tuple(PHASES))
        server.start()
        try:
            ready = server.wait_ready("/healthz", port, timeout=timeout)
        finally:
            stopped = server.stop()
        return ready, stopped, server.marks, server.log_tail()


def wall_ms(argv: Sequence[str], env: dict[str, str], repeats: int) -> float:
    """Median wall time of a command (ms)."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def factory_ms(repeats: int) -> dict[str, float]:
    """Median ms to import cclibs.web.asgi, and to run its factory, in a fresh interpreter."""
    results: dict[str, list[float]] = {"import": [], "factory": []}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="cclibs-probe-") as tmp:
            env = clean_env(CCLIBS_DATA_DIR=tmp, CCLIBS_SECRET_KEY=secrets.token_urlsafe(48))
            done = subprocess.run(
                [str(venv_bin() / "python"), "-c", FACTORY_PROBE],
                check=True,
                env=env,
                capture_output=True,
                text=True,
            )
        for key, value in json.loads(done.stdout.splitlines()[-1]).items():
            results[key].append(value)
    return {key: statistics.median(values) * 1000 for key, values in results.items()}


def table_row(label: str, values: Sequence[float]) -> str:
    s = summary([v * 1000 for v in values])
    cells = "".join(f"{s[k]:>8.0f}" for k in ("min", "median", "p90", "max"))
    return f"  {label:<38}{cells}"


def report_phases(series: Series) -> None:
    previous = 0.0
    parts = []
    for name, values in series.phases.items():
        at = statistics.median(values) * 1000
        parts.append(f"{name} @{at:.0f} (+{at - previous:.0f})")
        previous = at
    ready = statistics.median(series.ready) * 1000
    parts.append(f"first 200 @{ready:.0f} (+{ready - previous:.0f})")
    print(f"    {series.label}:\n      " + ", ".join(parts))


def run_probes(repeats: int) -> None:
    python = str(venv_bin() / "python")
    env = clean_env()
    print(f"\n  one-off probes, fresh interpreter each (median of {repeats}, ms):")
    probes = {
        "python -c pass": [python, "-c", "pass"],
        "import uvicorn + starlette": [python, "-c", "import uvicorn, starlette.applications"],
        "cclibs --version (CLI imports)": [str(venv_bin() / "cclibs"), "--version"],
    }
    for label, argv in probes.items():
        print(f"    {label:<44}{wall_ms(argv, env, repeats):>7.0f}")
    factory = factory_ms(repeats)
    print(f"    {'import cclibs.web.asgi (in-process)':<44}{factory['import']:>7.0f}")
    print(f"    {'app_from_environment() (in-process)':<44}{factory['factory']:>7.0f}")


def main() -> int:
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10, help="measured runs of each")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded runs of each first")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on one run (s)")
    parser.add_argument("--probe-repeats", type=int, default=5, help="0 skips the probes")
    parser.add_argument(
        "--max-other", type=float, default=0.10, help="redo a run when other processes took more"
    )
    parser.add_argument("--retries", type=int, default=2, help="redos allowed per run")
    parser.add_argument(
        "--rev", help="measure this commit (git archive of src/), not the work tree's code"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with tempfile.TemporaryDirectory(prefix="cclibs-src-") as source:
        if args.rev:
            use_revision(args.rev, Path(source))
        return run(args)


def run(args: argparse.Namespace) -> int:
    cclibs = Series("cclibs serve (empty data dir)")
    bare = Series("bare Starlette, python -m uvicorn")
    bare_env = clean_env(PYTHONPATH=str(BENCH_DIR))
    today = dt.datetime.now(dt.UTC).date().isoformat()
    print(
        f"startup benchmark, {today}: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{args.runs} runs of each (+{args.warmup} warm-up), alternating"
    )
    print(f"cclibs at {project_revision()}")
    print("time from the server process start to the first 200 from GET /healthz (10 ms polls)")
    print(quiet_check())
    for i in range(args.warmup + args.runs):
        record = i >= args.warmup
        one_run(cclibs, cclibs_command, clean_env(), args, record=record)
        one_run(bare, bare_command, bare_env, args, record=record)
        print(".", end="", flush=True)
    print()
    for series in (cclibs, bare):
        print(
            f"  {series.label}: other processes took at most {max(series.other_cpu):.0%} of the "
            f"CPUs during a recorded run; {series.redone} disturbed runs redone"
        )

    print(f"\n  {'ms':<38}{'min':>8}{'median':>8}{'p90':>8}{'max':>8}")
    print(table_row(cclibs.label, cclibs.ready))
    print(table_row(bare.label, bare.ready))
    ratio = statistics.median(cclibs.ready) / statistics.median(bare.ready)
    print(f"\n  ratio cclibs / bare ceiling (medians): {ratio:.2f}x")
    median_ms = statistics.median(cclibs.ready) * 1000
    p90_ms = summary(cclibs.ready)["p90"] * 1000
    if p90_ms < TARGET_MS:
        verdict = "met"
    elif median_ms < TARGET_MS:
        verdict = "met by the median, not by p90"
    else:
        verdict = "missed"
    print(f"  target, ready in < {TARGET_MS:.0f} ms: {verdict} (median {median_ms:.0f} ms)")

    print("\n  phases (median ms since process start, @when (+since previous)):")
    report_phases(cclibs)
    report_phases(bare)
    for series in (cclibs, bare):
        stop_ms = summary([s * 1000 for s in series.stop])
        print(
            f"  SIGTERM to exit, {series.label}: median {stop_ms['median']:.0f} ms, "
            f"max {stop_ms['max']:.0f} ms"
        )

    if args.probe_repeats > 0:
        run_probes(args.probe_repeats)

    problems = cclibs.problems + bare.problems
    for problem in problems:
        print(f"\nPROBLEM while stopping a server: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
