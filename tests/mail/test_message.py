"""A message's MIME form, and what the mailer refuses to queue."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime

import pytest

from cclibs.clock import FrozenClock
from cclibs.mail.addresses import parse_mailbox
from cclibs.mail.message import QueuedMail
from cclibs.mail.service import InvalidMail, Mailer
from tests.mail.conftest import LINK, message


def test_multipart_alternative_plain_first_with_message_id_and_date() -> None:
    at = datetime(2026, 12, 6, 21, 0, 5, tzinfo=UTC)
    mail = QueuedMail(
        "1" * 32,
        "<abc@example.com>",
        "cclibs <no-reply@example.com>",
        "ada@example.com",
        "Welcome — café",
        "plain body",
        "<p>html body</p>",
        at,
    )
    wire = mail.email().as_bytes()
    parsed = email.message_from_bytes(wire, policy=default)
    assert isinstance(parsed, EmailMessage)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert parsed["From"] == "cclibs <no-reply@example.com>"
    assert parsed["To"] == "ada@example.com"
    assert parsed["Subject"] == "Welcome — café"
    assert parsed["Message-ID"] == "<abc@example.com>"
    assert parsedate_to_datetime(parsed["Date"]) == at
    plain = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == "plain body"
    assert html.get_content().strip() == "<p>html body</p>"
    assert b"\r\n" in wire  # SMTP's line endings


def test_the_same_row_makes_the_same_message() -> None:
    mail = QueuedMail(
        "1" * 32,
        "<abc@example.com>",
        "a@example.com",
        "b@example.com",
        "Hi",
        "t",
        "<p>h</p>",
        datetime(2026, 12, 6, tzinfo=UTC),
    )
    first, again = mail.email(), mail.email()
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Date"] == again["Date"]


def test_bodies_stay_out_of_reprs() -> None:
    assert LINK not in repr(message())


class _NoOutbox:
    def write(self) -> None:  # pragma: no cover - never reached: refused before
        raise AssertionError("an invalid message reached the outbox")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("to", "subject", "field"),
    [
        ("not an address", "Hi", "to"),
        ("ada@example.com", "Hi\r\nBcc: eve@example.com", "subject"),
        ("ada@example.com", "   ", "subject"),
        ("ada@example.com", "x" * 999, "subject"),
    ],
)
async def test_the_mailer_refuses_what_cannot_be_sent(to: str, subject: str, field: str) -> None:
    mailer = Mailer(_NoOutbox(), parse_mailbox("no-reply@example.com"), FrozenClock())  # type: ignore[arg-type]
    with pytest.raises(InvalidMail, match=field):
        await mailer.queue(message(to=to, subject=subject), transaction=None)
