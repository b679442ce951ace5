"""Registering, listing and removing a credential's webhook subscriptions, and listing
their recent deliveries. The routes (API and console) decide who the credential is; this
trusts what they pass.

The signing secret must come back for every delivery (an HMAC needs the key itself, unlike a
client secret, which is only compared and so kept as a hash). It is stored sealed with
AES-256-GCM under a key derived from the server secret (``cclibs.sealing``), bound to the
subscription's id, and shown to the credential's owner once, when registered.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from cclibs.clock import Clock
from cclibs.sealing import Sealer
from cclibs.webhooks.destinations import DestinationRefused, Destinations
from cclibs.webhooks.events import parse_event_types
from cclibs.webhooks.models import Delivery, Registered, Subscription
from cclibs.webhooks.ports import SubscriptionTransactions
from cclibs.webhooks.signing import new_secret

__all__ = [
    "MAX_SUBSCRIPTIONS",
    "SEAL_PURPOSE",
    "InvalidSubscription",
    "UnknownSubscription",
    "WebhookService",
    "secret_context",
]

MAX_SUBSCRIPTIONS = 20
"""Per credential: enough for every environment of an app, few enough to bound fan-out."""
SEAL_PURPOSE = "webhook-secret"


def secret_context(subscription_id: str) -> bytes:
    """What a sealed secret is bound to: it opens only as this subscription's."""
    return subscription_id.encode()


class InvalidSubscription(ValueError):
    """The registration cannot be accepted; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class UnknownSubscription(LookupError):
    """No subscription of this credential has this id."""


class WebhookService:
    def __init__(
        self,
        transactions: SubscriptionTransactions,
        destinations: Destinations,
        sealer: Sealer,
        clock: Clock,
    ) -> None:
        self._tx = transactions
        self._destinations = destinations
        self._sealer = sealer
        self._clock = clock

    async def register(self, client_id: str, url: object, event_types: object) -> Registered:
        if not isinstance(url, str) or not url.strip():
            raise InvalidSubscription("url", "url must be the http(s) URL to deliver to.")
        url = url.strip()
        try:
            types = parse_event_types(event_types)
            await self._destinations.check(url)
        except DestinationRefused as exc:
            raise InvalidSubscription("url", str(exc)) from None
        except ValueError as exc:
            raise InvalidSubscription("event_types", str(exc)) from None
        subscription = Subscription(
            id=uuid.uuid4().hex,
            client_id=client_id,
            url=url,
            event_types=types,
            created_ms=int(self._clock.now().timestamp() * 1000),
        )
        secret = new_secret()
        sealed = self._sealer.seal(secret.encode(), secret_context(subscription.id))
        async with self._tx.write() as store:
            if len(await store.subscriptions(client_id)) >= MAX_SUBSCRIPTIONS:
                raise InvalidSubscription(
                    "url", f"A credential may register at most {MAX_SUBSCRIPTIONS} webhooks."
                )
            await store.insert_subscription(subscription, sealed)
        return Registered(subscription, secret)

    async def subscriptions(self, client_id: str) -> list[Subscription]:
        async with self._tx.read() as store:
            return await store.subscriptions(client_id)

    async def subscription(self, client_id: str, subscription_id: str) -> Subscription:
        async with self._tx.read() as store:
            found = await store.subscription(client_id, subscription_id)
        if found is None:
            raise UnknownSubscription(subscription_id)
        return found

    async def remove(self, client_id: str, subscription_id: str) -> None:
        """Delete the subscription; its pending deliveries go with it."""
        async with self._tx.write() as store:
            if await store.subscription(client_id, subscription_id) is None:
                raise UnknownSubscription(subscription_id)
            await store.delete_subscription(subscription_id)

    async def deliveries(
        self, client_id: str, *, limit: int = 50, subscription_id: str | None = None
    ) -> Sequence[Delivery]:
        async with self._tx.read() as store:
            return await store.deliveries(client_id, limit, subscription_id)
