"""One spelling of an email address for every comparison: accounts, sign-in, tester lists and
library invitations.

An address is compared as its *key*: surrounding space stripped, NFKC-normalised (fullwidth
letters are plain ones) and casefolded (``ß`` is ``ss``, ``ANN`` is ``ann``). The local part is
case-sensitive in theory (RFC 5321 §2.4) and case-insensitive at every mail provider in
practice; two accounts that differ only in case would be two people's confusion, never two
people. Stored addresses are keys, so SQL compares them with ``=``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_EMAIL", "email_key", "looks_like_email"]

MAX_EMAIL = 320
"""64 for the local part, 1 for ``@``, 255 for the domain (RFC 5321 §4.5.3.1)."""

_SHAPE = re.compile(r"^[^@\s,;]{1,64}@[^@\s,;]{1,255}\.[^@\s,;.]{1,63}$")


def email_key(raw: str) -> str:
    """The address as it is stored and compared (see the module's docstring)."""
    return unicodedata.normalize("NFKC", raw.strip()).casefold()


def looks_like_email(key: str) -> bool:
    """Whether a key has the shape of an address: one ``@``, a dotted domain, no spaces."""
    return len(key) <= MAX_EMAIL and _SHAPE.match(key) is not None
