"""max_age (OIDC Core §3.1.2.1): a sign-in older than max_age must be done again."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cclibs.clock import FrozenClock
from tests.http.oauth.conftest import Credential, decode_with_jwks
from tests.support.oauth_flow import authorize_code, redirect_params
from tests.support.pages import submit

pytestmark = pytest.mark.anyio


async def test_an_old_sign_in_is_asked_again_and_auth_time_moves(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    first = await authorize_code(client, web_credential.client_id)
    clock.advance(timedelta(minutes=30))
    params = {
        "client_id": web_credential.client_id,
        "scope": "openid,AdobeID,profile,email,offline_access",
        "state": "s2",
        "max_age": "600",
    }
    again = await client.get("/ims/authorize/v2", params=params)
    assert again.status_code == 302
    location = urlsplit(again.headers["location"])
    assert location.path == "/signin"
    query = parse_qs(location.query)
    assert query["reauth"] == ["1"]
    # The sign-in page shows its form again although this browser is signed in.
    signed = await submit(
        client,
        "/signin?reauth=1",
        "/signin",
        {
            "email": "dev@example.com",
            "password": "developer password",
            "next": query["next"][0],
        },
    )
    result = redirect_params(await client.get(signed.headers["location"]))
    assert result["state"] == "s2" and first["code"] != result["code"]
    tokens = (
        await client.post(
            "/ims/token/v3",
            data={"grant_type": "authorization_code", "code": result["code"]},
            auth=(web_credential.client_id, web_credential.secret or ""),
        )
    ).json()
    _, claims = await decode_with_jwks(client, tokens["id_token"])
    assert claims["auth_time"] == int(clock.now().timestamp())


async def test_a_recent_sign_in_passes(
    client: httpx.AsyncClient, web_credential: Credential, clock: FrozenClock
) -> None:
    await authorize_code(client, web_credential.client_id)
    clock.advance(timedelta(minutes=5))
    response = await client.get(
        "/ims/authorize/v2",
        params={
            "client_id": web_credential.client_id,
            "scope": "openid",
            "max_age": "600",
        },
    )
    assert "code" in redirect_params(response)


@pytest.mark.parametrize("value", ["-1", "ten", "1e3", "99999999999", "²", "٣"])
async def test_a_malformed_max_age_is_invalid_request(
    client: httpx.AsyncClient, web_credential: Credential, value: str
) -> None:
    response = await client.get(
        "/ims/authorize/v2",
        params={
            "client_id": web_credential.client_id,
            "scope": "openid",
            "max_age": value,
            "state": "x",
        },
    )
    result = redirect_params(response)
    assert result["error"] == "invalid_request" and result["state"] == "x"
