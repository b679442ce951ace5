"""The storage contracts of webhooks (implemented by ``cclibs.storage.webhooks``).

Deliveries are written by the Libraries API's store in the transaction of each change (the
outbox); these contracts read them, and let workers claim and settle them.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from cclibs.webhooks.models import Claimed, Delivery, Outcome, Subscription

__all__ = ["Outbox", "SubscriptionStore", "SubscriptionTransactions"]


class SubscriptionStore(Protocol):
    async def insert_subscription(self, subscription: Subscription, sealed_secret: str) -> None: ...

    async def subscriptions(self, client_id: str) -> list[Subscription]:
        """The credential's subscriptions, oldest first."""
        ...

    async def subscription(self, client_id: str, subscription_id: str) -> Subscription | None:
        """The subscription when it is the credential's."""
        ...

    async def delete_subscription(self, subscription_id: str) -> None:
        """Delete it with its deliveries and their attempts."""
        ...

    async def deliveries(
        self, client_id: str, limit: int, subscription_id: str | None = None
    ) -> list[Delivery]:
        """The credential's most recent deliveries (of one subscription), newest first."""
        ...


class SubscriptionTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[SubscriptionStore]: ...

    def write(self) -> AbstractAsyncContextManager[SubscriptionStore]: ...


class Outbox(Protocol):
    async def claim(self, owner: str, now_ms: int, lease_ms: int, limit: int) -> list[Claimed]:
        """Up to ``limit`` pending deliveries due at ``now_ms`` that no live lease holds,
        oldest first, now leased to ``owner`` until ``now_ms + lease_ms``. Two workers never
        hold the same row: the lease is taken by a conditional update."""
        ...

    async def settle(
        self,
        claimed: Claimed,
        owner: str,
        outcome: Outcome,
        *,
        state: str,
        next_attempt_ms: int,
    ) -> None:
        """Record the attempt and move the delivery to ``state`` (``pending`` again, due at
        ``next_attempt_ms``; ``delivered``; or ``failed``), releasing the lease."""
        ...
