"""The authorization server's signing keys: lifecycle, JWKS, JWS signing and verification.

A key lives through four states, decided only by its dates and the current time:

    pending  now < not_before                 published in the JWKS, signs nothing yet
    active   not_before <= now < retired_at   published, may sign (the newest active one does)
    retired  retired_at <= now < retired_at + max_token_lifetime
                                              published, so tokens it signed still verify
    expired  later                            unpublished; ``KeyManager.prune`` deletes it

Why pre-publish: relying parties cache the JWKS (RFC 7517 §5) and a token carrying a ``kid``
they have never seen fails until they refetch. A rotated key is therefore published for
``publish_ahead`` before it signs anything; that must exceed the JWKS HTTP cache lifetime plus
``KeyManager``'s own cache TTL. The very first key of a server (or of an algorithm with no
active key) signs at once: no token exists whose verifiers could be caught out, and a server
that cannot sign is worse than a verifier that refetches.

Why retire at activation: ``rotate`` sets the old key's ``retired_at`` to the new key's
``not_before``, so at every instant exactly one key is the newest active one (no gap, no
overlap in signing), and the old key stays published until the last token it could have
signed has expired.

``KeyRing.verify`` checks the JWS only (RFC 7515 §5.2): the header's ``alg`` must be one the
caller allows and the one the key was made for (RFC 7518 §3.1; this is what defeats "none" and
HS256-with-the-RSA-public-key confusion, RFC 8725 §2.1, §3.1), and the ``kid`` must be
published. Claims (``exp``, ``aud``, ``iss``...) are the caller's to check, because their rules
differ per token type (RFC 9068 §4 for access tokens, OIDC Core §3.1.3.7 for ID tokens).

Private keys are sealed at rest with AES-256-GCM under a key derived from CCLIBS_SECRET_KEY by
HKDF-SHA256 (RFC 5869), with the ``kid`` as associated data so a sealed blob cannot be moved
to another row.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from collections.abc import Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal, Protocol, get_args

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, KeyParameters, RSAKey

from cclibs.clock import Clock

__all__ = [
    "ALGS",
    "DEFAULT_CACHE_TTL",
    "DEFAULT_MAX_TOKEN_LIFETIME",
    "DEFAULT_PUBLISH_AHEAD",
    "Alg",
    "InvalidJwt",
    "KeyManager",
    "KeyRing",
    "KeyState",
    "KeyStore",
    "KeyTransactions",
    "NoSigningKey",
    "Rotation",
    "SealedKeyError",
    "SigningKey",
    "StoredKey",
    "generate_key",
    "key_state",
    "open_private_key",
    "seal_private_key",
    "sealed",
    "unsealed",
]

Alg = Literal["ES256", "RS256"]
ALGS: Final[tuple[Alg, ...]] = get_args(Alg)

DEFAULT_PUBLISH_AHEAD: Final = timedelta(minutes=10)
"""Serve the JWKS with a max-age of at most 5 minutes; 60 s of KeyManager cache; margin."""
DEFAULT_MAX_TOKEN_LIFETIME: Final = timedelta(hours=24)
"""The longest-lived JWT this server signs (access tokens, 24 h)."""
DEFAULT_CACHE_TTL: Final = timedelta(seconds=60)

_RSA_BITS: Final = 2048  # RFC 7518 §3.3: 2048 bits or larger
_KID_BYTES: Final = 16  # 22 url-safe characters
_MAX_TOKEN_CHARS: Final = 16 * 1024
_PUBLIC_MEMBERS: Final = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}
_SEAL_VERSION: Final = "v1"
_SEAL_INFO: Final = b"cclibs signing-key seal v1"
_NONCE_BYTES: Final = 12

PrivateKey = RSAKey | ECKey


class InvalidJwt(Exception):
    """A token that must not be trusted; ``reason`` says why (for logs, not for clients)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid JWT: {reason}")


class NoSigningKey(LookupError):
    """No active key of the requested algorithm: the server cannot issue tokens."""


class SealedKeyError(Exception):
    """A sealed private key cannot be opened: wrong server secret, or a tampered row."""


class KeyState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    RETIRED = "retired"
    EXPIRED = "expired"


def key_state(
    *,
    not_before: datetime,
    retired_at: datetime | None,
    now: datetime,
    max_token_lifetime: timedelta,
) -> KeyState:
    """Where a key is in its life at ``now`` (see the module docstring)."""
    if retired_at is not None and now >= retired_at:
        if now >= retired_at + max_token_lifetime:
            return KeyState.EXPIRED
        return KeyState.RETIRED
    if now < not_before:
        return KeyState.PENDING
    return KeyState.ACTIVE


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A key pair of the server. ``key`` holds the private half: never log or publish it."""

    kid: str
    alg: Alg
    key: PrivateKey
    created_at: datetime
    not_before: datetime
    retired_at: datetime | None = None

    def state(self, now: datetime, max_token_lifetime: timedelta) -> KeyState:
        return key_state(
            not_before=self.not_before,
            retired_at=self.retired_at,
            now=now,
            max_token_lifetime=max_token_lifetime,
        )

    def public_jwk(self) -> dict[str, Any]:
        """The public JWK (RFC 7517 §4), built from an allow-list of public members."""
        full = self.key.as_dict(private=False)
        jwk: dict[str, Any] = {name: full[name] for name in _PUBLIC_MEMBERS[self.key.key_type]}
        jwk.update(kid=self.kid, alg=self.alg, use="sig")
        return jwk


def generate_key(alg: Alg, now: datetime, *, publish_ahead: timedelta) -> SigningKey:
    """A new key pair that may sign from ``now + publish_ahead``.

    ``publish_ahead`` is zero only when no key of this ``alg`` is active (a fresh server);
    rotations use ``DEFAULT_PUBLISH_AHEAD`` so that caches learn the key before its tokens.
    """
    kid = secrets.token_urlsafe(_KID_BYTES)
    parameters: KeyParameters = {"kid": kid, "alg": alg, "use": "sig"}
    key: PrivateKey
    if alg == "RS256":
        key = RSAKey.generate_key(_RSA_BITS, parameters=parameters)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", parameters=parameters)
    else:
        raise ValueError(f"unsupported signing algorithm {alg!r}; use one of {ALGS}")
    return SigningKey(kid=kid, alg=alg, key=key, created_at=now, not_before=now + publish_ahead)


class KeyRing:
    """The keys as seen at one instant: what to publish, what signs, what verifies."""

    def __init__(
        self, keys: Iterable[SigningKey], *, now: datetime, max_token_lifetime: timedelta
    ) -> None:
        self.now = now
        live = [k for k in keys if k.state(now, max_token_lifetime) is not KeyState.EXPIRED]
        live.sort(key=lambda k: (k.not_before, k.created_at, k.kid), reverse=True)
        self._published = {k.kid: k for k in live}
        self._signing: dict[str, SigningKey] = {}
        for k in live:  # newest first: the first active key of each alg signs
            if k.state(now, max_token_lifetime) is KeyState.ACTIVE:
                self._signing.setdefault(k.alg, k)

    @property
    def published(self) -> list[SigningKey]:
        """Pending, active and still-verifiable retired keys, newest first."""
        return list(self._published.values())

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWK Set document (RFC 7517 §5) served at the ``jwks_uri``; public members only."""
        return {"keys": [k.public_jwk() for k in self._published.values()]}

    def signing_key(self, alg: str) -> SigningKey:
        """The newest active key of ``alg``."""
        key = self._signing.get(alg)
        if key is None:
            raise NoSigningKey(
                f"no active {alg} signing key; run `cclibs keys rotate --alg {alg}` "
                "(on an empty database it creates the first keys)"
            )
        return key

    def sign(self, claims: Mapping[str, Any], *, alg: str, typ: str) -> str:
        """A compact JWS (RFC 7515 §7.1) of ``claims``, with ``alg``, ``kid`` and ``typ``.

        ``typ`` names the token type: ``at+jwt`` for access tokens (RFC 9068 §2.1), ``JWT``
        for ID tokens.
        """
        key = self.signing_key(alg)
        header = {"alg": key.alg, "kid": key.kid, "typ": typ}
        payload = json.dumps(dict(claims), separators=(",", ":"), ensure_ascii=False)
        return jws.serialize_compact(header, payload.encode(), key.key, algorithms=[key.alg])

    def verify(
        self, token: str, *, algs: Collection[str], typ: str | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The header and claims of a token signed by a published key; raises ``InvalidJwt``.

        ``algs`` is what this kind of token may use; "none" and algorithms other than the
        key's own are refused whatever ``algs`` says. ``typ``, when given, must match the
        header (compared case-insensitively, "application/" optional, RFC 7515 §4.1.9).
        Claims are not validated here.
        """
        if len(token) > _MAX_TOKEN_CHARS:
            raise InvalidJwt("token too long")
        try:
            signed = jws.extract_compact(token.encode())
            header = dict(signed.headers())
        except (JoseError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidJwt(f"not a compact JWS: {exc}") from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGS or alg not in algs:
            raise InvalidJwt(f"algorithm {alg!r} is not allowed")
        if "crit" in header:  # we never emit extensions; RFC 7515 §4.1.11
            raise InvalidJwt("unsupported critical header")
        if typ is not None and _media_type(header.get("typ")) != _media_type(typ):
            raise InvalidJwt(f"typ {header.get('typ')!r} is not {typ!r}")
        kid = header.get("kid")
        key = self._published.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidJwt(f"unknown kid {kid!r}")
        if key.alg != alg:
            raise InvalidJwt(f"key {kid} is for {key.alg}, not {alg}")
        try:
            valid = jws.validate_compact(signed, key.key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise InvalidJwt(f"malformed JWS: {exc}") from None
        if not valid:
            raise InvalidJwt("signature mismatch")
        try:
            claims = json.loads(signed.payload)
        except ValueError:
            raise InvalidJwt("payload is not JSON") from None
        if not isinstance(claims, dict):
            raise InvalidJwt("payload is not a JSON object")
        return header, claims


def _media_type(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.lower().removeprefix("application/")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# At rest ------------------------------------------------------------------------------------


def _aead(secret: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(secret)
    return AESGCM(derived)


def seal_private_key(key: SigningKey, secret: bytes) -> str:
    """``v1.<base64url(nonce || AES-256-GCM(private JWK))>``, bound to ``key.kid``."""
    nonce = os.urandom(_NONCE_BYTES)
    plaintext = json.dumps(key.key.as_dict(private=True)).encode()
    sealed_bytes = _aead(secret).encrypt(nonce, plaintext, key.kid.encode())
    return f"{_SEAL_VERSION}.{_b64encode(nonce + sealed_bytes)}"


def open_private_key(blob: str, secret: bytes, *, kid: str) -> PrivateKey:
    """The private key sealed by ``seal_private_key`` for ``kid``; raises ``SealedKeyError``."""
    version, _, body = blob.partition(".")
    if version != _SEAL_VERSION:
        raise SealedKeyError(f"signing key {kid}: unknown seal format {version!r}")
    try:
        raw = _b64decode(body)
        plaintext = _aead(secret).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], kid.encode())
    except (InvalidTag, ValueError, binascii.Error):
        raise SealedKeyError(
            f"cannot open the private key of signing key {kid}: CCLIBS_SECRET_KEY is not the "
            "one it was sealed with, or the stored row was altered"
        ) from None
    key = JWKRegistry.import_key(json.loads(plaintext))
    if not isinstance(key, RSAKey | ECKey) or not key.is_private or key.kid != kid:
        raise SealedKeyError(f"signing key {kid}: the sealed value is not its private key")
    return key


# The storage port -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A signing key as stored: the private half sealed, the public half in the clear."""

    kid: str
    """Random, url-safe; the JWS ``kid`` header and the primary key."""
    alg: Alg
    sealed_private_key: str
    """Output of ``seal_private_key``; opens only with CCLIBS_SECRET_KEY and this ``kid``."""
    public_jwk: Mapping[str, Any]
    """The public JWK as published, so listings never open the sealed half."""
    created_at: datetime
    not_before: datetime
    """When the key may start signing (published from ``created_at``)."""
    retired_at: datetime | None
    """When it stopped (or will stop) signing; published until ``+ max_token_lifetime``."""


def sealed(key: SigningKey, secret: bytes) -> StoredKey:
    return StoredKey(
        kid=key.kid,
        alg=key.alg,
        sealed_private_key=seal_private_key(key, secret),
        public_jwk=key.public_jwk(),
        created_at=key.created_at,
        not_before=key.not_before,
        retired_at=key.retired_at,
    )


def unsealed(stored: StoredKey, secret: bytes) -> SigningKey:
    return SigningKey(
        kid=stored.kid,
        alg=stored.alg,
        key=open_private_key(stored.sealed_private_key, secret, kid=stored.kid),
        created_at=stored.created_at,
        not_before=stored.not_before,
        retired_at=stored.retired_at,
    )


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
        """The keys at this instant. Rows are re-read at most every ``cache_ttl``; states are
        computed afresh on each call, so activation and retirement happen on time."""
        now = self._clock.now()
        if self._loaded_at is None or not (
            self._loaded_at <= now < self._loaded_at + self._cache_ttl
        ):
            async with self._tx.read() as store:
                stored = await store.list_keys()
            self._keys = self._open_live(stored, now)
            self._loaded_at = now
        return KeyRing(self._keys, now=now, max_token_lifetime=self.max_token_lifetime)

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
