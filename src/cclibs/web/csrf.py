"""CSRF protection for every form: a signed double-submit token.

The browser holds a random value in an HttpOnly cookie; each form carries
HMAC(secret, value). A cross-site attacker can neither read the cookie nor compute the HMAC,
and the token is bound to the browser, which also stops login CSRF. A present ``Origin``
header from another origin is refused outright.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from cclibs.web.cookies import CookiePolicy
from cclibs.web.errors import CsrfFailed

__all__ = ["CSRF_FIELD", "CsrfProtection"]

CSRF_FIELD = "csrf_token"


class CsrfProtection:
    def __init__(self, secret_key: bytes, cookies: CookiePolicy, trusted_origins: set[str]) -> None:
        self._key = hashlib.sha256(b"cclibs-csrf\x00" + secret_key).digest()
        self._cookies = cookies
        self._trusted_origins = trusted_origins

    def _sign(self, browser_value: str) -> str:
        return hmac.new(self._key, browser_value.encode(), hashlib.sha256).hexdigest()

    def token_for(self, request: Request) -> str:
        """The form token for this browser; makes a browser value when it has none yet."""
        value = request.cookies.get(self._cookies.csrf_name, "")
        if not _plausible(value):
            value = getattr(request.state, "new_csrf_value", "") or secrets.token_urlsafe(32)
            request.state.new_csrf_value = value
        return self._sign(value)

    def attach_cookie(self, request: Request, response: Response) -> None:
        """Set the browser value on the response when this request made a new one."""
        value = getattr(request.state, "new_csrf_value", "")
        if value:
            self._cookies.set(response, self._cookies.csrf_name, value, max_age=None)

    def verify(self, request: Request, submitted: str | None) -> None:
        origin = request.headers.get("origin")
        if origin and origin != "null" and origin not in self._trusted_origins:
            own = f"{request.url.scheme}://{request.url.netloc}"
            if origin != own:
                raise CsrfFailed("This form was sent from another site.")
        value = request.cookies.get(self._cookies.csrf_name, "")
        if not submitted or not _plausible(value):
            raise CsrfFailed()
        if not hmac.compare_digest(self._sign(value), submitted):
            raise CsrfFailed()


def _plausible(value: str) -> bool:
    return 16 <= len(value) <= 128
