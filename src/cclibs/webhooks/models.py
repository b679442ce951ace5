"""The values of webhooks: subscriptions, deliveries and the outcome of one attempt."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Claimed", "Delivery", "Outcome", "Registered", "Subscription"]


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    client_id: str
    """The credential that registered it; only that credential lists or deletes it."""
    url: str
    event_types: tuple[str, ...]
    created_ms: int


@dataclass(frozen=True, slots=True)
class Registered:
    """A new subscription and its signing secret, which is shown this once."""

    subscription: Subscription
    secret: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one subscription, as the console and the API list it."""

    id: str
    subscription_id: str
    url: str
    event_id: str
    event_type: str
    library_id: str
    state: str
    """``pending``, ``delivered`` or ``failed`` (attempts exhausted)."""
    attempts: int
    created_ms: int
    next_attempt_ms: int
    finished_ms: int | None
    last_status: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A due delivery a worker holds under its lease, with what sending it needs."""

    id: str
    subscription_id: str
    event_id: str
    url: str
    body: str
    sealed_secret: str
    attempts: int
    """Attempts made before this one."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to."""

    started_ms: int
    duration_ms: int
    status: int | None
    """The receiver's HTTP status; ``None`` when none came (refused, timed out, unreachable)."""
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300
