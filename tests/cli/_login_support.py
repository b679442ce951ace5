"""Running the ``cclibs`` command as a separate process with its own config directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT = 60


def cclibs_env(config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCLIBS_")}
    env["CCLIBS_CONFIG_DIR"] = str(config_dir)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cclibs", *args]


def cclibs(
    config_dir: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        env=cclibs_env(config_dir),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def popen(config_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(*args),
        env=cclibs_env(config_dir),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def login_url(process: subprocess.Popen[str]) -> str:
    """The authorization URL that ``cclibs login --no-browser`` prints on stderr."""
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("http"):
            return line.strip()
    raise AssertionError("no URL printed: " + "".join(lines))


@contextmanager
def socket_closed() -> Iterator[str]:
    """The URL of a port on 127.0.0.1 that nothing listens on."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    yield f"http://127.0.0.1:{port}"
