"""Authenticated encryption of small values under the server secret (AES-256-GCM).

Each use names a purpose, and HKDF derives a separate key for it, so a value sealed for one
purpose never opens as another. The associated data binds a value to its context (a session,
a page), so a sealed value copied elsewhere does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["Sealer", "Unsealable"]

_VERSION = "s1"
_NONCE = 12


class Unsealable(ValueError):
    """Not a value this server sealed for this purpose and context."""


class Sealer:
    def __init__(self, secret: bytes, purpose: str) -> None:
        info = b"cclibs-seal\x00" + purpose.encode()
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes = b"") -> str:
        nonce = os.urandom(_NONCE)
        sealed = nonce + self._aead.encrypt(nonce, plaintext, context)
        return f"{_VERSION}.{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"

    def open(self, blob: str, context: bytes = b"") -> bytes:
        version, _, body = blob.partition(".")
        if version != _VERSION:
            raise Unsealable("unknown seal format")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], context)
        except (InvalidTag, ValueError, binascii.Error):
            raise Unsealable("the value does not open in this context") from None
