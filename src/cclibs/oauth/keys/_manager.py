"""The storage port of the keys and the KeyManager service over it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from cclibs.clock import Clock
from cclibs.oauth.keys._ring import (
    ALGS,
    DEFAULT_CACHE_TTL,
    DEFAULT_MAX_TOKEN_LIFETIME,
    DEFAULT_PUBLISH_AHEAD,
    Alg,
    KeyRing,
    KeyState,
    PrivateKey,
    SigningKey,
    generate_key,
    key_state,
)
from cclibs.oauth.keys._sealing import StoredKey, sealed, unsealed


class KeyStore(Protocol):
    """The signing keys inside one transaction."""

    async def list_keys(self) -> list[StoredKey]:
        """Every stored key, whatever its state, oldest ``created_at`` first."""
        ...

    async def add_key(self, key: StoredKey) -> None:
        """Insert a new key; its ``kid`` is fresh (random), so a clash is a bug and raises."""
        ...

    async def retire_key(self, kid: str, at: datetime) -> None:
        """Set the key's ``retired_at`` to ``at``; the only change a stored key ever sees."""
        ...

    async def delete_retired_at_or_before(self, cutoff: datetime) -> list[str]:
        """Delete keys whose ``retired_at`` is at or before ``cutoff``; returns their kids."""
        ...


class KeyTransactions(Protocol):
    """Opens transactions on the key store. Write transactions on keys are serialised
    (one process at a time), so two workers starting together create one set of keys."""

    def read(self) -> AbstractAsyncContextManager[KeyStore]: ...

    def write(self) -> AbstractAsyncContextManager[KeyStore]: ...


# The service ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rotation:
    """What one ``rotate`` did for one algorithm."""

    alg: Alg
    new_kid: str
    signs_from: datetime
    retired_kids: tuple[str, ...]
    """Keys that stop signing at ``signs_from`` (none for a first key)."""
    unpublished_at: datetime | None
    """When the retired keys leave the JWKS (``signs_from + max_token_lifetime``)."""


class KeyManager:
    """Creates, rotates and serves the signing keys of one process."""

    def __init__(
        self,
        transactions: KeyTransactions,
        *,
        clock: Clock,
        secret: bytes,
        max_token_lifetime: timedelta = DEFAULT_MAX_TOKEN_LIFETIME,
        publish_ahead: timedelta = DEFAULT_PUBLISH_AHEAD,
        cache_ttl: timedelta = DEFAULT_CACHE_TTL,
    ) -> None:
        if publish_ahead < cache_ttl:
            raise ValueError("publish_ahead must exceed cache_ttl, or workers sign unknown kids")
        self._tx = transactions
        self._clock = clock
        self._secret = secret
        self.max_token_lifetime = max_token_lifetime
        self.publish_ahead = publish_ahead
        self._cache_ttl = cache_ttl
        self._loaded_at: datetime | None = None
        self._keys: list[SigningKey] = []
        self._opened: dict[str, PrivateKey] = {}
        self._ring: KeyRing | None = None
        self._ring_span: tuple[datetime, datetime] | None = None
        """The instants between which ``_ring`` holds: no key changes state inside them."""

    async def ensure_keys(self) -> list[SigningKey]:
        """Give every algorithm with no active key one that signs at once; returns new keys.

        Call it at start: it also opens every live key, so a wrong CCLIBS_SECRET_KEY stops
        the start (``SealedKeyError``) instead of the first token request.
        """
        now = self._clock.now()
        created = []
        async with self._tx.write() as store:
            stored = await store.list_keys()
            self._open_live(stored, now)
            for alg in ALGS:
                if not any(self._active(k, alg, now) for k in stored):
                    key = generate_key(alg, now, publish_ahead=timedelta(0))
                    await store.add_key(sealed(key, self._secret))
                    created.append(key)
        self._loaded_at = None
        return created

    async def keyring(self) -> KeyRing:
        """The keys at this instant. Rows are re-read at most every ``cache_ttl``; the ring
        is made again whenever a key's state changes (it activates, retires or expires), so
        activation and retirement happen on time, and otherwise kept: every bearer check
        asks for it (measured: 6 % of a library list's time on the loop went to making it)."""
        now = self._clock.now()
        if self._loaded_at is None or not (
            self._loaded_at <= now < self._loaded_at + self._cache_ttl
        ):
            async with self._tx.read() as store:
                stored = await store.list_keys()
            self._keys = self._open_live(stored, now)
            self._loaded_at = now
            self._ring = None
        span = self._ring_span
        if self._ring is None or span is None or not (span[0] <= now < span[1]):
            self._ring = KeyRing(self._keys, now=now, max_token_lifetime=self.max_token_lifetime)
            self._ring_span = (now, self._next_change(now))
        return self._ring

    def _next_change(self, now: datetime) -> datetime:
        """The first instant after ``now`` at which a loaded key changes state."""
        changes = []
        for key in self._keys:
            changes.append(key.not_before)
            if key.retired_at is not None:
                changes += [key.retired_at, key.retired_at + self.max_token_lifetime]
        return min((at for at in changes if at > now), default=datetime.max.replace(tzinfo=UTC))

    async def rotate(self, alg: Alg | None = None) -> list[Rotation]:
        """Add a key per algorithm (or for ``alg``) that signs after ``publish_ahead``, and
        retire the current keys at that same instant. An algorithm without an active key gets
        one that signs at once."""
        now = self._clock.now()
        rotations = []
        async with self._tx.write() as store:
            stored = await store.list_keys()
            self._open_live(stored, now)  # never add keys sealed with another secret
            for each in (alg,) if alg else ALGS:
                mine = [k for k in stored if k.alg == each]
                live = any(self._active(k, each, now) for k in mine)
                ahead = self.publish_ahead if live else timedelta(0)
                key = generate_key(each, now, publish_ahead=ahead)
                retired = tuple(k.kid for k in mine if k.retired_at is None)
                for kid in retired:
                    await store.retire_key(kid, key.not_before)
                await store.add_key(sealed(key, self._secret))
                rotations.append(
                    Rotation(
                        alg=each,
                        new_kid=key.kid,
                        signs_from=key.not_before,
                        retired_kids=retired,
                        unpublished_at=key.not_before + self.max_token_lifetime
                        if retired
                        else None,
                    )
                )
        self._loaded_at = None
        return rotations

    async def prune(self) -> list[str]:
        """Delete keys unpublished for good (retired more than a token lifetime ago)."""
        cutoff = self._clock.now() - self.max_token_lifetime
        async with self._tx.write() as store:
            gone = await store.delete_retired_at_or_before(cutoff)
        self._loaded_at = None
        return gone

    async def list_keys(self) -> list[tuple[StoredKey, KeyState]]:
        """Every stored key with its state now, oldest first (for administrators)."""
        now = self._clock.now()
        async with self._tx.read() as store:
            stored = await store.list_keys()
        return [(k, self._state(k, now)) for k in stored]

    def _state(self, key: StoredKey, now: datetime) -> KeyState:
        return key_state(
            not_before=key.not_before,
            retired_at=key.retired_at,
            now=now,
            max_token_lifetime=self.max_token_lifetime,
        )

    def _active(self, key: StoredKey, alg: str, now: datetime) -> bool:
        return key.alg == alg and self._state(key, now) is KeyState.ACTIVE

    def _open_live(self, stored: list[StoredKey], now: datetime) -> list[SigningKey]:
        # Opening costs an AES-GCM pass and an RSA key check; key material never changes
        # (only retired_at does), so opened keys are kept by kid.
        live = [k for k in stored if self._state(k, now) is not KeyState.EXPIRED]
        opened: dict[str, PrivateKey] = {}
        for k in live:
            known = self._opened.get(k.kid)
            opened[k.kid] = known if known is not None else unsealed(k, self._secret).key
        self._opened = opened
        return [
            SigningKey(
                kid=k.kid,
                alg=k.alg,
                key=opened[k.kid],
                created_at=k.created_at,
                not_before=k.not_before,
                retired_at=k.retired_at,
            )
            for k in live
        ]
