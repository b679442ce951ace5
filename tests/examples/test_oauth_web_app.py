"""examples/oauth_web_app.py against a real cclibs: sign in, name, email and the user's
libraries, logout revokes.

Both run as uvicorn servers on 127.0.0.1; the person at the browser (httpx with cookies)
signs in and allows access on cclibs' real pages. The app's OAuth client is given an httpx
client that notes the token responses, so the test can ask the server about those tokens
after the logout.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from examples.oauth_web_app import SCOPES, create_app

from cclibs.sdk import Client, OAuthClient, Profile
from tests.support.live_cclibs import USER_EMAIL, USER_NAME, Browser, Live, live
from tests.support.servers import running

__all__ = ["live"]


def test_sign_in_shows_the_user_and_libraries_and_logout_revokes_the_tokens(live: Live) -> None:
    profile = Profile(
        name="example",
        issuer=live.url,
        api_url=live.url,
        client_id=live.web_id,
        client_secret=live.web_secret,
        scopes=SCOPES,
    )
    issued: list[dict[str, Any]] = []

    def note(response: httpx.Response) -> None:
        if response.request.url.path == "/ims/token/v3" and response.status_code == 200:
            response.read()
            issued.append(response.json())

    client = OAuthClient(profile, http=httpx.Client(timeout=10, event_hooks={"response": [note]}))
    app = create_app(profile, f"{live.app_url}/callback", client=client)
    person = Browser()
    try:
        with running(app, live.app_socket) as app_url:
            assert "Sign in" in person.http.get(f"{app_url}/").text
            start = person.http.get(f"{app_url}/login")
            assert start.status_code == 302
            assert start.headers["location"].startswith(f"{live.url}/ims/authorize/v2?")
            callback = person.authorize(start.headers["location"], f"{app_url}/callback")
            home = person.http.get(callback, follow_redirects=True)
            assert home.status_code == 200, home.text
            assert f"<span id='name'>{USER_NAME}</span>" in home.text
            assert f"<span id='email'>{USER_EMAIL}</span>" in home.text
            [tokens] = issued
            assert _userinfo(live, tokens["access_token"]) == 200
            assert "<p id='libraries'>No libraries yet.</p>" in home.text

            # The user's libraries, made elsewhere (here with the same token), appear.
            with Client.from_token(live.url, tokens["access_token"], live.web_id) as api:
                brand = api.create_library("Brand <colors>")
                api.create_color(brand["id"], "Red", "#D7373F")
                api.create_library("Icons")
            listed = person.http.get(f"{app_url}/").text
            assert (
                "<ul id='libraries'><li>Brand &lt;colors&gt; (1 element)</li>"
                "<li>Icons (0 elements)</li></ul>"
            ) in listed

            out = person.http.post(f"{app_url}/logout", follow_redirects=True)
            assert re.search(r"Sign in", out.text)
    finally:
        person.close()

    assert _userinfo(live, tokens["access_token"]) == 401
    refreshed = httpx.post(
        f"{live.url}/ims/token/v3",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(live.web_id, live.web_secret),
    )
    assert refreshed.json()["error"] == "invalid_grant"


def _userinfo(live: Live, token: str) -> int:
    return httpx.get(
        f"{live.url}/ims/userinfo/v2", headers={"authorization": f"Bearer {token}"}
    ).status_code
