"""No message is lost, and none is sent twice, when the server dies: ``cclibs serve`` is
killed (SIGKILL) while its messages are pending (the SMTP server is not listening yet, so
every attempt has failed), restarted with the SMTP server up, and every message arrives
exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cclibs.accounts.passwords import PasswordHasher
from cclibs.config import load_settings
from cclibs.mail.ports import OutboxEntry
from cclibs.services import build_services
from tests.mail.conftest import message
from tests.mail.smtp_server import smtp_server
from tests.support.servers import CCLIBS, free_port, stop, wait_until_answers

SECRET = "mail-restart-test-secret-that-is-long-enough-0123"
MESSAGES = 5


def _environment(data: Path, database_url: str, smtp_port: int) -> dict[str, str]:
    return {
        "CCLIBS_DATA_DIR": str(data),
        "CCLIBS_DATABASE_URL": database_url,
        "CCLIBS_SECRET_KEY": SECRET,
        "CCLIBS_ISSUER": "http://cclibs.mail.test",
        "CCLIBS_ENV": "development",
        "CCLIBS_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=false",
        "CCLIBS_MAIL_TIMEOUT_SECONDS": "2",
        "CCLIBS_MAIL_RETRY_SECONDS": "0.2",
        "CCLIBS_MAIL_MAX_ATTEMPTS": "50",
    }


@contextmanager
def _serving(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    port = free_port()
    with log.open("a") as out:
        process = subprocess.Popen(
            [CCLIBS, "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_answers(
            f"http://127.0.0.1:{port}/healthz", process, f"cclibs serve (log: {log})", seconds=30
        )
        yield process
    finally:
        if process.poll() is None:
            stop(process)


def _in_this_process(env: dict[str, str], work: Callable[..., object]) -> object:
    settings = load_settings(**{k.removeprefix("CCLIBS_").lower(): v for k, v in env.items()})

    async def run() -> object:
        services = build_services(
            settings, password_hasher=PasswordHasher(time_cost=1, memory_cost=8 * 1024)
        )
        try:
            return await work(services.mail.mailer)
        finally:
            await services.db.dispose()

    return asyncio.run(run())


def _outbox(env: dict[str, str]) -> list[OutboxEntry]:
    found = _in_this_process(env, lambda mailer: mailer.recent(100))
    assert isinstance(found, list)
    return found


def _wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_sigkill_with_mail_pending_loses_none_and_sends_each_once(
    database_url: str, tmp_path: Path
) -> None:
    smtp_port = free_port()
    env = _environment(tmp_path / "data", database_url, smtp_port)
    log = tmp_path / "serve.log"
    with _serving(env, log) as process:

        async def queue(mailer: object) -> list[str]:
            from cclibs.mail.service import Mailer

            assert isinstance(mailer, Mailer)
            return [
                (await mailer.queue(message(subject=f"Message {n}"), transaction=None)).message_id
                for n in range(MESSAGES)
            ]

        queued = _in_this_process(env, queue)
        assert isinstance(queued, list) and len(queued) == MESSAGES
        # Every message was tried and refused (nobody listens): the worker is at work.
        _wait_until(
            lambda: all(entry.attempts >= 1 for entry in _outbox(env)),
            15,
            f"the server to try every message (log: {log})",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        assert process.returncode == -signal.SIGKILL
    before = _outbox(env)
    assert Counter(entry.state for entry in before) == Counter({"pending": MESSAGES})
    assert all(entry.last_error for entry in before)

    with smtp_server(port=smtp_port) as server, _serving(env, log):
        _wait_until(
            lambda: Counter(entry.state for entry in _outbox(env)) == {"sent": MESSAGES},
            30,
            f"every message to be sent (log: {log})",
        )
        received = server.received
    # Exactly once: each queued Message-ID arrived one time, and nothing else did.
    assert Counter(got.message["Message-ID"] for got in received) == Counter(queued)
    assert sorted(got.message["Subject"] for got in received) == [
        f"Message {n}" for n in range(MESSAGES)
    ]
