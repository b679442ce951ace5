"""What every token request and bearer check reads, kept in memory.

Client authentication reads a client and its secret hashes; a bearer check reads its grant's
liveness (not revoked, user not disabled), or its client and the access-token deny-list, and
UserInfo reads the user's claims. Read from the database on every request, that was most of
a request's cost. Here each is read once and kept until the ``ChangeWatch`` says something
changed (``cclibs.storage.versions``): at once in the process that made the change, within
half a second in every other. A change drops every entry: changes are rare (an owner edits a
credential, an administrator disables a user, a token is revoked), reads are constant.

What is kept is what the database holds: secret *hashes* (compared in constant time by
``SecretHasher``), never secrets. Unknown clients are not kept, so a flood of made-up client
ids cannot fill memory; each map holds at most ``limit`` entries (the oldest go first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import select

from cclibs.oauth.endpoints.userinfo import UserClaims, UserDirectory
from cclibs.oauth.grant_ports import Grant
from cclibs.oauth.ports import ClientCredentials
from cclibs.storage.clients import SqlClientStore
from cclibs.storage.db import Database
from cclibs.storage.grants import SqlGrantStore
from cclibs.storage.tables import RevokedAccessTokenRow
from cclibs.storage.versions import ChangeWatch

__all__ = ["CachedUsers", "CredentialCache", "VersionedMap"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_LIMIT = 10_000
_MISSING = object()


class VersionedMap(Generic[K, V]):
    """A bounded map that empties whenever the watch's generation moves."""

    def __init__(self, watch: ChangeWatch, *, limit: int = _LIMIT, keep_none: bool = True) -> None:
        self._watch = watch
        self._limit = limit
        self._keep_none = keep_none
        self._generation = -1
        self._items: dict[K, V] = {}

    async def get(self, key: K, load: Callable[[K], Awaitable[V]]) -> V:
        generation = await self._watch.current()
        if generation != self._generation:
            self._items.clear()
            self._generation = generation
        found = self._items.get(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        value = await load(key)
        # Kept only if nothing changed while it loaded: a change committed meanwhile may have
        # come after the read, and the entry would outlive it.
        keep = value is not None or self._keep_none
        if keep and self._watch.generation == generation == self._generation:
            if len(self._items) >= self._limit:
                del self._items[next(iter(self._items))]
            self._items[key] = value
        return value


class CredentialCache:
    """``ClientLookup`` and ``LivenessLookup`` of one process, over its ``Database``."""

    def __init__(self, db: Database, watch: ChangeWatch, *, limit: int = _LIMIT) -> None:
        self._db = db
        self._clients: VersionedMap[str, ClientCredentials | None] = VersionedMap(
            watch, limit=limit, keep_none=False
        )
        self._grants: VersionedMap[str, Grant | None] = VersionedMap(watch, limit=limit)
        self._denied: VersionedMap[None, frozenset[str]] = VersionedMap(watch, limit=1)

    async def client_credentials(self, client_id: str) -> ClientCredentials | None:
        return await self._clients.get(client_id, self._load_client)

    async def live_grant(self, grant_id: str) -> Grant | None:
        return await self._grants.get(grant_id, self._load_grant)

    async def access_token_denied(self, jti: str) -> bool:
        # The whole list: it holds only revoked client_credentials tokens until they expire
        # (then the hourly purge drops them), and new tokens are checked without a read.
        return jti in await self._denied.get(None, self._load_denied)

    async def _load_client(self, client_id: str) -> ClientCredentials | None:
        async with self._db.read() as session:
            store = SqlClientStore(session)
            client = await store.client(client_id)
            if client is None:
                return None
            return ClientCredentials(client, tuple(await store.secrets_of(client_id)))

    async def _load_grant(self, grant_id: str) -> Grant | None:
        async with self._db.read() as session:
            return await SqlGrantStore(session).live_grant(grant_id)

    async def _load_denied(self, _: None) -> frozenset[str]:
        async with self._db.read() as session:
            return frozenset(await session.scalars(select(RevokedAccessTokenRow.jti)))


class CachedUsers:
    """A ``UserDirectory`` kept in memory on the same terms (profile changes and disabling
    bump the counter)."""

    def __init__(self, directory: UserDirectory, watch: ChangeWatch, *, limit: int = _LIMIT):
        self._directory = directory
        self._users: VersionedMap[str, UserClaims | None] = VersionedMap(
            watch, limit=limit, keep_none=False
        )

    async def user_claims(self, user_id: str) -> UserClaims | None:
        return await self._users.get(user_id, self._directory.user_claims)
