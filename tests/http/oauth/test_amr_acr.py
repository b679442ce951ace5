"""How the user signed in, in ID tokens (OIDC Core §2: ``amr`` with RFC 8176 values, ``acr``),
and prompt=login and max_age asking for the second step as well as the password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cclibs.clock import FrozenClock
from cclibs.oauth.authn_context import ACR_ONE_STEP, ACR_TWO_STEP
from tests.http.oauth.conftest import Credential, decode_with_jwks
from tests.support.oauth_flow import authorize_code, consent, redirect_params
from tests.support.pages import submit
from tests.support.two_step import Enrolled, enrol

pytestmark = pytest.mark.anyio

STEP = timedelta(seconds=30)


async def _id_token_claims(
    client: httpx.AsyncClient, credential: Credential, code: str
) -> dict[str, Any]:
    tokens = (
        await client.post(
            "/ims/token/v3",
            data={"grant_type": "authorization_code", "code": code},
            auth=(credential.client_id, credential.secret or ""),
        )
    ).json()
    _, claims = await decode_with_jwks(client, tokens["id_token"])
    return claims


async def _fresh_sign_in(
    client: httpx.AsyncClient,
    credential: Credential,
    enrolled: Enrolled,
    clock: FrozenClock,
    extra: dict[str, str],
) -> dict[str, str]:
    """An authorization request that wants a fresh sign-in; returns the redirect's params."""
    params = {"client_id": credential.client_id, "scope": "openid,AdobeID", **extra}
    again = await client.get("/ims/authorize/v2", params=params)
    assert again.status_code == 302
    location = urlsplit(again.headers["location"])
    assert location.path == "/signin"
    target = parse_qs(location.query)["next"][0]
    password = await submit(
        client,
        "/signin?reauth=1",
        "/signin",
        {"email": "dev@example.com", "password": "developer password", "next": target},
    )
    # A right password is not enough: the second step is asked, and leads back to the request.
    assert password.status_code == 303
    assert urlsplit(password.headers["location"]).path == "/signin/second-step"
    second = await submit(
        client,
        password.headers["location"],
        "/signin/second-step",
        {"code": enrolled.code_at(clock.now()), "next": target},
    )
    assert second.status_code == 303 and second.headers["location"] == target
    response = await client.get(target)
    if response.status_code == 200:
        response = await consent(client, response)
    return redirect_params(response)


async def test_a_password_sign_in_says_pwd(
    browser: httpx.AsyncClient, web_credential: Credential
) -> None:
    result = await authorize_code(browser, web_credential.client_id)
    claims = await _id_token_claims(browser, web_credential, result["code"])
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == ACR_ONE_STEP


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "600"}])
async def test_a_fresh_sign_in_asks_for_the_second_step_and_says_otp(
    browser: httpx.AsyncClient,
    web_credential: Credential,
    clock: FrozenClock,
    extra: dict[str, str],
) -> None:
    await authorize_code(browser, web_credential.client_id)
    enrolled = await enrol(browser, clock.now())
    clock.advance(timedelta(minutes=30) + STEP)
    result = await _fresh_sign_in(browser, web_credential, enrolled, clock, extra)
    claims = await _id_token_claims(browser, web_credential, result["code"])
    assert claims["amr"] == ["pwd", "otp"]
    assert claims["acr"] == ACR_TWO_STEP
    assert claims["auth_time"] == int(clock.now().timestamp())


async def test_discovery_names_the_acr_values_and_claims(client: httpx.AsyncClient) -> None:
    document = (await client.get("/.well-known/openid-configuration")).json()
    assert document["acr_values_supported"] == [ACR_ONE_STEP, ACR_TWO_STEP]
    assert {"amr", "acr"} <= set(document["claims_supported"])
