"""Queuing mail: the application's one way to send a message.

A message is a row of the outbox, written in the caller's write transaction: a sign-up and
its mail commit together, and a sign-up rolled back sends nothing. The worker
(``cclibs.mail.worker``) sends it afterwards, outside the request.
"""

from __future__ import annotations

import uuid
from email.headerregistry import Address

from cclibs.clock import Clock
from cclibs.mail.addresses import parse_mailbox
from cclibs.mail.message import MailMessage, QueuedMail, new_message_id
from cclibs.mail.ports import MailOutbox, MailWriter, OutboxEntry

__all__ = ["InvalidMail", "Mailer"]

_MAX_SUBJECT = 998
"""A header line's limit (RFC 5322 §2.1.1)."""


class InvalidMail(ValueError):
    """The message cannot be sent as given (no address, a subject on several lines, ...)."""


class Mailer:
    def __init__(self, outbox: MailOutbox, sender: Address, clock: Clock) -> None:
        self._outbox = outbox
        self.sender = sender
        """``From`` of every message (``CCLIBS_MAIL_FROM``)."""
        self._clock = clock

    async def queue(self, message: MailMessage, *, transaction: MailWriter | None) -> QueuedMail:
        """Put ``message`` in the outbox within ``transaction`` (the caller's write, so that
        both commit together), or with ``None`` in a transaction of its own."""
        mail = self._prepared(message)
        if transaction is not None:
            await transaction.add(mail)
            return mail
        async with self._outbox.write() as writer:
            await writer.add(mail)
        return mail

    async def recent(self, limit: int = 20) -> list[OutboxEntry]:
        """The newest messages of the outbox, without their bodies."""
        return await self._outbox.recent(limit)

    def _prepared(self, message: MailMessage) -> QueuedMail:
        try:
            to = parse_mailbox(message.to)
        except ValueError as exc:
            raise InvalidMail(f"to: {exc}") from None
        subject = message.subject.strip()
        # A line break in a header would start another header (header injection).
        if not subject or "\n" in subject or "\r" in subject or len(subject) > _MAX_SUBJECT:
            raise InvalidMail("subject: one line of at most 998 characters")
        return QueuedMail(
            id=uuid.uuid4().hex,
            message_id=new_message_id(self.sender),
            sender=str(self.sender),
            to=str(to),
            subject=subject,
            text=message.text,
            html=message.html,
            created_at=self._clock.now(),
        )
