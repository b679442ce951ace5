"""The scope registry, and parsing scopes written the IMS way (commas) or the RFC way (spaces).

IMS documents ``openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries``;
RFC 6749 §3.3 uses spaces. Both are accepted; scopes are case-sensitive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "IDENTITY_SCOPES",
    "LIBRARIES_SCOPES",
    "SCOPES",
    "Scope",
    "format_scopes",
    "parse_scopes",
]

_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5B\x5D-\x7E]{1,128}$")  # RFC 6749 §3.3 scope-token
_MAX_SCOPES = 50


@dataclass(frozen=True, slots=True)
class Scope:
    name: str
    title: str
    description: str
    """What the user is told on the consent page."""


SCOPES: dict[str, Scope] = {
    s.name: s
    for s in (
        Scope("openid", "Your identity", "Sign you in and know who you are (your user ID)."),
        Scope("AdobeID", "Your account ID", "Use your account ID with the service."),
        Scope("creative_sdk", "Creative SDK", "Use the Creative SDK on your behalf."),
        Scope("profile", "Your profile", "See your name and account type."),
        Scope("email", "Your email address", "See your email address and whether it is verified."),
        Scope("address", "Your country", "See the country of your address."),
        Scope(
            "offline_access",
            "Stay connected",
            "Keep access while you are away, until you remove it.",
        ),
        Scope(
            "cc_files",
            "Your Creative Cloud files",
            "Read and change the files that hold your libraries.",
        ),
        Scope(
            "cc_libraries",
            "Your Creative Cloud Libraries",
            "Read, create, change and delete your libraries and their elements.",
        ),
    )
}

IDENTITY_SCOPES = frozenset({"openid", "AdobeID", "creative_sdk", "profile", "email", "address"})
LIBRARIES_SCOPES = frozenset({"cc_files", "cc_libraries"})


def parse_scopes(raw: str | None) -> tuple[str, ...]:
    """Scopes in the order given, duplicates removed; ValueError names a malformed one."""
    if not raw:
        return ()
    # Only commas and spaces separate; any other white space is a malformed scope.
    parts = [part for part in re.split(r"[, ]+", raw) if part]
    if len(parts) > _MAX_SCOPES:
        raise ValueError(f"too many scopes (at most {_MAX_SCOPES})")
    seen: dict[str, None] = {}
    for part in parts:
        if not _SCOPE_TOKEN.match(part):
            raise ValueError(f"malformed scope {part[:40]!r}")
        seen.setdefault(part, None)
    return tuple(seen)


def format_scopes(scopes: Iterable[str], *, comma: bool = False) -> str:
    """Space-delimited (RFC 6749) or comma-delimited (IMS), in registry order."""
    order = {name: index for index, name in enumerate(SCOPES)}
    ordered = sorted(set(scopes), key=lambda s: (order.get(s, len(order)), s))
    return ("," if comma else " ").join(ordered)
