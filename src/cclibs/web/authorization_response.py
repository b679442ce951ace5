"""How an authorization response reaches the client: a redirect to its redirect URI, or a
self-submitting form for ``response_mode=form_post``.

Successful responses and errors that go back to the client (``RedirectError``, rendered by
``cclibs.web.errors``) take the same way. After a POST (the consent form) the redirect is a
303, so the browser does not repeat the POST at the client (RFC 9700 §4.12); otherwise 302.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cclibs.oauth.endpoints.authorize import Response as AuthorizationResponse
from cclibs.web.state import app_state

__all__ = ["send_back"]


def send_back(request: Request, response: AuthorizationResponse) -> Response:
    status = 303 if request.method == "POST" else 302
    if response.mode != "form_post":
        return RedirectResponse(response.url, status_code=status)
    target = urlsplit(response.redirect_uri)
    origin = f"{target.scheme}://{target.netloc}"
    csp = (
        "default-src 'none'; script-src 'self'; style-src 'self'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action {origin}"
    )
    return app_state(request).pages.render(
        request,
        "form_post.html",
        {"action": response.redirect_uri, "fields": response.params},
        headers={"content-security-policy": csp},
    )
