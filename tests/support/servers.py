"""Real servers on 127.0.0.1: the app under uvicorn in a background thread, for browser and
client tests, and ``cclibs serve`` in a process of its own."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from cclibs.web.server_protocol import OneWriteHttpProtocol


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running(
    app: ASGIApp, sock: socket.socket, http: type[asyncio.Protocol] = OneWriteHttpProtocol
) -> Iterator[str]:
    """Serve ``app`` on the bound socket until the block ends, with the HTTP protocol
    ``cclibs serve`` uses; yields the base URL."""
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", http=http)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    else:
        raise RuntimeError("test server did not start")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


CCLIBS = str(Path(sys.executable).parent / "cclibs")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def cclibs_serve(
    args: list[str], env: dict[str, str]
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`cclibs serve` as a user runs it, in a process of its own on a free port, until the
    block ends (SIGTERM); yields the base URL and the process."""
    port = free_port()
    process = subprocess.Popen(
        [CCLIBS, "serve", "--port", str(port), *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answers(f"{base}/healthz", process, "serve", seconds=20)
        yield base, process
    finally:
        stop(process)


def wait_until_answers(
    url: str, process: subprocess.Popen[Any], what: str, *, seconds: float
) -> None:
    """Poll ``url`` until it answers 200; fail at once if ``process`` exits first (with its
    output where it is piped to the test)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.communicate() if process.stdout is not None else ""
            raise AssertionError(f"{what} exited with {process.returncode}: {output}")
        try:
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not answer {url}")


def stop(process: subprocess.Popen[Any]) -> None:
    """SIGTERM, as a service manager stops a server; SIGKILL if it has not gone in 15 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
