"""What the benchmarks share: the venv's executables, server processes on 127.0.0.1, polling.

Every server is started in its own session (process group) so that a server that ignores
SIGTERM can still be ended, by its own group id, after a bounded wait.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
# The options `cclibs serve` passes to uvicorn.run (src/cclibs/cli/serve.py), as CLI flags;
# log_config=None has no flag (uvicorn's default logging is used for the bare app).
UVICORN_OPTIONS = (
    "--no-access-log",
    "--proxy-headers",
    "--no-server-header",
    "--timeout-graceful-shutdown",
    "10",
)


def venv_bin() -> Path:
    """The bin/ of the venv the benchmark runs in, else the project's .venv/bin."""
    here = Path(sys.executable).parent
    return here if (here / "cclibs").exists() else ROOT / ".venv" / "bin"


# Set by use_revision() or use_source(): an exported src/ that takes precedence over the
# editable install. Empty: the work tree.
_source: dict[str, str] = {}


def export_revision(rev: str, dest: Path) -> dict[str, str]:
    """``git archive REV src`` extracted into ``dest``; returns the source for use_source()."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return {"path": str(dest / "src"), "commit": commit}


def use_revision(rev: str, dest: Path) -> None:
    """Run cclibs from ``git archive REV src`` exported into ``dest``, not from the work tree.

    The export goes first on PYTHONPATH (see clean_env), ahead of the editable install's .pth,
    so a work tree that others are editing cannot change or break the code being measured.
    """
    use_source(export_revision(rev, dest))


def use_source(source: Mapping[str, str] | None) -> None:
    """Switch the code that clean_env() runs: an export_revision() result, or None for the
    work tree. For scripts that compare two revisions in one run."""
    _source.clear()
    _source.update(source or {})


def current_source() -> dict[str, str] | None:
    """The source in use (to switch back to it with use_source), None for the work tree."""
    return dict(_source) or None


def project_revision() -> str:
    """The code measured: an exported commit, or the work tree's commit and whether src/ had
    uncommitted changes."""
    if _source:
        return f"commit {_source['commit']} (exported by --rev; the work tree is not used)"
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"commit {head}" + (" + uncommitted changes in src/" if dirty else "")


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without CCLIBS_* (runs must not depend on the caller's shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCLIBS_")}
    env.update(extra)
    if _source:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [_source["path"], extra.get("PYTHONPATH")])
        )
    return env


def exit_on_sigterm() -> None:
    """SIGTERM becomes SystemExit, so that the finally blocks still stop the servers started."""

    def handler(_signum: int, _frame: object) -> None:
        sys.exit(128 + signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(
    port: int, path: str, *, timeout: float = 1.0, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str]]:
    """One GET to 127.0.0.1; returns the status and the (lower-cased) response headers."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=dict(headers or {}))
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time; the message ends with its last log lines."""


@dataclass
class StopResult:
    seconds: float
    returncode: int | None
    killed: bool  # SIGTERM was not enough: the process group got SIGKILL

    @property
    def clean(self) -> bool:
        """Exited by itself; uvicorn re-raises the SIGTERM it handled, hence -SIGTERM too."""
        return not self.killed and self.returncode in (0, -signal.SIGTERM)


@dataclass
class ServerProcess:
    """One server command. ``watch``: output substrings whose first arrival time is recorded."""

    argv: Sequence[str]
    env: Mapping[str, str]
    log_path: Path
    watch: Sequence[str] = ()
    cwd: Path | None = None
    marks: dict[str, float] = field(default_factory=dict)
    started_at: float = 0.0
    _proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    _reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self) -> None:
        self._log = self.log_path.open("wb")
        # Output goes straight to a file, unless lines must be timed: then a thread reads it.
        stdout: int | IO[bytes] = subprocess.PIPE if self.watch else self._log
        self.started_at = time.perf_counter()
        self._proc = subprocess.Popen(
            list(self.argv),
            env=dict(self.env),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.watch:
            self._reader = threading.Thread(target=self._read_output, daemon=True)
            self._reader.start()

    def _read_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        assert self._log is not None
        for line in self._proc.stdout:
            now = time.perf_counter()
            text = line.decode("utf-8", "replace")
            for needle in self.watch:
                if needle in text and needle not in self.marks:
                    self.marks[needle] = now - self.started_at
            self._log.write(line)

    def wait_ready(
        self, path: str, port: int, *, timeout: float = 30.0, interval: float = 0.01
    ) -> float:
        """Poll GET ``path`` until it answers 200; returns the seconds since ``start()``."""
        assert self._proc is not None
        deadline = self.started_at + timeout
        while True:
            try:
                status, _ = get(port, path, timeout=1.0)
            except OSError:
                status = 0
            if status == 200:
                return time.perf_counter() - self.started_at
            if self._proc.poll() is not None:
                raise ServerFailed(f"exited with {self._proc.returncode}\n{self.log_tail()}")
            if time.perf_counter() > deadline:
                raise ServerFailed(f"no 200 from {path} after {timeout:.0f} s\n{self.log_tail()}")
            time.sleep(interval)

    def stop(self, timeout: float = 15.0) -> StopResult:
        """SIGTERM the main process; the time runs until its whole process group is gone.

        A group still alive ``timeout`` seconds after the SIGTERM (a hung main process, or
        workers it left behind) gets SIGKILL, by the group id, and counts as killed.
        """
        assert self._proc is not None
        began = time.perf_counter()
        deadline = began + timeout
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout)
        # The main process may exit just before its helpers (workers, multiprocessing's
        # resource tracker): they get the rest of the grace time.
        while _group_alive(self._proc.pid) and time.perf_counter() < deadline:
            time.sleep(0.02)
        killed = _group_alive(self._proc.pid)
        if killed:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(5)
        seconds = time.perf_counter() - began
        if self._reader is not None:
            self._reader.join(5)
        if self._log is not None:
            self._log.close()
        return StopResult(seconds, self._proc.returncode, killed)

    def log_tail(self, lines: int = 15) -> str:
        if self._log is not None and not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text("utf-8", "replace").splitlines()
        return "\n".join(f"    | {line}" for line in text[-lines:])


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A group of zombies still "exists"; only count members that are not zombies.
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


_TICK = os.sysconf("SC_CLK_TCK")


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # user..steal; guest time is already inside user
    idle = fields[3] + fields[4]  # idle + iowait
    return (total - idle) / _TICK, total / _TICK


def _group_cpu(pgid: int) -> float:
    """CPU seconds of the live processes of a group, with the children they waited for."""
    seconds = 0
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            seconds += sum(int(n) for n in fields[11:15])  # utime stime cutime cstime
    return seconds / _TICK


def _own_cpu() -> float:
    """CPU seconds of this process and of the children it waited for (wrk, stopped servers)."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


class CpuMeter:
    """The share of the machine's CPU that other processes took while a benchmark ran.

    "Ours" is this process, the children it waited for, and the live process group ``pgid``
    (a running server). A share above a few percent means the figures are disturbed.
    """

    def __init__(self, pgid: int | None = None) -> None:
        self.pgid = pgid
        self._start = self._sample()

    def _sample(self) -> tuple[float, float, float]:
        busy, total = _machine_cpu()
        ours = _own_cpu() + (_group_cpu(self.pgid) if self.pgid is not None else 0.0)
        return busy, total, ours

    def other_share(self) -> float:
        end, start = self._sample(), self._start
        busy, total, ours = (end[i] - start[i] for i in range(3))
        return max(0.0, busy - ours) / total if total > 0 else 0.0


def cpu_busy(seconds: float = 1.0) -> float:
    """The fraction of all CPUs' time spent busy over ``seconds`` (from /proc/stat), 0..1."""

    def sample() -> tuple[int, int]:
        fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields[:8]), idle  # user..steal; guest time is already inside user

    total_0, idle_0 = sample()
    time.sleep(seconds)
    total_1, idle_1 = sample()
    total = total_1 - total_0
    return 1 - (idle_1 - idle_0) / total if total else 0.0


def wait_for_quiet(limit: float = 0.10, timeout: float = 20.0) -> bool:
    """Wait (at most ``timeout`` s) for a second in which the CPUs are less than ``limit`` busy."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if cpu_busy() < limit:
            return True
    return False


def wait_for_quiet_machine(limit: float, timeout: float, poll: float = 30.0) -> str:
    """Before measuring: look every ``poll`` s (up to ``timeout``) for a quiet machine; returns
    a line for the report."""
    began = time.perf_counter()
    while True:
        busy = cpu_busy(2.0)
        waited = time.perf_counter() - began
        if busy < limit:
            return f"CPU {busy:.0%} busy before the first measurement (waited {waited:.0f} s)"
        if waited + poll > timeout:
            return (
                f"CPU still {busy:.0%} busy after waiting {waited:.0f} s (NOTE: the machine "
                "was not quiet; the retries below catch the worst, the figures are noisy)"
            )
        print(f"  machine busy ({busy:.0%} of the CPUs); looking again in {poll:.0f} s", flush=True)
        time.sleep(poll)


def quiet_check() -> str:
    """One line on how busy the machine was just before a benchmark, with a warning if it was."""
    busy = cpu_busy()
    line = f"CPU busy in the second before the run: {busy:.0%}"
    if busy > 0.10:
        line += " (NOTE: something else is running; the figures will be noisy)"
    return line


def summary(values: Sequence[float]) -> dict[str, float]:
    """min, median, p90 and max (p90 by linear interpolation between the samples)."""
    ordered = sorted(values)
    if len(ordered) > 1:
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8]
    else:
        p90 = ordered[0]
    return {"min": ordered[0], "median": statistics.median(ordered), "p90": p90, "max": ordered[-1]}
