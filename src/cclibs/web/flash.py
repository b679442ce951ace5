"""One-time values carried across a redirect (post/redirect/get): notices, a new secret, a token.

The value travels in a cookie sealed with AES-GCM under a key derived from the server secret,
bound to the browser's session cookie and to the one page that may show it. That page shows
it once and clears the cookie, so a reload shows nothing; a secret never rests on the server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response

from cclibs.web.cookies import CookiePolicy

__all__ = ["Flash"]

_MAX_AGE = 120
_MAX_COOKIE = 3800


class Flash:
    def __init__(self, secret_key: bytes, cookies: CookiePolicy) -> None:
        self._aead = AESGCM(hashlib.sha256(b"cclibs-flash\x00" + secret_key).digest())
        self._cookies = cookies

    @property
    def _name(self) -> str:
        return f"{self._cookies.session_name.removesuffix('cclibs_session')}cclibs_flash"

    def _binding(self, request: Request, path: str) -> bytes:
        session = request.cookies.get(self._cookies.session_name, "")
        return hashlib.sha256(session.encode() + b"\x00" + path.encode()).digest()

    def put(self, request: Request, response: Response, path: str, data: dict[str, Any]) -> None:
        """Seal ``data`` for the next GET of ``path`` by this browser."""
        nonce = os.urandom(12)
        body = json.dumps({"v": data, "exp": int(time.time()) + _MAX_AGE}).encode()
        sealed = nonce + self._aead.encrypt(nonce, body, self._binding(request, path))
        value = base64.urlsafe_b64encode(sealed).decode().rstrip("=")
        if len(value) > _MAX_COOKIE:
            raise ValueError("a flash value must stay within one cookie")
        self._cookies.set(response, self._name, value, max_age=_MAX_AGE)

    def take(self, request: Request) -> dict[str, Any] | None:
        """The value sealed for this page, if any; call ``clear`` on the response after."""
        value = request.cookies.get(self._name)
        if not value:
            return None
        try:
            sealed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            body = self._aead.decrypt(
                sealed[:12], sealed[12:], self._binding(request, request.url.path)
            )
            found = json.loads(body)
        except (binascii.Error, ValueError, InvalidTag):
            return None
        if not isinstance(found, dict) or found.get("exp", 0) < time.time():
            return None
        data = found.get("v")
        return data if isinstance(data, dict) else None

    def clear(self, request: Request, response: Response) -> None:
        if self._name in request.cookies:
            self._cookies.clear(response, self._name)
