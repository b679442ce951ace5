"""The mail outbox: one row per message, written in the transaction of what it announces.

A sign-up and its mail commit together or not at all; a worker sends the row later, outside
any request. Dates are epoch milliseconds (BigInteger), like the other outboxes.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base


class MailOutboxRow(Base):
    """One message waiting to be sent, sent, or given up on."""

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The worker's scan: due rows of a state, oldest first.
        Index("ix_mail_outbox_due", "state", "next_attempt_ms"),
        # ``cclibs mail outbox``: the newest first.
        Index("ix_mail_outbox_created_ms", "created_ms"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    """The ``Message-ID`` header, the same on every attempt."""
    sender: Mapped[str] = mapped_column(String(320))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(998))
    """At most a header line's length (RFC 5322 §2.1.1)."""
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    """The bodies may hold single-use links: they are sent, never shown or logged."""
    state: Mapped[str] = mapped_column(String(16))
    """``pending``, ``sent`` or ``failed`` (attempts exhausted)."""
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """A worker holds the row until then; a crashed worker's row is due again after it."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
    finished_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
