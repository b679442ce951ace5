"""One-time values carried across a redirect (post/redirect/get): notices, a new secret, a token.

The value travels in a cookie sealed under the server secret (``cclibs.sealing``), bound to
the browser's session cookie and to the one page that may show it. That page shows it once
and clears the cookie, so a reload shows nothing; a secret never rests on the server.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.sealing import Sealer, Unsealable
from cclibs.web.cookies import CookiePolicy

__all__ = ["Flash"]

_MAX_AGE = 120
_MAX_COOKIE = 3800


class Flash:
    def __init__(self, secret_key: bytes, cookies: CookiePolicy) -> None:
        self._sealer = Sealer(secret_key, "flash")
        self._cookies = cookies

    @property
    def _name(self) -> str:
        return self._cookies.name("cclibs_flash")

    def _binding(self, request: Request, path: str) -> bytes:
        session = request.cookies.get(self._cookies.session_name, "")
        return hashlib.sha256(session.encode() + b"\x00" + path.encode()).digest()

    def put(self, request: Request, response: Response, path: str, data: dict[str, Any]) -> None:
        """Seal ``data`` for the next GET of ``path`` by this browser."""
        body = json.dumps({"v": data, "exp": int(time.time()) + _MAX_AGE}).encode()
        value = self._sealer.seal(body, self._binding(request, path))
        if len(value) > _MAX_COOKIE:
            raise ValueError("a flash value must stay within one cookie")
        self._cookies.set(response, self._name, value, max_age=_MAX_AGE)

    def redirect(
        self, request: Request, path: str, data: dict[str, Any], *, target: str | None = None
    ) -> Response:
        """303 to ``target`` (default ``path``: post/redirect/get), with ``data`` sealed for the
        next GET of ``path``."""
        response = RedirectResponse(target or path, status_code=303)
        self.put(request, response, path, data)
        return response

    def take(self, request: Request) -> dict[str, Any] | None:
        """The value sealed for this page, if any; call ``clear`` on the response after."""
        value = request.cookies.get(self._name)
        if not value:
            return None
        try:
            found = json.loads(self._sealer.open(value, self._binding(request, request.url.path)))
        except (Unsealable, ValueError):
            return None
        if not isinstance(found, dict) or found.get("exp", 0) < time.time():
            return None
        data = found.get("v")
        return data if isinstance(data, dict) else None

    def clear(self, request: Request, response: Response) -> None:
        if self._name in request.cookies:
            self._cookies.clear(response, self._name)
