"""Errors are logged without a secret, and logging never stalls the server (issue 11).

Every interface is made to fail while a request carries a password, a client secret, an
authorization code, a bearer token and cookies: the log names the error and the request id and
holds none of them, in development (console) and in production (JSON) mode. And while ten
sign-ins wait on a locked SQLite database and then fail, with a slow stderr under the log, a
real server keeps answering /healthz at once.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import secrets
import sqlite3
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import load_settings
from cclibs.logs import flush_logs
from cclibs.storage import db as storage_db
from cclibs.storage.db import Database
from cclibs.web.app import create_app
from tests.conftest import TEST_SECRET
from tests.support.api_auth import ApiCallers
from tests.support.logs import FakeStderr, configured_logging
from tests.support.pages import csrf_token, sign_in
from tests.support.servers import free_socket, running

pytestmark = pytest.mark.anyio

_MODES = pytest.mark.parametrize("json_logs", [False, True], ids=["console", "json"])


def _unhandled(log: str, *, json_logs: bool) -> set[str]:
    """The request ids of the ``unhandled error`` events in the log."""
    if json_logs:
        records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        return {r["request_id"] for r in records if r.get("event") == "unhandled error"}
    return {
        part.removeprefix("request_id=")
        for line in log.splitlines()
        if "unhandled error" in line
        for part in line.split()
        if part.startswith("request_id=")
    }


def _failing_database(secrets_in_frame: dict[str, str]) -> Any:
    """``Database.read``/``write``/``write_connection`` that fail as a driver does: the error
    quotes the statement's parameters, and the frame that raises holds the secrets as locals."""

    @asynccontextmanager
    async def broken(self: Database) -> AsyncIterator[Any]:
        password = secrets_in_frame["password"]  # noqa: F841 - a local for a traceback to show
        token = secrets_in_frame["token"]  # noqa: F841
        raise OperationalError(
            "SELECT * FROM users WHERE password_hash = ? AND token_hash = ?",
            dict(secrets_in_frame),
            sqlite3.OperationalError("database is locked"),
        )
        yield  # pragma: no cover

    return broken


@_MODES
async def test_no_secret_reaches_the_log_when_every_interface_fails(
    app: Starlette,
    client: httpx.AsyncClient,
    clock: FrozenClock,
    owner_id: str,
    json_logs: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = await ApiCallers(app.state.cclibs, clock).user()
    assert caller.client_secret is not None
    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    session_cookies = [cookie.value for cookie in client.cookies.jar]
    assert session_cookies
    cookie_secret = "cookie-" + secrets.token_urlsafe(16)
    client.cookies.set("remember_me", cookie_secret)
    csrf = await csrf_token(client, "/signin?reauth=1")
    password = "pw-" + secrets.token_urlsafe(16)
    code = "code-" + secrets.token_urlsafe(16)
    verifier = "verifier-" + secrets.token_urlsafe(32)

    with configured_logging(json=json_logs):
        broken = _failing_database({"password": password, "token": caller.access_token})
        monkeypatch.setattr(Database, "read", broken)
        monkeypatch.setattr(Database, "write", broken)
        monkeypatch.setattr(Database, "write_connection", broken)  # the token grants
        capsys.readouterr()
        answers = {
            "page": await client.post(
                "/signin",
                data={"csrf_token": csrf, "email": "dev@example.com", "password": password},
                headers={"x-request-id": "leak-page"},
            ),
            "oauth": await client.post(
                "/ims/token/v3",
                data={
                    "grant_type": "authorization_code",
                    "client_id": caller.client_id,
                    "client_secret": caller.client_secret,
                    "code": code,
                    "code_verifier": verifier,
                },
                headers={"x-request-id": "leak-oauth"},
            ),
            "api": await client.get(
                "/api/v1/libraries", headers={**caller.headers, "x-request-id": "leak-api"}
            ),
            "console": await client.get("/console", headers={"x-request-id": "leak-console"}),
        }
        assert flush_logs()
        captured = capsys.readouterr()
    log = captured.out + captured.err

    assert {name: answer.status_code for name, answer in answers.items()} == {
        "page": 500,
        "oauth": 500,
        "api": 500,
        "console": 500,
    }
    for name, answer in answers.items():
        # The 500 is made inside the edge layer: the request id and the headers are on it.
        assert answer.headers.get_list("x-request-id") == [f"leak-{name}"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answers["api"].headers["access-control-allow-origin"] == "*"
    assert answers["oauth"].headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in answers["page"].headers
    assert set(answers["api"].json()) >= {"reason", "message"}
    assert _unhandled(log, json_logs=json_logs) >= {
        "leak-page",
        "leak-oauth",
        "leak-api",
        "leak-console",
    }, log[-3000:]
    assert "database is locked" in log  # the error itself is there
    submitted = {
        "password": password,
        "client secret": caller.client_secret,
        "code": code,
        "code verifier": verifier,
        "bearer token": caller.access_token,
        "cookie": cookie_secret,
        **{f"session cookie {n}": value for n, value in enumerate(session_cookies)},
    }
    leaked = [name for name, value in submitted.items() if value in log]
    assert not leaked, f"{leaked} in the log"
    lowered = log.lower()
    assert "'cookie'" not in lowered and "cookie:" not in lowered
    assert "'authorization'" not in lowered and "authorization:" not in lowered


class _SlowStream(FakeStderr):
    """A stderr that takes ``delay`` per write, as a full pipe or a slow terminal does."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def before_write(self) -> None:
        time.sleep(self.delay)


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # The point is what the loop does while sign-ins wait and fail, not how long they wait.
    monkeypatch.setattr(storage_db, "_SQLITE_BUSY_TIMEOUT_MS", 1000)


@pytest.fixture
def live_server(
    database_url: str, tmp_path: Path, password_hasher: PasswordHasher, short_busy_timeout: None
) -> Iterator[str]:
    sock = free_socket()
    settings = load_settings(
        data_dir=tmp_path / "live-data",
        database_url=database_url,
        secret_key=TEST_SECRET,
        issuer=f"http://127.0.0.1:{sock.getsockname()[1]}",
        env="development",
        signup_enabled=True,
    )
    with running(create_app(settings, password_hasher=password_hasher), sock) as url:
        yield url


class _HealthPoller:
    """Asks /healthz every 20 ms from its own thread and keeps each answer's latency."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            http.get("/healthz")  # the connection is made outside the measurement
            while not self._stop.wait(0.02):
                started = time.perf_counter()
                status = http.get("/healthz").status_code
                elapsed = time.perf_counter() - started
                self.latencies.append(elapsed if status == 200 else float("inf"))


@_MODES
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's write lock
async def test_healthz_stays_fast_while_sign_ins_fail_on_a_locked_database(
    live_server: str, database_url: str, json_logs: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Here, not in a fixture: pytest puts its own stderr back between set-up and the test.
    slow_stderr = _SlowStream(delay=0.02)
    monkeypatch.setattr(sys, "stderr", slow_stderr)
    # The clients' own lines ("HTTP Request: ...") would be written from the poller's thread,
    # which is not the server's to keep free.
    monkeypatch.setattr(logging.getLogger("httpx"), "level", logging.WARNING)
    with configured_logging(json=json_logs):
        async with httpx.AsyncClient(base_url=live_server, timeout=120) as browser:
            # Warm up what runs once per process (templates, pools), outside the measurement.
            token = await csrf_token(browser, "/signin")
            assert (await browser.get("/no-such-page")).status_code == 404
            password = "pw-" + secrets.token_urlsafe(16)
            form = {"csrf_token": token, "email": "ada@example.com", "password": password}
            assert (await browser.post("/signin", data=form)).status_code < 500
            assert flush_logs(timeout=30)

            locker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
            locker.execute("BEGIN IMMEDIATE")
            # The server shares this process with a test worker that has run hundreds of tests:
            # a full collection of that heap can pause every thread for a second. Move what
            # exists now out of the collector's reach, so that only the server is measured.
            gc.collect()
            gc.freeze()
            try:
                with _HealthPoller(live_server) as poller:
                    started = time.perf_counter()
                    answers = await asyncio.gather(
                        *(browser.post("/signin", data=form) for _ in range(10))
                    )
                    took = time.perf_counter() - started
                    await asyncio.sleep(0.2)  # the errors are being logged
            finally:
                gc.unfreeze()
                locker.rollback()
                locker.close()
        assert flush_logs(timeout=60)

    assert [answer.status_code for answer in answers] == [500] * 10
    assert took < 10, f"the sign-ins took {took:.1f} s to fail"
    assert len(poller.latencies) >= 20
    slowest = max(poller.latencies)
    assert slowest < 0.1, f"/healthz took {slowest * 1000:.0f} ms"
    log = "".join(slow_stderr.parts)
    assert _unhandled(log, json_logs=json_logs) and password not in log
