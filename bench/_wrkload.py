"""What the cclibs load benchmarks share to measure: one wrk run read through a Lua done()
line, CPU accounting that counts cclibs' PostgreSQL backends as ours, and the warm-up /
measure / redo-when-disturbed loop.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _harness import HOST, CpuMeter, wait_for_quiet

__all__ = ["LUA_DONE", "Load", "LoadMeter", "Redo", "measure", "run_wrk", "server_cpu"]

# wrk: done() runs in the main Lua state and prints one line run_wrk() reads. A script may
# define ``chain_threads`` (the threads setup() saw), each counting its good answers in its
# own ``refreshed`` global: then those are the ok count, not the non-error answers.
LUA_DONE = """
function done(summary, latency, requests)
  local ok = summary.requests - summary.errors.status
  if chain_threads then
    ok = 0
    for _, t in ipairs(chain_threads) do ok = ok + t:get("refreshed") end
  end
  local e = summary.errors
  io.write(string.format(
    "WRKBENCH ok=%.0f requests=%.0f us=%.0f non2xx=%.0f sockerr=%.0f "
    .. "p50=%.0f p90=%.0f p99=%.0f max=%.0f\\n",
    ok, summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass
class Load:
    ok: int  # 2xx answers (or what the script's chain_threads counted)
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    failed: int  # the other answers
    errors: int  # socket errors, and (wrk) answers slower than its --timeout
    other_cpu: float = 0.0  # share of the machine's CPU other processes took meanwhile
    app_cpu_ms: float = 0.0  # CPU of the server's processes per ok request
    db_cpu_ms: float = 0.0  # CPU of the PostgreSQL backends of our database per ok request

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_wrk(port: int, path: str, script: Path, threads: int, conns: int, secs: float) -> Load:
    """One wrk run; ``script`` must end with LUA_DONE."""
    # wrk leaves answers slower than --timeout out of its latencies (it counts them as socket
    # errors), so the timeout is far above the slowest answer seen here (7 s, SQLite refresh).
    argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs:g}s", "--timeout", "30s"]
    argv += ["-s", str(script), f"http://{HOST}:{port}{path}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=secs + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKBENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    v = {k: float(n) for k, n in (pair.split("=") for pair in line.split()[1:])}
    return Load(
        ok=int(v["ok"]),
        seconds=v["us"] / 1e6,
        p50_ms=v["p50"] / 1000,
        p90_ms=v["p90"] / 1000,
        p99_ms=v["p99"] / 1000,
        max_ms=v["max"] / 1000,
        failed=int(v["requests"] - v["ok"]),
        errors=int(v["sockerr"]),
    )


# CPU accounting: _harness.CpuMeter counts the server's process group as ours, but the
# PostgreSQL backends serving cclibs belong to the postgres service, so they would count as
# "other" CPU and every PostgreSQL run would look disturbed. LoadMeter adds them to ours, and
# keeps the server's and the database's CPU apart to report CPU per request.


def _stat_cpu(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(n) for n in fields[11:13]) / os.sysconf("SC_CLK_TCK")  # utime + stime


def server_cpu(pgid: int | None, database: str | None) -> tuple[float, float]:
    """CPU seconds of the live processes of group ``pgid``, and of the PostgreSQL backends
    whose process title names ``database`` (``postgres: 15/main: USER DB ADDRESS STATE``)."""
    app = db = 0.0
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            if pgid is not None and int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                app += _stat_cpu(stat)
            elif database and "(postgres)" in stat:
                title = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if title.startswith("postgres:") and f" {database} " in title:
                    db += _stat_cpu(stat)
        except (OSError, IndexError, ValueError):
            continue
    return app, db


class LoadMeter(CpuMeter):
    def __init__(self, pgid: int, database: str | None) -> None:
        self.database = database
        self._start_cpu = server_cpu(pgid, database)
        super().__init__(pgid)

    def _sample(self) -> tuple[float, float, float]:
        busy, total, ours = super()._sample()
        return busy, total, ours + (server_cpu(None, self.database)[1] if self.database else 0)

    def finish(self, load: Load) -> Load:
        load.other_cpu = self.other_share()
        app, db = server_cpu(self.pgid, self.database)
        if load.ok:
            load.app_cpu_ms = (app - self._start_cpu[0]) / load.ok * 1000
            load.db_cpu_ms = (db - self._start_cpu[1]) / load.ok * 1000
        return load


@dataclass(frozen=True)
class Redo:
    """When a measured run counts as disturbed, and what to do then."""

    max_other: float  # other processes took more than this share of the CPUs
    retries: int  # redos allowed per run
    retry_wait: float  # wait up to this long for a quiet second before a redo


def measure(
    run: Callable[[float], Load],
    pgid: int,
    database: str | None,
    *,
    warmup: float,
    duration: float,
    redo: Redo,
) -> tuple[Load, int]:
    """A warm-up, then a measured ``run(seconds)``, redone (at most ``redo.retries`` times,
    after waiting for a quiet moment) while other processes took more than
    ``redo.max_other`` of the CPUs. Returns the least disturbed run and the number of redos."""
    if warmup:
        run(warmup)
    best: Load | None = None
    redone = 0
    for attempt in range(redo.retries + 1):
        if attempt:
            redone += 1
            wait_for_quiet(redo.max_other, timeout=redo.retry_wait)
        meter = LoadMeter(pgid, database)
        load = meter.finish(run(duration))
        if best is None or load.other_cpu < best.other_cpu:
            best = load
        if load.other_cpu <= redo.max_other:
            break
    assert best is not None
    return best, redone
