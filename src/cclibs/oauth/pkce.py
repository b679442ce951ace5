"""Proof Key for Code Exchange (RFC 7636)."""

from __future__ import annotations

import hmac
import re

from cclibs.oauth.errors import InvalidGrant, InvalidRequest
from cclibs.sdk.pkce import s256

__all__ = ["check_challenge", "verify"]

# RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def check_challenge(challenge: str | None, method: str | None, *, allow_plain: bool) -> str | None:
    """Validate the authorization request's challenge; returns the method (None: no PKCE)."""
    if not challenge:
        if method:
            raise InvalidRequest("code_challenge_method was sent without code_challenge.")
        return None
    method = method or "plain"  # RFC 7636 §4.3: the default is plain
    if method == "plain" and not allow_plain:
        raise InvalidRequest("code_challenge_method must be S256.")
    if method not in ("S256", "plain"):
        raise InvalidRequest("code_challenge_method must be S256.")
    if not _VERIFIER.fullmatch(challenge):
        raise InvalidRequest("code_challenge must be 43 to 128 unreserved characters.")
    return method


def verify(verifier: str | None, challenge: str | None, method: str | None) -> None:
    """Check the token request's verifier against the stored challenge (RFC 7636 §4.6).

    A verifier without a stored challenge is refused too: accepting it would let an attacker
    who stole a code made without PKCE pass it off as protected (RFC 9700 §4.8, downgrade).
    """
    if challenge is None:
        if verifier is not None:
            raise InvalidGrant(
                "code_verifier was sent but the authorization had no code_challenge."
            )
        return
    if not verifier:
        raise InvalidGrant("code_verifier is required for this code.")
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidGrant("code_verifier must be 43 to 128 unreserved characters.")
    # The SDK's S256, the one in the codebase (cclibs.sdk imports nothing of the server).
    computed = s256(verifier) if method == "S256" else verifier
    if not hmac.compare_digest(computed, challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge.")
