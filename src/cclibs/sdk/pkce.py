"""PKCE with S256 (RFC 7636 §4.1, §4.2) and the random values of an authorization request.

``s256`` is the codebase's one S256: the SDK's requests, the playground's, and the server's
check of a verifier (``cclibs.oauth.pkce``) all compute the challenge here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass

__all__ = ["Pkce", "s256"]


def s256(verifier: str) -> str:
    """``BASE64URL(SHA256(ASCII(verifier)))`` without padding (RFC 7636 §4.2).

    A verifier is unreserved ASCII (§4.1); anything else raises ``UnicodeEncodeError``, which
    callers check for before they get here."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str = "S256"

    @classmethod
    def new(cls) -> Pkce:
        # 64 url-safe characters: within RFC 7636's 43 to 128, 384 bits of entropy.
        verifier = secrets.token_urlsafe(48)
        return cls(verifier, s256(verifier))
