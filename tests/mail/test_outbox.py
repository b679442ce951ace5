"""The outbox on SQLite and PostgreSQL, with the embedded default (``.eml`` files): a message
commits with its caller's transaction or not at all, the worker writes a parseable file and
warns each time, leases keep two workers off one row, and the purge clears old mail."""

from __future__ import annotations

import email
import logging
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default

import pytest
from sqlalchemy import insert, select

from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.mail.eml_files import EmlFileSender
from cclibs.mail.worker import MailWorker
from cclibs.retry import RetryPolicy
from cclibs.services import MailServices
from cclibs.storage import Database
from cclibs.storage.mail import SqlMailOutbox, SqlMailWriter
from cclibs.storage.purge import Purge
from cclibs.storage.tables import UserRow
from tests.mail.conftest import LINK, message, rows

pytestmark = pytest.mark.anyio


class _Rollback(Exception):
    pass


async def _add_user(db: Database, mail: MailServices, clock: FrozenClock, *, fail: bool) -> None:
    """A user row and its mail in one write transaction, failing at the end when asked."""
    async with db.write() as session:
        now = clock.now()
        await session.execute(
            insert(UserRow).values(
                id="U1@AdobeID",
                email="ada@example.com",
                name="Ada",
                password_hash="x",
                is_admin=False,
                is_disabled=False,
                email_verified=False,
                created_at=now,
                password_changed_at=now,
            )
        )
        await mail.mailer.queue(message(), transaction=SqlMailWriter(session))
        if fail:
            raise _Rollback


async def test_a_message_commits_with_its_transaction_or_not_at_all(
    mail: MailServices, db: Database, clock: FrozenClock
) -> None:
    with pytest.raises(_Rollback):
        await _add_user(db, mail, clock, fail=True)
    assert await rows(db) == []
    async with db.read() as session:
        assert await session.scalar(select(UserRow.id)) is None
    await _add_user(db, mail, clock, fail=False)
    [row] = await rows(db)
    assert (row.state, row.attempts, row.recipient) == ("pending", 0, "Ada <ada@example.com>")
    assert row.sender == "cclibs <no-reply@localhost>"
    assert row.next_attempt_ms == int(clock.now().timestamp() * 1000)


async def test_eml_file_written_parseable_and_a_warning_each_time(
    mail: MailServices, db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    first = await mail.mailer.queue(message(), transaction=None)
    second = await mail.mailer.queue(message(subject="Again"), transaction=None)
    with caplog.at_level(logging.WARNING, logger="cclibs.mail"):
        assert await mail.worker.run_once() == 2
    outbox = settings.data_dir / "outbox"
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary file left
    parsed = {}
    for path in files:
        found = email.message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(found, EmailMessage)
        parsed[found["Message-ID"]] = found
    assert set(parsed) == {first.message_id, second.message_id}
    got = parsed[first.message_id]
    assert got.get_content_type() == "multipart/alternative"
    assert (got["To"], got["Subject"]) == ("Ada <ada@example.com>", "Welcome to cclibs")
    plain = got.get_body(("plain",))
    assert plain is not None and LINK in plain.get_content()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    for path in files:
        assert any(
            f"DEVELOPMENT SHORTCUT: mail written to {path} ; set CCLIBS_SMTP_URL" in line
            for line in warnings
        )
    assert not any(LINK in record.getMessage() for record in caplog.records)
    assert {(r.state, r.attempts, r.last_error) for r in await rows(db)} == {("sent", 1, None)}


async def test_an_unwritable_outbox_directory_is_an_error_kept_on_the_row(
    mail: MailServices, db: Database, settings: Settings, clock: FrozenClock
) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / "outbox").write_text("a file where the directory should be")
    await mail.mailer.queue(message(), transaction=None)
    assert await mail.worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "cannot write to" in row.last_error
    assert row.next_attempt_ms > int(clock.now().timestamp() * 1000)


async def test_a_lease_keeps_other_workers_off_until_it_runs_out(
    mail: MailServices, db: Database, settings: Settings, clock: FrozenClock
) -> None:
    outbox = SqlMailOutbox(db)
    policy = RetryPolicy(timeout_seconds=5, retry_seconds=1, max_attempts=3)
    sender = EmlFileSender(settings.data_dir / "outbox")
    one, two = (MailWorker(outbox, sender, clock, policy) for _ in range(2))
    await mail.mailer.queue(message(), transaction=None)
    now_ms = int(clock.now().timestamp() * 1000)
    [claimed] = await outbox.claim(one.owner, now_ms, policy.lease_ms, 10)
    assert await outbox.claim(two.owner, now_ms, policy.lease_ms, 10) == []
    # The first worker died holding it; once its lease is over the row is due again.
    clock.advance(timedelta(milliseconds=policy.lease_ms + 1))
    assert await two.run_once() == 1
    # The dead worker's late outcome changes nothing.
    late = await outbox.settle(
        claimed, one.owner, state="failed", next_attempt_ms=0, finished_ms=0, error="late"
    )
    assert late is False
    [row] = await rows(db)
    assert (row.state, row.attempts, row.last_error, row.lease_owner) == ("sent", 1, None, None)


async def test_the_purge_clears_mail_a_week_after_it_was_finished(
    mail: MailServices, db: Database, clock: FrozenClock
) -> None:
    await mail.mailer.queue(message(), transaction=None)
    await mail.worker.run_once()
    await mail.mailer.queue(message(subject="Still pending"), transaction=None)
    assert (await Purge(db).run(clock.now() + timedelta(days=6))).deleted["mail"] == 0
    assert (await Purge(db).run(clock.now() + timedelta(days=8))).deleted["mail"] == 1
    assert [row.subject for row in await rows(db)] == ["Still pending"]


async def test_recent_lists_newest_first_without_bodies(
    mail: MailServices, clock: FrozenClock
) -> None:
    for n in range(3):
        await mail.mailer.queue(message(subject=f"Message {n}"), transaction=None)
        clock.advance(timedelta(seconds=1))
    listed = await mail.mailer.recent(2)
    assert [entry.subject for entry in listed] == ["Message 2", "Message 1"]
    assert not any(LINK in repr(entry) for entry in listed)
    assert not hasattr(listed[0], "text")


class _Broken:
    async def send(self, message: object) -> None:
        raise RuntimeError("a sender bug")


async def test_an_unexpected_sender_error_counts_as_a_failed_attempt(
    mail: MailServices, db: Database, clock: FrozenClock
) -> None:
    policy = RetryPolicy(timeout_seconds=5, retry_seconds=1, max_attempts=1)
    worker = MailWorker(SqlMailOutbox(db), _Broken(), clock, policy)  # type: ignore[arg-type]
    await mail.mailer.queue(message(), transaction=None)
    assert await worker.run_once() == 1
    [row] = await rows(db)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "unexpected RuntimeError")
