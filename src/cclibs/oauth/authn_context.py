"""How the user signed in, as ID tokens say it: ``amr`` and ``acr``.

``amr`` (OIDC Core §2) lists RFC 8176 method values: ``pwd`` for the password, ``otp`` for a
one-time code (a TOTP code or a single-use recovery code, both one-time passwords). ``acr``
names the class the methods reach; cclibs has two, the password alone and the password with a
second step.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["ACR_ONE_STEP", "ACR_TWO_STEP", "ACR_VALUES", "acr_for"]

ACR_ONE_STEP = "urn:cclibs:acr:one-step"
ACR_TWO_STEP = "urn:cclibs:acr:two-step"
ACR_VALUES = (ACR_ONE_STEP, ACR_TWO_STEP)


def acr_for(amr: Sequence[str]) -> str:
    """The class a sign-in with these methods reaches."""
    return ACR_TWO_STEP if "otp" in amr else ACR_ONE_STEP
