"""Applications a user connects to: a credential anyone may authorize, and real tokens for it."""

from __future__ import annotations

import httpx
from sqlalchemy import update
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from cclibs.storage.tables import ClientRow
from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import CALLBACK, Pkce, authorize_code, exchange_code
from tests.support.pages import csrf_token

USER_SCOPES = "openid,AdobeID,profile,email,offline_access"


async def make_app(app: Starlette, owner_id: str, name: str) -> Credential:
    """A Web App credential named ``name``, in production so that anyone may authorize it."""
    state = app.state.cclibs
    created = await state.oauth.clients.create(
        owner_id=owner_id,
        client_type=ClientType.WEB,
        name=name,
        redirect_uris=[CALLBACK],
        scopes=USER_SCOPES.split(","),
    )
    async with state.db.write() as session:
        await session.execute(
            update(ClientRow)
            .where(ClientRow.client_id == created.client.client_id)
            .values(in_production=True)
        )
    return Credential(created.client.client_id, created.secret)


async def tokens_for(
    browser: httpx.AsyncClient, cred: Credential, scope: str = USER_SCOPES
) -> dict[str, str]:
    """As the browser's signed-in user: consent (when asked) and redeem the code."""
    pkce = Pkce.new()
    params = await authorize_code(browser, cred.client_id, scope=scope, pkce=pkce)
    response = await exchange_code(
        browser, cred.client_id, params["code"], secret=cred.secret, pkce=pkce
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def userinfo(http: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await http.get("/ims/userinfo/v2", headers={"authorization": f"Bearer {access_token}"})


async def post_form(
    browser: httpx.AsyncClient, action: str, fields: dict[str, str] | None = None
) -> httpx.Response:
    """POST a form to ``action`` with the CSRF token of the browser's account page."""
    token = await csrf_token(browser, "/account")
    return await browser.post(action, data={"csrf_token": token, **(fields or {})})
