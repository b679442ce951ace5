"""A minimal OAuth Web App with Starlette and the cclibs SDK (Adobe's "oauth" sample, fixed).

It signs the user in with the authorization code flow (PKCE too, which a Web App may use),
checks ``state`` and ``iss``, verifies the ID token, shows the user's name and email from
UserInfo and lists the user's Creative Cloud Libraries (``cclibs.sdk.Client`` with the
session's token), and logs out properly: it revokes the refresh token (and with it the access
token) at the server before forgetting the session. Adobe's sample only cleared memory.

Run it against a cclibs (or Adobe IMS) with a Web App credential whose redirect URI is
``http://127.0.0.1:8080/callback``::

    CCLIBS_PROFILE_CLIENT_ID=... CCLIBS_PROFILE_CLIENT_SECRET=... \\
        python -m examples.oauth_web_app            # uses the profile local by default

Sessions live in memory (a dict behind a random cookie): enough for an example, not for a
server with several processes.
"""

from __future__ import annotations

import contextlib
import html
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from cclibs.sdk import (
    AuthorizationRequest,
    Client,
    OAuthClient,
    Profile,
    ProfileStore,
    SdkError,
    Tokens,
    finish_authorization,
)

__all__ = ["create_app"]

COOKIE = "example_session"
SCOPES = ("openid", "AdobeID", "profile", "email", "offline_access", "cc_libraries")


@dataclass
class _Session:
    pending: AuthorizationRequest | None = None
    tokens: Tokens | None = None
    user: dict[str, Any] = field(default_factory=dict)


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>Example</title>"
        f"<body>{body}</body></html>",
        status_code=status,
    )


def create_app(profile: Profile, redirect_uri: str, client: OAuthClient | None = None) -> Starlette:
    client = client or OAuthClient(profile)
    sessions: dict[str, _Session] = {}

    def session_of(request: Request) -> tuple[str, _Session]:
        key = request.cookies.get(COOKIE)
        if key is None or key not in sessions:
            key = secrets.token_urlsafe(32)
            sessions[key] = _Session()
        return key, sessions[key]

    def with_cookie(response: Response, key: str) -> Response:
        response.set_cookie(COOKIE, key, httponly=True, samesite="lax")
        return response

    # Plain functions: Starlette runs them in its thread pool, where the SDK's synchronous
    # httpx calls do not hold up the event loop.
    def home(request: Request) -> Response:
        key, session = session_of(request)
        if session.tokens is None:
            body = "<h1>Example</h1><p><a href='/login'>Sign in</a></p>"
        else:
            name = html.escape(str(session.user.get("name", "")))
            email = html.escape(str(session.user.get("email", "")))
            body = (
                f"<h1>Hello, <span id='name'>{name}</span></h1>"
                f"<p>Email: <span id='email'>{email}</span></p>"
                f"{libraries_of(session.tokens)}"
                "<form method='post' action='/logout'><button>Log out</button></form>"
            )
        return with_cookie(_page(body), key)

    def libraries_of(tokens: Tokens) -> str:
        """The user's libraries as a list, read with the session's access token. (A real app
        would refresh it when it expires; ``TokenSource`` does that for a CLI or a script.)"""
        api = Client.from_token(profile.api_url, tokens.access_token, client.client_id)
        try:
            with api:
                rows = []
                for library in api.libraries(order_by="name"):
                    count = library.get("elements_count", 0)
                    noun = "element" if count == 1 else "elements"
                    rows.append(f"<li>{html.escape(library['name'])} ({count} {noun})</li>")
        except SdkError as exc:
            return f"<p id='libraries-error'>Libraries: {html.escape(str(exc))}</p>"
        if not rows:
            return "<p id='libraries'>No libraries yet.</p>"
        return f"<h2>Your libraries</h2><ul id='libraries'>{''.join(rows)}</ul>"

    def login(request: Request) -> Response:
        key, session = session_of(request)
        session.pending = AuthorizationRequest.new(client, redirect_uri, SCOPES)
        return with_cookie(RedirectResponse(session.pending.url, status_code=302), key)

    def callback(request: Request) -> Response:
        key, session = session_of(request)
        pending, session.pending = session.pending, None  # one response per request
        if pending is None:
            return _page("<p>No sign-in in progress. <a href='/'>Home</a></p>", 400)
        try:
            session.tokens = finish_authorization(client, pending, dict(request.query_params))
            answer = client.userinfo(session.tokens.access_token)
            answer.raise_for_status()
            session.user = answer.json()
        except (SdkError, ValueError) as exc:
            session.tokens = None
            return _page(f"<p>Sign-in failed: {html.escape(str(exc))}</p>", 400)
        return with_cookie(RedirectResponse("/", status_code=303), key)

    def logout(request: Request) -> Response:
        key, session = session_of(request)
        tokens = session.tokens
        if tokens is not None:
            # Revoking the refresh token ends the whole grant, access tokens included
            # (RFC 7009 §2.1); the access token is revoked too for servers that do not.
            if tokens.refresh_token:
                client.revoke(tokens.refresh_token, "refresh_token")
            client.revoke(tokens.access_token, "access_token")
        sessions.pop(key, None)
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        client.close()

    return Starlette(
        routes=[
            Route("/", home),
            Route("/login", login),
            Route("/callback", callback),
            Route("/logout", logout, methods=["POST"]),
            Route("/healthz", lambda request: Response("ok")),  # for process supervisors
        ],
        lifespan=lifespan,
    )


def main() -> None:  # pragma: no cover - run by hand
    import uvicorn

    profile = ProfileStore().load()
    uvicorn.run(create_app(profile, "http://127.0.0.1:8080/callback"), port=8080)


if __name__ == "__main__":  # pragma: no cover
    main()
