"""A message as the application writes it, and its MIME form as it travels.

Every message has a plain-text body and an HTML body: ``multipart/alternative`` with the plain
part first, since a reader shows the last part it can render (RFC 2046 §5.1.4). Bodies may
hold single-use links: they are never logged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

__all__ = ["MailMessage", "QueuedMail", "new_message_id"]


@dataclass(frozen=True, slots=True)
class MailMessage:
    """What to send: one recipient, a subject, and the same text as plain text and HTML."""

    to: str
    subject: str
    text: str = field(repr=False)
    html: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class QueuedMail:
    """A message in the outbox: everything needed to send the same bytes on every attempt."""

    id: str
    message_id: str
    """The ``Message-ID`` header, angle brackets included (RFC 5322 §3.6.4); fixed when the
    message is queued, so that every attempt carries the same one."""
    sender: str
    to: str
    subject: str
    text: str = field(repr=False)
    html: str = field(repr=False)
    created_at: datetime
    """The ``Date`` header: when the message was complete and queued (RFC 5322 §3.6.1)."""

    def email(self) -> EmailMessage:
        message = EmailMessage(policy=SMTP)
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.created_at)
        message["Message-ID"] = self.message_id
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


def new_message_id(sender: Address) -> str:
    """A unique ``Message-ID`` in the sender's domain (no host name leaks, unlike
    ``email.utils.make_msgid``)."""
    return f"<{uuid.uuid4().hex}@{sender.domain}>"
