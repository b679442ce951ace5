"""Keys, their states, the JWKS, and signing and verifying compact JWS (see the package)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final, Literal, get_args

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeyParameters, RSAKey
from joserfc.jws import JWSRegistry

from cclibs.json_values import dumps

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
        key, signing_input = self.signing_input(claims, alg=alg, typ=typ)
        return compact(signing_input, JWSRegistry.algorithms[key.alg].sign(signing_input, key.key))

    def signing_input(
        self, claims: Mapping[str, Any], *, alg: str, typ: str
    ) -> tuple[SigningKey, bytes]:
        """The key that signs ``alg`` and the JWS signing input (RFC 7515 §5.1) of ``claims``:
        what ``sign`` signs, for a signature made elsewhere (``compact`` makes the token)."""
        key = self.signing_key(alg)
        # The compact form assembled here, the signature made by joserfc's algorithm: the
        # header is the same for every token of a key, and joserfc's serialize_compact checks
        # it, the key and its operations on every call, for keys this ring made and checked
        # at load. ES256: 45 -> 32 us a token, RS256: 266 -> 253 us (measured).
        return key, b"%s.%s" % (_header_segment(key.kid, key.alg, typ), _b64(dumps(dict(claims))))

    def verifies(self, kid: str, alg: str) -> bool:
        """Whether a token signed by key ``kid`` with ``alg`` would still be checked against a
        published key (a cache of verified tokens asks this instead of verifying again)."""
        key = self._published.get(kid)
        return key is not None and key.alg == alg

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


@lru_cache(maxsize=64)
def compact(signing_input: bytes, signature: bytes) -> str:
    """The compact JWS of a signing input and its signature."""
    return (b"%s.%s" % (signing_input, _b64(signature))).decode("ascii")


def _header_segment(kid: str, alg: str, typ: str) -> bytes:
    return _b64(json.dumps({"alg": alg, "kid": kid, "typ": typ}, separators=(",", ":")).encode())


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
