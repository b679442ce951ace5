"""Memory of the server while it takes a 1 GiB upload and serves it back, against a 1 MiB one.

``cclibs serve`` (one process, SQLite in a temporary data directory) runs on 127.0.0.1. A user
signs in through the real pages (as in the other benchmarks) and makes a library. Then, for a
1 MiB file (the baseline) and for a 1 GiB file:

  * POST /api/v1/libraries/{id}/representations/content: a multipart body generated on the fly
    (1 MiB blocks of random bytes, each stamped with its number), streamed with chunked
    transfer encoding; the client never holds more than one block;
  * GET the ``storage_href`` the upload answered, streamed, its MD5 compared with the MD5 of
    what was sent (and with the MD5 the server answered);
  * the server's resident memory: VmRSS from /proc/<pid>/status every 20 ms (before, during,
    after), and its peak VmHWM, reset just before each transfer through /proc/<pid>/clear_refs
    when the kernel lets us; the server's CPU seconds from /proc/<pid>/stat.

The ceiling for the rates: generating and hashing the same bytes in this process, without HTTP.
The target is a peak growth under 100 MB for the 1 GiB file. Every run has a time limit.

    .venv/bin/python bench/api_transfer.py [--quick] [--size-mb 1024] [--rev HEAD]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import os
import platform
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _cclibs_setup import Backend, Browser, checked_server, prepare
from _harness import (
    HOST,
    exit_on_sigterm,
    free_port,
    project_revision,
    quiet_check,
    use_revision,
    venv_bin,
)

SCOPE = "openid,AdobeID,cc_files,cc_libraries,offline_access"
MIB = 1024 * 1024
BLOCK = MIB
BOUNDARY = "cclibs-transfer-bench"
TARGET_MB = 100.0
_TICK = os.sysconf("SC_CLK_TCK")


# The server's memory and CPU, from /proc ------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def rss_mb(pid: int) -> float:
    return _status_kb(pid, "VmRSS") / 1024


def hwm_mb(pid: int) -> float:
    return _status_kb(pid, "VmHWM") / 1024


def reset_hwm(pid: int) -> bool:
    """Reset the peak RSS (VmHWM) to the current RSS (proc(5), clear_refs "5")."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


class RssSampler:
    """VmRSS of ``pid`` every ``interval`` seconds, in a thread, while in the ``with`` block."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float]] = []  # (seconds since start, MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._began = 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.perf_counter() - self._began, rss_mb(self.pid)))
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._began = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def peak(self) -> float:
        return max(mb for _, mb in self.samples)


# The file, generated on the fly ----------------------------------------------------------


def file_blocks(size: int, seed: bytes) -> Iterator[bytes]:
    """``size`` bytes: blocks of ``seed`` (random, BLOCK long), each stamped with its number
    so that no two blocks are alike."""
    block = bytearray(seed)
    for number, start in enumerate(range(0, size, BLOCK)):
        block[:8] = number.to_bytes(8, "big")
        yield bytes(block[: min(BLOCK, size - start)])


def multipart(size: int, seed: bytes, md5: hashlib._Hash) -> Iterator[bytes]:
    """The upload's multipart body; ``md5`` is fed the file's bytes as they go out."""
    yield (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="Representation-Data"\r\n'
        "Content-Type: application/json\r\n\r\n"
        '{"type": "video/mp4"}\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="Representation-Content"; filename="big.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    for block in file_blocks(size, seed):
        md5.update(block)
        yield block
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


# One transfer -------------------------------------------------------------------------------


@dataclass
class Transfer:
    label: str
    size: int
    before_mb: float = 0.0
    upload_peak_mb: float = 0.0
    download_peak_mb: float = 0.0
    after_mb: float = 0.0
    hwm_growth_mb: float | None = None  # VmHWM after - RSS before (None: no clear_refs)
    upload_seconds: float = 0.0
    download_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    md5_ok: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def peak_growth_mb(self) -> float:
        sampled = max(self.upload_peak_mb, self.download_peak_mb) - self.before_mb
        return max(sampled, self.hwm_growth_mb or 0.0)


def transfer(http: httpx.Client, headers: dict[str, str], lid: str, pid: int, t: Transfer) -> None:
    seed = os.urandom(BLOCK)
    sent = hashlib.md5(usedforsecurity=False)
    time.sleep(0.5)  # let the RSS settle after the previous step
    t.before_mb = rss_mb(pid)
    has_hwm = reset_hwm(pid)
    cpu_before = cpu_seconds(pid)
    upload_headers = {**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    with RssSampler(pid) as sampler:
        began = time.perf_counter()
        answer = http.post(
            f"/api/v1/libraries/{lid}/representations/content",
            content=multipart(t.size, seed, sent),
            headers=upload_headers,
        )
        t.upload_seconds = time.perf_counter() - began
    t.upload_peak_mb = sampler.peak()
    if answer.status_code != 200:
        raise RuntimeError(f"upload: {answer.status_code} {answer.text[:300]}")
    uploaded = answer.json()
    if uploaded["content_length"] != t.size:
        t.problems.append(f"content_length {uploaded['content_length']} != {t.size}")
    if uploaded["md5"] != base64.b64encode(sent.digest()).decode():
        t.problems.append("the md5 the server answered is not the md5 sent")
    received = hashlib.md5(usedforsecurity=False)
    length = 0
    with RssSampler(pid) as sampler:
        began = time.perf_counter()
        with http.stream("GET", uploaded["storage_href"], headers=headers) as download:
            if download.status_code != 200:
                raise RuntimeError(f"download: {download.status_code} {download.read()[:300]!r}")
            for chunk in download.iter_bytes(BLOCK):
                received.update(chunk)
                length += len(chunk)
        t.download_seconds = time.perf_counter() - began
    t.download_peak_mb = sampler.peak()
    t.server_cpu_seconds = cpu_seconds(pid) - cpu_before
    t.md5_ok = received.digest() == sent.digest() and length == t.size
    if not t.md5_ok:
        t.problems.append(f"downloaded {length} bytes whose md5 differs from the upload's")
    if has_hwm:
        t.hwm_growth_mb = hwm_mb(pid) - t.before_mb
    time.sleep(0.5)
    t.after_mb = rss_mb(pid)


def ceiling_seconds(size: int) -> float:
    """Generating and hashing ``size`` bytes here, as the upload does, without HTTP."""
    md5 = hashlib.md5(usedforsecurity=False)
    began = time.perf_counter()
    for chunk in multipart(size, os.urandom(BLOCK), md5):
        del chunk
    return time.perf_counter() - began


# The run ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, tmp: Path) -> tuple[list[Transfer], float, list[str]]:
    backend = Backend("sqlite", tmp / "data", secrets.token_urlsafe(32))
    prepare(backend)
    port = free_port()
    argv = [str(venv_bin() / "cclibs"), "serve", "--host", HOST, "--port", str(port)]
    log = tmp / "cclibs.log"
    transfers = [
        Transfer("1 MiB (baseline)", MIB),
        Transfer(f"{args.size_mb} MiB", args.size_mb * MIB),
    ]
    problems: list[str] = []
    with checked_server(argv, backend.env(port), log, port, problems, "server") as server:
        browser = Browser(backend, port, scope=SCOPE)
        try:
            token = str(browser.tokens()["access_token"])
        finally:
            browser.close()
        headers = {"Authorization": f"Bearer {token}", "x-api-key": backend.web["client_id"]}
        timeout = httpx.Timeout(60.0, read=300.0)
        with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=timeout) as http:
            created = http.post("/api/v1/libraries", json={"name": "Transfers"}, headers=headers)
            if created.status_code != 201:
                raise RuntimeError(f"library: {created.status_code} {created.text[:300]}")
            lid = created.json()["id"]
            idle = rss_mb(server.pid)
            for t in transfers:
                transfer(http, headers, lid, server.pid, t)
                print(
                    f"  {t.label}: up {t.upload_seconds:.1f} s, down {t.download_seconds:.1f} s, "
                    f"peak growth {t.peak_growth_mb:.1f} MB",
                    flush=True,
                )
        blobs = [p for p in (backend.data_dir / "blobs").rglob("*") if p.is_file()]
        sizes = sorted(p.stat().st_size for p in blobs)
        if sizes != sorted(t.size for t in transfers):
            problems.append(f"blob files: {sizes}")
    return transfers, idle, problems


def report(transfers: list[Transfer], idle: float, ceiling: float, problems: list[str]) -> None:
    print(f"\nserver RSS when idle (signed in, library made): {idle:.1f} MB")
    print(
        f"  {'file':<18}{'before':>8}{'peak up':>9}{'peak down':>11}{'after':>8}"
        f"{'growth':>8}{'VmHWM+':>8}{'up MB/s':>9}{'down MB/s':>11}{'srv CPU s':>10}  md5"
    )
    for t in transfers:
        mb = t.size / MIB
        hwm = f"{t.hwm_growth_mb:.1f}" if t.hwm_growth_mb is not None else "-"
        print(
            f"  {t.label:<18}{t.before_mb:>8.1f}{t.upload_peak_mb:>9.1f}{t.download_peak_mb:>11.1f}"
            f"{t.after_mb:>8.1f}{t.peak_growth_mb:>8.1f}{hwm:>8}{mb / t.upload_seconds:>9.0f}"
            f"{mb / t.download_seconds:>11.0f}{t.server_cpu_seconds:>10.1f}  "
            f"{'same' if t.md5_ok else 'DIFFERENT'}"
        )
    big, small = transfers[-1], transfers[0]
    print(
        "  (MB: MiB of resident memory; growth: the highest of the sampled peaks and VmHWM,"
        " minus the RSS just before)"
    )
    print(
        f"  ceiling, generating + hashing {big.size // MIB} MiB here without HTTP: "
        f"{big.size / MIB / ceiling:.0f} MB/s; upload reached "
        f"{big.size / big.upload_seconds / (big.size / ceiling):.2f} of it"
    )
    print(
        f"  growth {big.label} / growth 1 MiB: "
        f"{big.peak_growth_mb:.1f} / {small.peak_growth_mb:.1f} MB"
    )
    verdict = "met" if big.peak_growth_mb < TARGET_MB else "MISSED"
    print(f"  target, peak growth < {TARGET_MB:.0f} MB for {big.label}: {verdict}")
    for problem in problems + [p for t in transfers for p in t.problems]:
        print(f"  PROBLEM: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 64 MiB file instead of 1 GiB")
    parser.add_argument("--size-mb", type=int, default=1024, help="the large file, in MiB")
    parser.add_argument("--rev", help="measure this commit (git archive REV src)")
    parser.add_argument("--time-limit", type=int, default=900, help="seconds for the whole run")
    args = parser.parse_args()
    if args.quick:
        args.size_mb = min(args.size_mb, 64)
    exit_on_sigterm()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit("time limit reached"))
    signal.alarm(args.time_limit)
    with tempfile.TemporaryDirectory(prefix="cclibs-transfer-") as name:
        tmp = Path(name)
        if args.rev:
            use_revision(args.rev, tmp / "export")
        print(
            f"api_transfer, {dt.datetime.now(dt.UTC).date()}: Python {platform.python_version()}, "
            f"cclibs {project_revision()}"
        )
        print(f"  {quiet_check()}")
        ceiling = ceiling_seconds(args.size_mb * MIB)
        transfers, idle, problems = run(args, tmp)
    report(transfers, idle, ceiling, problems)
    failed = problems or any(t.problems for t in transfers)
    return 1 if failed or transfers[-1].peak_growth_mb >= TARGET_MB else 0


if __name__ == "__main__":
    sys.exit(main())
