"""The address scope: the country a user sets on the account page, as IMS's address.country."""

from __future__ import annotations

import httpx
import pytest

from tests.http.oauth.conftest import Credential
from tests.support.oauth_flow import authorize_code
from tests.support.pages import submit

pytestmark = pytest.mark.anyio


async def _userinfo(client: httpx.AsyncClient, web: Credential, scope: str) -> dict[str, object]:
    params = await authorize_code(client, web.client_id, scope=scope)
    tokens = (
        await client.post(
            "/ims/token/v3",
            data={"grant_type": "authorization_code", "code": params["code"]},
            auth=(web.client_id, web.secret or ""),
        )
    ).json()
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    profile = (await client.get("/ims/profile/v1", headers=headers)).json()
    claims = (await client.get("/ims/userinfo/v2", headers=headers)).json()
    return {"userinfo": claims, "profile": profile}


async def test_country_reaches_userinfo_and_profile(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    before = await _userinfo(client, web_credential, "openid,address")
    assert "address" not in before["userinfo"]  # type: ignore[operator]
    saved = await submit(client, "/account", "/account/country", {"country": " de "})
    assert saved.status_code == 303
    assert "Your country is saved" in (await client.get("/account?country=1")).text
    after = await _userinfo(client, web_credential, "openid,address")
    assert after["userinfo"]["address"] == {"country": "DE"}  # type: ignore[index]
    assert after["profile"]["countryCode"] == "DE"  # type: ignore[index]
    without = await _userinfo(client, web_credential, "openid,email")
    assert "address" not in without["userinfo"]  # type: ignore[operator]


@pytest.mark.parametrize("value", ["Germany", "D1", "é", "U"])
async def test_a_bad_country_code_is_refused_beside_the_field(
    client: httpx.AsyncClient, web_credential: Credential, value: str
) -> None:
    await authorize_code(client, web_credential.client_id, scope="openid")
    response = await submit(client, "/account", "/account/country", {"country": value})
    assert response.status_code == 400
    assert 'id="country-error"' in response.text
    assert "two-letter country code" in response.text
