"""Sending through a real SMTP server on 127.0.0.1 (aiosmtpd), on SQLite and PostgreSQL:
a queued message arrives as multipart plain + HTML with its headers; STARTTLS with AUTH
works against a certificate made for the test; a refusal (5xx) or no server at all leaves the
message pending with the error and a later due time, then failed after the last attempt; the
app's lifespan runs the worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cclibs.accounts.passwords import PasswordHasher
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.mail.addresses import parse_smtp_url
from cclibs.mail.smtp import SmtpSender
from cclibs.mail.worker import MailWorker
from cclibs.retry import RetryPolicy
from cclibs.services import MailServices, build_services
from cclibs.storage import Database
from cclibs.storage.mail import SqlMailOutbox
from cclibs.web.app import create_app
from tests.mail.conftest import LINK, message, rows
from tests.mail.smtp_server import PASSWORD, USER, SmtpServer, self_signed, smtp_server
from tests.support.servers import free_port, free_socket, running

pytestmark = pytest.mark.anyio

RETRY_S = 30.0


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer) -> dict[str, object]:
    return {
        "smtp_url": f"smtp://127.0.0.1:{smtp.port}?starttls=false",
        "mail_from": "cclibs <no-reply@cclibs.example>",
        "mail_timeout_seconds": 5.0,
        "mail_retry_seconds": RETRY_S,
        "mail_max_attempts": 3,
    }


def _ms(clock: FrozenClock) -> int:
    return int(clock.now().timestamp() * 1000)


async def test_a_queued_message_arrives_multipart_with_its_headers(
    mail: MailServices, db: Database, smtp: SmtpServer
) -> None:
    queued = await mail.mailer.queue(message(), transaction=None)
    assert await mail.worker.run_once() == 1
    [got] = smtp.wait_for(1)
    assert got.sender == "no-reply@cclibs.example"
    assert got.recipients == ["ada@example.com"]
    assert got.over_tls is False
    m = got.message
    assert m["From"] == "cclibs <no-reply@cclibs.example>"
    assert m["To"] == "Ada <ada@example.com>"
    assert m["Subject"] == "Welcome to cclibs"
    assert m["Message-ID"] == queued.message_id
    assert queued.message_id.endswith("@cclibs.example>")
    assert m["Date"]
    assert m.get_content_type() == "multipart/alternative"
    plain, html = m.get_body(("plain",)), m.get_body(("html",))
    assert plain is not None and LINK in plain.get_content()
    assert html is not None and f'href="{LINK}"' in html.get_content()
    [row] = await rows(db)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    assert await mail.worker.run_once() == 0  # sent once, not again
    assert len(smtp.received) == 1


async def test_a_refusal_is_retried_later_then_given_up(
    mail: MailServices, db: Database, smtp: SmtpServer, clock: FrozenClock
) -> None:
    smtp.refuse("554 5.7.1 Message rejected by policy")
    await mail.mailer.queue(message(), transaction=None)
    assert await mail.worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "554" in row.last_error
    assert row.next_attempt_ms == _ms(clock) + int(RETRY_S * 1000)
    assert await mail.worker.run_once() == 0  # not due yet
    # The second failure waits twice as long; the third is the last.
    clock.advance(timedelta(seconds=RETRY_S))
    assert await mail.worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts) == ("pending", 2)
    assert row.next_attempt_ms == _ms(clock) + int(2 * RETRY_S * 1000)
    clock.advance(timedelta(seconds=2 * RETRY_S))
    assert await mail.worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts, row.finished_ms) == ("failed", 3, _ms(clock))
    assert row.last_error is not None and "554" in row.last_error
    clock.advance(timedelta(days=1))
    assert await mail.worker.run_once() == 0
    assert smtp.received == []


async def test_a_temporary_failure_then_success(
    mail: MailServices, db: Database, smtp: SmtpServer, clock: FrozenClock
) -> None:
    smtp.refuse("451 4.3.0 Try again later")
    await mail.mailer.queue(message(), transaction=None)
    await mail.worker.run_once()
    smtp.refuse(None)
    clock.advance(timedelta(seconds=RETRY_S))
    assert await mail.worker.run_once() == 1
    assert len(smtp.wait_for(1)) == 1
    [row] = await rows(db)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


async def test_no_server_listening_is_an_error_on_the_row(
    mail: MailServices, db: Database, clock: FrozenClock
) -> None:
    nobody = parse_smtp_url(f"smtp://127.0.0.1:{free_port()}?starttls=false")
    policy = RetryPolicy(timeout_seconds=5, retry_seconds=RETRY_S, max_attempts=2)
    worker = MailWorker(SqlMailOutbox(db), SmtpSender(nobody, timeout_seconds=5), clock, policy)
    await mail.mailer.queue(message(), transaction=None)
    assert await worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "connect" in row.last_error.lower()
    assert row.next_attempt_ms > _ms(clock)
    clock.advance(timedelta(seconds=RETRY_S))
    assert await worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts) == ("failed", 2)


async def test_starttls_and_auth(
    mail: MailServices,
    db: Database,
    clock: FrozenClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    certificate = self_signed(tmp_path)
    policy = RetryPolicy(timeout_seconds=5, retry_seconds=RETRY_S, max_attempts=3)
    with (
        smtp_server(tls=certificate.server) as server,
        caplog.at_level(logging.DEBUG, logger="cclibs"),
    ):
        url = f"smtp://{USER}:{PASSWORD}@127.0.0.1:{server.port}"
        sender = SmtpSender(parse_smtp_url(url), timeout_seconds=5, tls_context=certificate.client)
        worker = MailWorker(SqlMailOutbox(db), sender, clock, policy)
        await mail.mailer.queue(message(), transaction=None)
        assert await worker.run_once() == 1
        [got] = server.wait_for(1)
        assert (got.over_tls, got.authenticated_as) == (True, USER)
        assert got.message["Subject"] == "Welcome to cclibs"
        # A wrong password: refused, and the error names no password.
        wrong = f"smtp://{USER}:not-{PASSWORD}@127.0.0.1:{server.port}"
        refused = SmtpSender(
            parse_smtp_url(wrong), timeout_seconds=5, tls_context=certificate.client
        )
        worker = MailWorker(SqlMailOutbox(db), refused, clock, policy)
        await mail.mailer.queue(message(subject="Second"), transaction=None)
        assert await worker.run_once() == 1
        # Without trusting the certificate, nothing is sent (it is checked).
        untrusting = SmtpSender(parse_smtp_url(url), timeout_seconds=5)
        worker = MailWorker(SqlMailOutbox(db), untrusting, clock, policy)
        await mail.mailer.queue(message(subject="Third"), transaction=None)
        assert await worker.run_once() == 1
    by_subject = {row.subject: row for row in await rows(db)}
    second, third = by_subject["Second"], by_subject["Third"]
    assert (second.state, third.state) == ("pending", "pending")
    assert second.last_error is not None and "535" in second.last_error
    assert third.last_error is not None and "certificate" in third.last_error.lower()
    assert len(server.received) == 1
    # What cclibs logged (third-party libraries' DEBUG lines are theirs), and any output.
    ours = [record for record in caplog.records if record.name.startswith("cclibs")]
    logged = "\n".join([*(str(record.__dict__) for record in ours), *capfd.readouterr()])
    assert "mail not sent" in logged
    for row in (second, third):
        assert PASSWORD not in (row.last_error or "")
    assert PASSWORD not in logged
    assert LINK not in logged


def test_the_lifespan_runs_the_worker(
    settings: Settings, password_hasher: PasswordHasher, smtp: SmtpServer
) -> None:
    """A server of its own on 127.0.0.1 (its loop, its connections); the message is queued
    from this thread as another process would."""

    async def queue() -> str:
        services = build_services(settings, password_hasher=password_hasher)
        try:
            queued = await services.mail.mailer.queue(message(), transaction=None)
            return queued.message_id
        finally:
            await services.db.dispose()

    with running(create_app(settings, password_hasher=password_hasher), free_socket()):
        message_id = asyncio.run(queue())
        [got] = smtp.wait_for(1, seconds=10)
    assert got.message["Message-ID"] == message_id
