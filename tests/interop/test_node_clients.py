"""Node's certified OpenID relying-party libraries against the live server.

openid-client v6 plays a confidential Web App and oauth4webapi a public Native App; each runs
the whole flow with its own checks (ID token signature, iss, aud, nonce, state, RFC 9207 iss,
RFC 9068 access tokens) and reports what it got, which is asserted here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.interop.conftest import (
    NATIVE_CALLBACK,
    USER_EMAIL,
    USER_NAME,
    LiveIssuer,
    NodeScriptFactory,
    authorize_as_user,
)

pytestmark = pytest.mark.anyio

SCOPE = "openid AdobeID profile email offline_access"


async def run_flow(
    node_script: NodeScriptFactory,
    name: str,
    issuer: LiveIssuer,
    config: dict[str, Any],
    redirect_uri: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a script's flow, playing the user in between; its authorization request and result."""
    async with node_script(name) as script:
        await script.send({"issuer": issuer.url, "redirect_uri": redirect_uri, **config})
        request = await script.receive()
        callback = await authorize_as_user(issuer, request["authorize"], redirect_uri)
        await script.send({"callback": callback})
        result: dict[str, Any] = (await script.receive())["result"]
    return request, result


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def test_openid_client_web_app_code_flow_userinfo_refresh_and_revocation(
    node_script: NodeScriptFactory, live_issuer: LiveIssuer
) -> None:
    web = live_issuer.web
    assert web.redirect_uri is not None
    request, result = await run_flow(
        node_script,
        "openid_client_flow.mjs",
        live_issuer,
        {"client_id": web.client_id, "client_secret": web.secret, "scope": SCOPE},
        web.redirect_uri,
    )

    sent = query_of(request["authorize"])
    assert urlsplit(request["authorize"]).path == "/ims/authorize/v2"
    assert sent["code_challenge_method"] == "S256"
    assert sent["nonce"] == request["nonce"]
    assert result["server_metadata"]["issuer"] == live_issuer.url

    token = result["token"]
    assert token["token_type"] == "bearer"
    assert token["scope"] == SCOPE
    assert token["expires_in"] == 86400
    assert token["refresh_token"]

    claims = result["id_token_claims"]
    assert claims["iss"] == live_issuer.url
    assert claims["aud"] == web.client_id
    assert claims["sub"] == live_issuer.user_id
    assert claims["nonce"] == request["nonce"]
    assert claims["at_hash"]

    assert result["userinfo"] == {
        "sub": live_issuer.user_id,
        "name": USER_NAME,
        "given_name": "Ada",
        "family_name": "Interop",
        "account_type": "ind",
        "email": USER_EMAIL,
        "email_verified": False,
    }

    refreshed = result["refreshed"]
    assert refreshed["token_type"] == "bearer"
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != token["refresh_token"], "the refresh token must rotate"
    assert result["userinfo_after_refresh"]["sub"] == live_issuer.user_id

    # RFC 7009 §2.1: revoking the refresh token revokes the grant, access tokens included.
    after = result["refresh_after_revocation"]
    assert after["ok"] is False
    assert (after["error"]["status"], after["error"]["error"]) == (400, "invalid_grant")
    userinfo_after = result["userinfo_after_revocation"]
    assert userinfo_after["ok"] is False
    assert userinfo_after["error"]["status"] == 401
    [challenge] = userinfo_after["error"]["challenges"]
    assert challenge["scheme"] == "bearer"
    assert challenge["parameters"]["error"] == "invalid_token"


async def test_oauth4webapi_native_app_code_flow_and_rfc9068_access_tokens(
    node_script: NodeScriptFactory, live_issuer: LiveIssuer
) -> None:
    native = live_issuer.native
    request, result = await run_flow(
        node_script,
        "oauth4webapi_flow.mjs",
        live_issuer,
        {"client_id": native.client_id, "scope": SCOPE},
        NATIVE_CALLBACK,
    )

    assert query_of(request["authorize"])["redirect_uri"] == NATIVE_CALLBACK
    assert result["server_metadata"]["issuer"] == live_issuer.url

    token = result["token"]
    assert token["token_type"] == "bearer"
    assert token["refresh_token"]

    claims = result["id_token_claims"]
    assert claims["iss"] == live_issuer.url
    assert claims["aud"] == native.client_id
    assert claims["sub"] == live_issuer.user_id
    assert claims["nonce"] == request["nonce"]

    assert result["userinfo"]["sub"] == live_issuer.user_id
    assert result["userinfo"]["email"] == USER_EMAIL

    access = result["access_token_claims"]
    assert access["iss"] == live_issuer.url
    assert access["aud"] == live_issuer.api_audience
    assert access["sub"] == live_issuer.user_id
    assert access["client_id"] == native.client_id
    assert access["scope"] == SCOPE
    assert access["exp"] - access["iat"] == 86400

    wrong = result["wrong_audience"]
    assert wrong["ok"] is False
    assert wrong["error"]["code"] == "OAUTH_JWT_CLAIM_COMPARISON_FAILED", wrong

    refreshed = result["refreshed"]
    assert refreshed["refresh_token"] != token["refresh_token"], "the refresh token must rotate"
    again = result["refreshed_access_token_claims"]
    assert again["jti"] != access["jti"]
    assert again["aud"] == live_issuer.api_audience
    assert again["scope"] == SCOPE
