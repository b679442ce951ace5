"""The log's promises, line by line: no locals, no secrets, bounded lines, a free event loop.

The async tests log from a running event loop, as the server does, so their records go through
the writer thread; ``flush_logs`` waits for it before the output is read.
"""

from __future__ import annotations

import json
import logging
import random
import secrets
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx
import pytest
import structlog
from sqlalchemy import text

import cclibs.logs as logs_module
from cclibs.log_redaction import redact_value
from cclibs.logs import configure_logging, flush_logs, get_logger, log_access
from cclibs.randomness import token_hex
from cclibs.storage import Database
from tests.support.logs import FakeStderr, configured_logging

_JWT = (
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZGEiLCJzY29wZSI6Im9wZW5pZCJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
)

_log = get_logger("tests.logs")


@pytest.fixture(params=[False, True], ids=["console", "json"])
def json_logs(request: pytest.FixtureRequest) -> Iterator[bool]:
    with configured_logging(json=request.param):
        yield request.param


def _output(capsys: pytest.CaptureFixture[str]) -> str:
    assert flush_logs()
    captured = capsys.readouterr()
    return captured.out + captured.err


def _sign_in(password: str) -> None:
    session_token = "session-token-of-the-user"  # noqa: F841 - a local, as request data is
    raise RuntimeError("the database did not answer")


@pytest.mark.anyio
async def test_tracebacks_show_no_local_variables(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    password = "pw-" + secrets.token_hex(8)
    try:
        _sign_in(password)
    except RuntimeError:
        _log.exception("unhandled error")
    log = _output(capsys)
    assert "unhandled error" in log
    assert "RuntimeError: the database did not answer" in log
    assert "in _sign_in" in log  # the frames are there, their variables are not
    assert password not in log
    assert "session-token-of-the-user" not in log


@pytest.mark.anyio
async def test_exception_messages_lose_sql_parameters_and_credentials(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    message = (
        "(sqlite3.IntegrityError) UNIQUE constraint failed\n"
        "[SQL: INSERT INTO tokens (hash, owner) VALUES (?, ?)]\n"
        "[parameters: ('hash-of-the-refresh-token', 'owner-1')]\n"
        f"while calling https://api.example.com/x?code=code-value-1 with Bearer {_JWT}"
    )
    try:
        raise ValueError(message)
    except ValueError:
        _log.exception("unhandled error")
    log = _output(capsys)
    assert "UNIQUE constraint failed" in log and "[SQL: INSERT INTO tokens" in log
    for secret in ("hash-of-the-refresh-token", "code-value-1", _JWT):
        assert secret not in log


@pytest.mark.anyio
async def test_values_under_secret_names_are_redacted_at_any_depth(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    _log.info(
        "sign-in form",
        password="pw-1",
        client_secret="cs-1",
        form={"email": "ada@example.com", "nested": [{"refresh_token": "rt-1", "code": "c-1"}]},
        headers=[(b"cookie", b"session=ck-1"), ("Authorization", "Basic YWRhOnB3LTE=")],
        note=f"token {_JWT} from a header",
    )
    log = _output(capsys)
    assert "sign-in form" in log and "ada@example.com" in log
    for secret in ("pw-1", "cs-1", "rt-1", "c-1", "ck-1", "YWRhOnB3LTE=", _JWT):
        assert secret not in log


@pytest.mark.anyio
async def test_standard_library_records_are_redacted_and_keep_the_request_id(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    with structlog.contextvars.bound_contextvars(request_id="rid-7"):
        logging.getLogger("uvicorn.error").warning(
            "rejected %s", "Authorization: Bearer opaque-token-value"
        )
    log = _output(capsys)
    assert "rejected" in log and "rid-7" in log
    assert "opaque-token-value" not in log


@pytest.mark.anyio
async def test_one_event_cannot_write_megabytes(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    _log.info("huge", blob="x" * 5_000_000, many={str(n): "y" * 100 for n in range(10_000)})
    log = _output(capsys)
    assert "huge" in log
    assert len(log) < 40_000
    if json_logs:
        assert json.loads(log.strip().splitlines()[-1])["event"] == "huge"


class _BlockedStream(FakeStderr):
    """A stderr that nobody reads (a full pipe): each write waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()

    def before_write(self) -> None:
        self.released.wait(5)


@pytest.mark.anyio
async def test_logging_on_the_event_loop_does_not_wait_for_stderr(
    json_logs: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _BlockedStream()
    monkeypatch.setattr(sys, "stderr", stream)
    started = time.perf_counter()
    _log.info("first")
    try:
        _sign_in("pw")
    except RuntimeError:
        _log.exception("second")
    elapsed = time.perf_counter() - started
    stream.released.set()
    assert flush_logs()
    assert elapsed < 0.05, f"logging took {elapsed * 1000:.0f} ms on the event loop"
    written = "".join(stream.parts)
    assert written.index("first") < written.index("second")


def test_records_made_outside_an_event_loop_are_written_at_once(
    json_logs: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    _log.info("from a command")
    assert "from a command" in capsys.readouterr().err  # no flush needed


def test_configure_logging_is_idempotent_and_leaves_no_writer_behind() -> None:
    before = threading.active_count()
    with configured_logging(json=True):
        for json_mode in (False, True, False, True):
            configure_logging(json=json_mode)
        assert threading.active_count() <= before + 1
    assert threading.active_count() <= before


@pytest.mark.anyio
async def test_debug_logs_do_not_carry_the_values_of_statements(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secret = secrets.token_hex(16)
    with configured_logging(json=True, level="DEBUG"):
        db = Database(f"sqlite:///{tmp_path / 'debug.db'}")
        try:
            async with db.read() as session:
                assert (await session.execute(text("SELECT :v"), {"v": secret})).scalar() == secret
        finally:
            await db.dispose()
        logging.getLogger("tests.logs").debug("debug lines are written")
        log = _output(capsys)
    assert "debug lines are written" in log
    assert secret not in log


def _access_lines(text: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "cclibs.access"]


@pytest.mark.anyio
async def test_the_queued_access_line_is_the_line_structlog_would_write(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fields = ("rid-1", "PATCH", "/api/v1/libraries/lib-1", 201, 3.25, "203.0.113.9")
    with configured_logging(json=True):
        log_access(*fields)  # on the loop: queued as it is, rendered by the writer
        await anyio.to_thread.run_sync(lambda: log_access(*fields))  # through structlog
        queued, logged = _access_lines(_output(capsys))
    assert queued.pop("timestamp") != logged.pop("timestamp")
    assert list(queued) == list(logged)
    assert (
        queued
        == logged
        == {
            "method": "PATCH",
            "path": "/api/v1/libraries/lib-1",
            "status": 201,
            "duration_ms": 3.25,
            "client": "203.0.113.9",
            "event": "request",
            "request_id": "rid-1",
            "level": "info",
            "logger": "cclibs.access",
        }
    )


@pytest.mark.anyio
async def test_access_lines_are_redacted_ordered_and_follow_the_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with configured_logging(json=True):
        log_access("rid-2", "GET", f"/files/{_JWT}/password=hunter22", 200, 1.0, None)
        _log.info("between")
        log_access("rid-3", "GET", "/healthz", 200, 0.5, "127.0.0.1")
        log = _output(capsys)
    assert _JWT not in log
    assert "hunter22" not in log
    assert log.index("rid-2") < log.index("between") < log.index("rid-3")
    first, second = _access_lines(log)
    assert first["path"] == "/files/[redacted]/password=[redacted]"
    assert first["client"] is None
    assert second["path"] == "/healthz"
    with configured_logging(json=True, level="WARNING"):
        log_access("rid-4", "GET", "/healthz", 200, 0.5, "127.0.0.1")
        assert "rid-4" not in _output(capsys)


@pytest.mark.anyio
async def test_a_burst_of_access_lines_is_written_by_a_few_writes_in_order_without_a_flush(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = FakeStderr()
    monkeypatch.setattr(sys, "stderr", stream)
    with configured_logging(json=True):
        for number in range(200):
            log_access(f"rid-{number}", "GET", "/api/v1/libraries", 200, 0.4, "127.0.0.1")
        deadline = time.monotonic() + 5
        while stream.text().count("\n") < 200 and time.monotonic() < deadline:
            await anyio.sleep(0.01)  # nobody asks for a flush: the writer gets there alone
        ids = [line["request_id"] for line in _access_lines(stream.text())]
    assert ids == [f"rid-{number}" for number in range(200)]
    # One wake-up of the writer for what arrives together: not one write per line.
    assert len(stream.parts) <= 20, len(stream.parts)


def _gathering_for_a_minute(monkeypatch: pytest.MonkeyPatch) -> FakeStderr:
    """A stderr to read, and a writer that would gather access lines for a minute (set in
    the test itself: pytest puts its own stderr back after the fixtures)."""
    monkeypatch.setattr(logs_module, "_GATHER_SECONDS", 60.0)
    stream = FakeStderr()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


@pytest.mark.anyio
async def test_whoever_waits_for_the_log_does_not_wait_out_the_writers_gathering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _gathering_for_a_minute(monkeypatch)
    with configured_logging(json=True):
        log_access("rid-queued", "GET", "/healthz", 200, 0.5, None)
        assert flush_logs(timeout=10)  # it would gather for 60 s unless hurried
        assert "rid-queued" in stream.text()
        log_access("rid-queued-2", "GET", "/healthz", 200, 0.5, None)
        # Off the loop a record is written at once, after what is queued (which it hurries).
        await anyio.to_thread.run_sync(lambda: _log.info("from a thread"))
        assert stream.text().index("rid-queued-2") < stream.text().index("from a thread")


@pytest.mark.anyio
async def test_only_access_lines_gather_any_other_record_is_written_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _gathering_for_a_minute(monkeypatch)
    with configured_logging(json=True):
        log_access("rid-before", "GET", "/healthz", 200, 0.5, None)
        _log.warning("a development shortcut")  # on the loop, as a command's warning is
        deadline = time.monotonic() + 5
        while "a development shortcut" not in stream.text() and time.monotonic() < deadline:
            await anyio.sleep(0.01)  # nobody flushes: the warning itself hurries the writer
        written = stream.text()
    assert "a development shortcut" in written
    assert written.index("rid-before") < written.index("a development shortcut")


@pytest.mark.anyio
async def test_the_server_writes_one_access_line_per_request_without_the_query(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    with configured_logging(json=True):
        answer = await client.get("/healthz?client_secret=s3cr3t-value")
        log = _output(capsys)
    assert "s3cr3t-value" not in log
    (line,) = _access_lines(log)
    assert line["path"] == "/healthz"
    assert line["status"] == answer.status_code == 200
    assert line["request_id"] == answer.headers["x-request-id"]
    assert line["method"] == "GET"
    assert line["client"] == "203.0.113.7"


def test_timestamps_are_what_datetime_writes_to_the_microsecond() -> None:
    """The date and time are formatted once a second; the microseconds must still round as
    datetime rounds them (half to even), carrying into the next second at .9999995."""
    base = 1_796_000_000
    edges = [
        base, base + 0.5, base + 0.9999995, base + 0.99999949, base + 0.9999996,
        base + 0.0000005, base + 0.0000015, base + 1e-9, base - 1e-9, 0.0, -0.25, -1.9999996, -3e-6,
    ]  # fmt: skip
    rng = random.Random(7)  # noqa: S311 - spread instants, not secrets
    spread = [base + rng.uniform(-86_400, 86_400) for _ in range(5_000)]
    # Consecutive lines of one second, then an earlier second again (lines out of order).
    runs = [base + 3 + n / 1_000 for n in range(1_000)] + [base + 2.5, base + 3.25]
    for created in edges + spread + runs:
        written = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert logs_module._iso(created) == written, created


@pytest.mark.anyio
async def test_a_request_id_made_here_is_written_as_is_and_a_clients_is_redacted(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's own ids skip the redaction only because it would not change them; a
    client's id that has the shape of a token is masked."""
    for _ in range(2_000):
        made = token_hex(16)
        assert redact_value(made) == made
    jwt_like = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlLXZhbHVlLXRoYXQtaXMtbG9uZw"
    with configured_logging(json=True):
        own = await client.get("/healthz")
        theirs = await client.get("/healthz", headers={"x-request-id": jwt_like})
        log = _output(capsys)
    first, second = _access_lines(log)
    assert first["request_id"] == own.headers["x-request-id"]
    assert theirs.headers["x-request-id"] == jwt_like  # echoed to the client as sent
    assert jwt_like not in log and second["request_id"] != jwt_like
