"""The hand-off from the consent page back to the authorization request.

The consent form carries the original authorization query, signed with the server secret,
bound to the browser's session and valid for ten minutes. Nothing is kept on the server
between showing the page and the user's answer, and a form lifted from another session or
replayed later is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cclibs.clock import Clock

__all__ = ["InteractionError", "InteractionSigner"]

_TTL_SECONDS = 600


class InteractionError(ValueError):
    pass


class InteractionSigner:
    def __init__(self, secret: bytes, clock: Clock) -> None:
        self._key = hashlib.sha256(b"cclibs-interaction\x00" + secret).digest()
        self._clock = clock

    def sign(self, query: str, session_id: str) -> str:
        now = self._clock.now().timestamp()
        payload = json.dumps(
            {"q": query, "s": session_id, "e": int(now + _TTL_SECONDS)},
            separators=(",", ":"),
        ).encode()
        body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
        return f"{body}.{self._mac(body)}"

    def open(self, token: str, session_id: str) -> str:
        """The signed query; InteractionError when forged, expired or from another session."""
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(self._mac(body), mac):
            raise InteractionError("The consent form is not valid.")
        try:
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError):
            raise InteractionError("The consent form is not valid.") from None
        if not hmac.compare_digest(str(data.get("s", "")), session_id):
            raise InteractionError("The consent form belongs to another sign-in.")
        if int(data.get("e", 0)) < self._clock.now().timestamp():
            raise InteractionError("The consent form has expired. Start again from the app.")
        return str(data["q"])

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
