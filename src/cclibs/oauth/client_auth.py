"""Client authentication at the token endpoint (RFC 6749 §2.3).

Accepted: ``client_secret_basic``, ``client_secret_post``, the same parameters in the query
string (IMS documents it and its samples do it), and ``none`` for public clients (which then
prove themselves with PKCE). Two methods at once are refused (RFC 6749 §2.3).

The client and its secret hashes come from a ``ClientLookup``, which the server answers from
memory (``cclibs.storage.credential_cache``): a token request reads nothing from the database
in the steady state. Secrets stay hashed there too, and are compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import unquote_plus

from cclibs.clock import Clock
from cclibs.oauth.clients import Client, SecretHasher
from cclibs.oauth.errors import InvalidClient, InvalidRequest
from cclibs.oauth.messages import OAuthRequest
from cclibs.oauth.ports import ClientCredentials, ClientLookup, ClientTransactions, StoredSecret

__all__ = ["AuthenticatedClient", "ClientAuthenticator", "StoredClients"]

AuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]
# last_used_at is for people (console); writing it on every token request would cost a write.
_TOUCH_EVERY = timedelta(minutes=1)
_TOUCHED_LIMIT = 10_000
"""Secrets whose last use this process remembers (a cached secret's last_used_at is old)."""


@dataclass(frozen=True, slots=True)
class AuthenticatedClient:
    client: Client
    method: AuthMethod


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise InvalidClient("The Authorization header is not HTTP Basic.", basic_challenge=True)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidClient(
            "The Basic credentials are not valid base64.", basic_challenge=True
        ) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise InvalidClient(
            "The Basic credentials must be client_id:client_secret.", basic_challenge=True
        )
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


class StoredClients:
    """A ``ClientLookup`` that reads the database every time (no cache)."""

    def __init__(self, transactions: ClientTransactions) -> None:
        self._tx = transactions

    async def client_credentials(self, client_id: str) -> ClientCredentials | None:
        async with self._tx.read() as store:
            client = await store.client(client_id)
            if client is None:
                return None
            return ClientCredentials(client, tuple(await store.secrets_of(client_id)))


class ClientAuthenticator:
    def __init__(
        self,
        transactions: ClientTransactions,
        hasher: SecretHasher,
        clock: Clock,
        *,
        lookup: ClientLookup | None = None,
    ) -> None:
        self._tx = transactions
        self._lookup = lookup or StoredClients(transactions)
        self._hasher = hasher
        self._clock = clock
        self._touched: dict[str, datetime] = {}

    async def authenticate(self, request: OAuthRequest) -> AuthenticatedClient:
        body_id = request.get("client_id")
        body_secret = request.get("client_secret")
        method: AuthMethod
        if request.authorization:
            if body_secret is not None:
                raise InvalidRequest("Use one client authentication method, not two.")
            client_id, secret = _basic_credentials(request.authorization)
            if body_id is not None and body_id != client_id:
                raise InvalidRequest("client_id differs from the Basic credentials.")
            method = "client_secret_basic"
            presented: str | None = secret
        elif body_id is not None:
            client_id, presented = body_id, body_secret
            method = "client_secret_post" if presented is not None else "none"
        else:
            raise InvalidClient("client_id is required (or HTTP Basic client authentication).")
        basic = method == "client_secret_basic"
        found = await self._lookup.client_credentials(client_id)
        if found is None:
            raise InvalidClient("Unknown client.", basic_challenge=basic)
        client, stored = found.client, found.secrets
        if client.owner_disabled:
            raise InvalidClient(
                "This credential's owner is disabled by an administrator.", basic_challenge=basic
            )
        if client.is_public:
            if presented:
                raise InvalidClient(
                    "This client is public and has no secret.", basic_challenge=basic
                )
            return AuthenticatedClient(client, "none")
        if presented is None:
            raise InvalidClient("This client must authenticate with its client_secret.")
        # Compare against every active secret (at most two) so the time does not tell which.
        matched = [s for s in stored if self._hasher.matches(presented, s.secret_hash)]
        if not matched:
            raise InvalidClient("The client secret is not valid.", basic_challenge=basic)
        await self._touch(matched[0])
        return AuthenticatedClient(client, method)

    async def _touch(self, secret: StoredSecret) -> None:
        """Record the secret's use, at most once a minute per process."""
        now = self._clock.now()
        last = max(
            (t for t in (secret.last_used_at, self._touched.get(secret.id)) if t is not None),
            default=None,
        )
        if last is not None and now - last <= _TOUCH_EVERY:
            return
        if len(self._touched) >= _TOUCHED_LIMIT:
            self._touched.clear()
        self._touched[secret.id] = now
        async with self._tx.write() as store:
            await store.touch_secret(secret.id, now)
