"""Private keys at rest: AES-256-GCM under an HKDF key from the server secret."""

from __future__ import annotations

import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey, JWKRegistry, RSAKey

from cclibs.oauth.keys._ring import (
    _NONCE_BYTES,
    _SEAL_INFO,
    _SEAL_VERSION,
    Alg,
    PrivateKey,
    SealedKeyError,
    SigningKey,
    _b64decode,
    _b64encode,
)

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
