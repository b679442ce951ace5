"""Webhooks (change events): subscriptions, the outbox of deliveries, and every attempt.

A delivery row is written in the same transaction as the library change it announces, so a
change that committed always has its deliveries, and one rolled back never does. Dates are
epoch milliseconds (BigInteger), like the Libraries API's tables.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base


class WebhookSubscriptionRow(Base):
    """A URL a credential registered, with the event types it wants."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[str] = mapped_column(Text)
    """Space-delimited event types (``cclibs.webhooks.events.EVENT_TYPES``)."""
    sealed_secret: Mapped[str] = mapped_column(Text)
    """The signing secret, sealed (AES-256-GCM) under the server secret: HMAC needs it back."""
    created_ms: Mapped[int] = mapped_column(BigInteger)


class WebhookDeliveryRow(Base):
    """One event for one subscription: the outbox row the worker delivers."""

    __tablename__ = "webhook_deliveries"
    # The worker's scan: due rows of a state, oldest first.
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_ms"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "created_ms"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(36))
    """The event's id, the same in every subscription's copy; receivers dedupe on it."""
    event_type: Mapped[str] = mapped_column(String(64))
    library_id: Mapped[str] = mapped_column(String(36))
    """No foreign key: a library's deleted event outlives the library."""
    body: Mapped[str] = mapped_column(Text)
    """The JSON envelope, serialised once so that every attempt sends the same bytes."""
    state: Mapped[str] = mapped_column(String(16))
    """``pending``, ``delivered`` or ``failed`` (attempts exhausted)."""
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_ms: Mapped[int] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """A worker holds the row until then; a crashed worker's row is due again after it."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
    finished_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookAttemptRow(Base):
    """One try at a delivery and its outcome."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_ms: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The receiver's HTTP status; ``None`` when no answer came."""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
