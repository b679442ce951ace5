"""Signing out ends the playground too: the next person at the browser inherits nothing."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from tests.http.oauth.conftest import Credential
from tests.playground.conftest import PlaygroundPage, open_playground
from tests.support.pages import csrf_token

pytestmark = pytest.mark.anyio


async def test_signing_out_forgets_the_playgrounds_secret_and_tokens(
    app: Starlette, developer: PlaygroundPage, web_app: Credential
) -> None:
    view = await developer.code_flow(web_app.client_id, web_app.secret, "openid,offline_access")
    assert view["tokens"]["access_token"] and view["config"]["has_secret"] is True
    http = developer.http
    old_cookie = http.cookies["cclibs_playground"]

    token = await csrf_token(http, "/signout")
    signed_out = await http.post("/signout", data={"csrf_token": token})
    assert signed_out.status_code == 303
    assert "cclibs_playground" not in http.cookies
    # Gone on the server too, even for someone who kept a copy of the cookie.
    assert await app.state.cclibs.playground.sessions.load(old_cookie) == {}

    after = (await (await open_playground(http)).ok("state"))["view"]
    assert after["config"] == {"has_secret": False}
    assert after["tokens"] is None
    assert after["log"] == []
