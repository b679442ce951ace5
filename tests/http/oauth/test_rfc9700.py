"""RFC 9700 (OAuth 2.0 Security Best Current Practice), one test per applicable item.

Each test is named ``test_rfc9700_<item>`` and cites the section it checks; the list follows
spec/oauth-anchors.md §6.1.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.config import Settings
from cclibs.oauth.clients import ClientType
from cclibs.oauth.registration import RegistrationError
from tests.http.oauth.conftest import (
    Credential,
    assert_oauth_error,
    decode_with_jwks,
    make_credential,
)
from tests.support.oauth_flow import (
    CALLBACK,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Pkce,
    assert_error_page,
    assert_redirect_error,
    authorize_code,
    consent,
    csp_directives,
    redeem_code,
    redirect_params,
    refresh,
    start_authorization,
)
from tests.support.pages import sign_in

pytestmark = pytest.mark.anyio

DISCOVERY = "/.well-known/openid-configuration"


async def tokens_for(browser: httpx.AsyncClient, web: Credential, **options: Any) -> dict[str, str]:
    params = await authorize_code(browser, web.client_id, **options)
    response = await redeem_code(browser, params["code"], web.client_id, web.secret)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def userinfo(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/ims/userinfo/v2", headers={"authorization": f"Bearer {access_token}"})


# Redirect URIs (§2.1, §4.1, §4.11) ----------------------------------------------------------


@pytest.mark.parametrize(
    "requested",
    [
        "https://APP.example.com/callback",  # case
        "HTTPS://app.example.com/callback",
        "https://app.example.com/Callback",
        "https://app.example.com/callback/",  # trailing slash
        "https://app.example.com/callback?next=/admin",  # extra query
        "https://app.example.com/callback/../evil",  # path suffix
        "https://app.example.com/callbackx",
        "https://app.example.com/callback#_",  # fragment
        "https://app.example.com:443/callback",
        "http://app.example.com/callback",
        "https://app.example.com.evil.example/callback",
        "https://evil.example/https://app.example.com/callback",
        "https://app.example.com/callback%20",
    ],
)
async def test_rfc9700_exact_redirect_uri_matching(
    browser: httpx.AsyncClient, web: Credential, requested: str
) -> None:
    """§2.1 / §4.1.3: simple string comparison (RFC 3986 §6.2.1); near misses are a page."""
    response = await start_authorization(browser, web.client_id, redirect_uri=requested)
    assert_error_page(response, "redirect_uri is not registered")


@pytest.mark.parametrize(
    ("client_type", "registered", "requested", "accepted"),
    [
        (ClientType.NATIVE, "http://127.0.0.1/cb", "http://127.0.0.1:50123/cb", True),
        (ClientType.NATIVE, "http://[::1]:8000/cb", "http://[::1]:50123/cb", True),
        (ClientType.NATIVE, "http://127.0.0.1/cb", "http://127.0.0.1:50123/other", False),
        (ClientType.NATIVE, "http://127.0.0.1/cb", "http://127.0.0.2:50123/cb", False),
        (ClientType.NATIVE, "http://127.0.0.1/cb", "http://[::1]:50123/cb", False),
        (ClientType.NATIVE, "http://127.0.0.1/cb", "https://127.0.0.1:50123/cb", False),
        (ClientType.NATIVE, "http://127.0.0.1/cb", "http://127.0.0.1:50123/cb?x=1", False),
        (ClientType.WEB, "http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb", False),
        (ClientType.SPA, "http://127.0.0.1:8080/cb", "http://127.0.0.1:9090/cb", False),
    ],
)
async def test_rfc9700_loopback_port_varies_for_native_apps_only(
    browser: httpx.AsyncClient,
    app: Starlette,
    owner_id: str,
    client_type: ClientType,
    registered: str,
    requested: str,
    accepted: bool,
) -> None:
    """§2.1 and RFC 8252 §7.3: the one exception to exact matching."""
    credential = await make_credential(app, owner_id, client_type, redirect_uris=[registered])
    pkce = Pkce.new()
    response = await start_authorization(
        browser,
        credential.client_id,
        redirect_uri=requested,
        code_challenge=pkce.challenge,
        code_challenge_method="S256",
    )
    if not accepted:
        assert_error_page(response, "redirect_uri is not registered")
        return
    assert response.status_code == 200  # the consent page
    answer = await consent(browser, response)
    assert answer.headers["location"].startswith(requested + "?")
    tokens = await redeem_code(
        browser,
        redirect_params(answer)["code"],
        credential.client_id,
        redirect_uri=requested,
        code_verifier=pkce.verifier,
    )
    assert tokens.status_code == 200, tokens.text


@pytest.mark.parametrize("uri", ["http://app.example.com/cb", "http://10.0.0.1/cb"])
async def test_rfc9700_non_loopback_http_redirect_uris_are_refused(
    app: Starlette, owner_id: str, uri: str
) -> None:
    """§2.6: plain http only for the loopback interface."""
    with pytest.raises(RegistrationError, match="use https"):
        await make_credential(app, owner_id, ClientType.WEB, redirect_uris=[uri])


_LEADS_THERE = re.compile(
    r"""(href|action|src|content|formaction)\s*=\s*["']?[^"'>]*evil\.example"""
)


@pytest.mark.parametrize(
    ("client_id", "redirect_uri"),
    [
        ("0" * 32, "https://evil.example/"),
        ("WEB", "https://evil.example/"),
        ("WEB", "https://evil.example/callback"),
        (None, "https://evil.example/"),
    ],
)
async def test_rfc9700_no_open_redirector(
    browser: httpx.AsyncClient, web: Credential, client_id: str | None, redirect_uri: str
) -> None:
    """§4.11: errors about the client or redirect URI never redirect, whatever else is wrong."""
    for params in ({}, {"response_type": "token"}, {"scope": "nope"}, {"prompt": "none"}):
        response = await start_authorization(
            browser,
            web.client_id if client_id == "WEB" else client_id,
            redirect_uri=redirect_uri,
            **params,
        )
        assert_error_page(response)
        # The page may name the URI that was sent (as text, for the developer), never lead
        # there: no link, form, frame or refresh carries it.
        assert not _LEADS_THERE.search(response.text), response.text


# Authorization code and PKCE (§2.1.1, §4.2.4, §4.5, §4.8) -----------------------------------


async def test_rfc9700_pkce_downgrade_is_refused(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§4.8.2: a code_verifier for a code requested without code_challenge → invalid_grant."""
    params = await authorize_code(browser, web.client_id)
    response = await redeem_code(
        browser, params["code"], web.client_id, web.secret, code_verifier=Pkce.new().verifier
    )
    assert_oauth_error(response, 400, "invalid_grant", "no code_challenge")


async def test_rfc9700_pkce_is_enforced_when_a_challenge_was_sent(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§2.1.1: a confidential client that sent a challenge must send the verifier too."""
    pkce = Pkce.new()
    params = await authorize_code(browser, web.client_id, pkce=pkce)
    missing = await redeem_code(browser, params["code"], web.client_id, web.secret)
    assert_oauth_error(missing, 400, "invalid_grant", "code_verifier is required")
    good = await redeem_code(
        browser, params["code"], web.client_id, web.secret, code_verifier=pkce.verifier
    )
    assert good.status_code == 200, good.text


async def test_rfc9700_plain_pkce_is_refused(browser: httpx.AsyncClient, web: Credential) -> None:
    """§2.1.1: S256 only (plain is off by default)."""
    response = await start_authorization(
        browser, web.client_id, code_challenge="p" * 43, code_challenge_method="plain"
    )
    assert_redirect_error(response, "invalid_request")


async def test_rfc9700_code_replay_revokes_the_tokens_issued_with_it(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§4.2.4 (RFC 6749 §4.1.2): the second redemption fails and the first one's tokens die."""
    params = await authorize_code(browser, web.client_id)
    first = await redeem_code(browser, params["code"], web.client_id, web.secret)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert (await userinfo(browser, tokens["access_token"])).status_code == 200
    replay = await redeem_code(browser, params["code"], web.client_id, web.secret)
    assert_oauth_error(replay, 400, "invalid_grant", "already used")
    revoked = await userinfo(browser, tokens["access_token"])
    assert revoked.status_code == 401
    assert revoked.json()["error"] == "invalid_token"
    renewed = await refresh(browser, web.client_id, tokens["refresh_token"], secret=web.secret)
    assert_oauth_error(renewed, 400, "invalid_grant")


async def test_rfc9700_code_is_bound_to_its_client_and_redirect_uri(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str, web: Credential
) -> None:
    """§4.5 / RFC 6749 §4.1.3."""
    other = await make_credential(app, owner_id, ClientType.WEB)
    params = await authorize_code(browser, web.client_id)
    stolen = await redeem_code(browser, params["code"], other.client_id, other.secret)
    assert_oauth_error(stolen, 400, "invalid_grant", "another client")
    moved = await redeem_code(
        browser,
        params["code"],
        web.client_id,
        web.secret,
        redirect_uri="https://app.example.com/elsewhere",
    )
    assert_oauth_error(moved, 400, "invalid_grant", "redirect_uri")


async def test_rfc9700_codes_are_unguessable(browser: httpx.AsyncClient, web: Credential) -> None:
    """§4.5.3 / RFC 6749 §10.10: at least 128 bits of randomness, never repeated."""
    codes = {(await authorize_code(browser, web.client_id))["code"] for _ in range(3)}
    assert len(codes) == 3
    assert all(len(code) >= 43 for code in codes)  # 32 random bytes, base64url


# CSRF and mix-up (§2.1, §4.4, §4.7; RFC 9207) ------------------------------------------------


async def test_rfc9700_iss_in_every_authorization_response(
    client: httpx.AsyncClient, owner_id: str, web: Credential, settings: Settings
) -> None:
    """§4.4.2 / RFC 9207 §2: iss on successes and on errors, in every response mode."""
    signed_out = await start_authorization(client, web.client_id, prompt="none")
    assert_redirect_error(signed_out, "login_required", issuer=settings.issuer)
    assert (await sign_in(client, OWNER_EMAIL, OWNER_PASSWORD)).status_code == 303
    errors = {
        "unsupported_response_type": {"response_type": "token"},
        "invalid_scope": {"scope": "openid,nope"},
        "invalid_request": {"code_challenge_method": "S256"},
        "consent_required": {"prompt": "none"},
    }
    for error, params in errors.items():
        response = await start_authorization(client, web.client_id, **params)
        assert_redirect_error(response, error, issuer=settings.issuer)
    denied = await consent(client, await start_authorization(client, web.client_id), "deny")
    assert_redirect_error(denied, "access_denied", issuer=settings.issuer)
    for mode in ("query", "fragment"):
        page = await start_authorization(
            client, web.client_id, response_mode=mode, prompt="consent"
        )
        assert redirect_params(await consent(client, page))["iss"] == settings.issuer
    posted = await start_authorization(client, web.client_id, response_mode="form_post")
    assert f'name="iss" value="{settings.issuer}"' in posted.text


async def test_rfc9700_state_is_echoed_and_nonce_reaches_the_id_token(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§2.1 / §4.7.1: state (CSRF) round-trips; the nonce is in the ID token (OIDC)."""
    page = await start_authorization(
        browser, web.client_id, state="csrf-Xy_9", nonce="nonce-Ab_1", scope="openid"
    )
    params = redirect_params(await consent(browser, page))
    assert params["state"] == "csrf-Xy_9"
    body = (await redeem_code(browser, params["code"], web.client_id, web.secret)).json()
    _, claims = await decode_with_jwks(browser, body["id_token"])
    assert claims["nonce"] == "nonce-Ab_1"


# Legacy grants (§2.1.2, §2.4) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "response_type", ["token", "id_token", "id_token token", "code id_token", "code token"]
)
async def test_rfc9700_implicit_and_hybrid_are_not_offered(
    browser: httpx.AsyncClient, web: Credential, response_type: str
) -> None:
    """§2.1.2: no token in the front channel; discovery advertises only ``code``."""
    response = await start_authorization(
        browser, web.client_id, response_type=response_type, nonce="n"
    )
    params = assert_redirect_error(response, "unsupported_response_type")
    assert not {"access_token", "id_token"} & set(params)
    document = (await browser.get(DISCOVERY)).json()
    assert document["response_types_supported"] == ["code"]
    assert not {"implicit", "password"} & set(document["grant_types_supported"])


async def test_rfc9700_resource_owner_password_grant_is_not_offered(
    client: httpx.AsyncClient, web: Credential
) -> None:
    """§2.4: ROPC MUST NOT be used."""
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "password", "username": OWNER_EMAIL, "password": OWNER_PASSWORD},
        auth=(web.client_id, web.secret or ""),
    )
    assert_oauth_error(response, 400, "unsupported_grant_type")


# Browser-facing endpoints (§4.2, §4.12, §4.16) ----------------------------------------------


async def test_rfc9700_303_after_the_consent_post(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§4.12: never 307 after a POST that carried credentials or a decision."""
    for decision in ("allow", "deny"):
        page = await start_authorization(browser, web.client_id, prompt="consent")
        response = await consent(browser, page, decision)
        assert response.status_code == 303
        assert response.headers["location"].startswith(CALLBACK)


async def _browser_facing_pages(
    client: httpx.AsyncClient, web: Credential
) -> dict[str, httpx.Response]:
    """Sign-in, consent, form_post and error pages, with the 302s between them."""
    pages = {"signin": await client.get("/signin")}
    pages["to_signin"] = await start_authorization(client, web.client_id)
    assert (await sign_in(client, OWNER_EMAIL, OWNER_PASSWORD)).status_code == 303
    pages["consent"] = await start_authorization(client, web.client_id)
    pages["after_consent"] = await consent(client, pages["consent"])
    pages["code_redirect"] = await start_authorization(client, web.client_id)
    pages["form_post"] = await start_authorization(client, web.client_id, response_mode="form_post")
    pages["error"] = await start_authorization(client, "0" * 32)
    pages["reauth"] = await client.get("/signin?reauth=1")
    return pages


async def test_rfc9700_clickjacking_protection_on_sign_in_consent_and_error_pages(
    client: httpx.AsyncClient, owner_id: str, web: Credential
) -> None:
    """§4.16: X-Frame-Options and CSP frame-ancestors on every page a user acts on."""
    pages = await _browser_facing_pages(client, web)
    for name in ("signin", "consent", "form_post", "error", "reauth"):
        page = pages[name]
        assert page.status_code in (200, 400), name
        assert page.headers["x-frame-options"] == "DENY", name
        assert csp_directives(page)["frame-ancestors"] == ["'none'"], name


async def test_rfc9700_no_referrer_and_no_cors_on_the_authorization_endpoint(
    client: httpx.AsyncClient, owner_id: str, web: Credential
) -> None:
    """§4.2.4: Referrer-Policy no-referrer, so codes and state do not leak; §2.6: no CORS."""
    pages = await _browser_facing_pages(client, web)
    for name, page in pages.items():
        assert page.headers["referrer-policy"] == "no-referrer", name
        assert page.headers["cache-control"] == "no-store", name
        assert "access-control-allow-origin" not in page.headers, name
    preflight = await client.options(
        "/ims/authorize/v2",
        headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


# Access-token use (§4.3.2) ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ims/userinfo/v2", "/ims/profile/v1"])
async def test_rfc9700_access_tokens_in_the_query_string_are_refused(
    browser: httpx.AsyncClient, web: Credential, path: str
) -> None:
    """§4.3.2: a token in the URI ends up in logs and Referer headers."""
    tokens = await tokens_for(browser, web)
    response = await browser.get(path, params={"access_token": tokens["access_token"]})
    assert_oauth_error(response, 400, "invalid_request", "Authorization header")
    both = await browser.get(
        path,
        params={"access_token": tokens["access_token"]},
        headers={"authorization": f"Bearer {tokens['access_token']}"},
    )
    assert both.status_code == 400
    assert (await userinfo(browser, tokens["access_token"])).status_code == 200


# Refresh tokens (§4.14) ---------------------------------------------------------------------


async def test_rfc9700_refresh_token_is_bound_to_its_client(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str, web: Credential
) -> None:
    """§4.14.2: client 2 cannot use client 1's refresh token (also an OIDF conformance test)."""
    other = await make_credential(app, owner_id, ClientType.WEB)
    tokens = await tokens_for(browser, web)
    stolen = await refresh(browser, other.client_id, tokens["refresh_token"], secret=other.secret)
    assert_oauth_error(stolen, 400, "invalid_grant", "another client")
    # The attempt neither spent nor revoked the rightful client's token.
    mine = await refresh(browser, web.client_id, tokens["refresh_token"], secret=web.secret)
    assert mine.status_code == 200, mine.text


async def test_rfc9700_refresh_cannot_widen_the_scope(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """§4.14.2 / RFC 6749 §6: narrowing is fine, widening beyond the consent is invalid_scope."""
    tokens = await tokens_for(browser, web, scope="openid,AdobeID,offline_access")
    wider = await refresh(
        browser, web.client_id, tokens["refresh_token"], secret=web.secret, scope="openid email"
    )
    assert_oauth_error(wider, 400, "invalid_scope", "email")
    narrower = await refresh(
        browser, web.client_id, tokens["refresh_token"], secret=web.secret, scope="openid"
    )
    assert narrower.status_code == 200, narrower.text
    assert narrower.json()["scope"] == "openid"


async def test_rfc9700_token_responses_are_never_stored(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    """RFC 6749 §5.1, relied on by §4.14: no-store on successes and errors alike."""
    params = await authorize_code(browser, web.client_id)
    success = await redeem_code(browser, params["code"], web.client_id, web.secret)
    failure = await redeem_code(browser, params["code"], web.client_id, web.secret)
    renewed = await refresh(
        browser, web.client_id, success.json()["refresh_token"], secret=web.secret
    )
    for response in (success, failure, renewed):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["pragma"] == "no-cache"


# Metadata (§2.6, RFC 8414, RFC 9207) -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
        "/ims/.well-known/openid-configuration",
    ],
)
async def test_rfc9700_metadata_names_this_issuer_and_its_protections(
    client: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    """RFC 8414 §3.3: issuer is the URL the metadata is served from; mix-up and PKCE flags."""
    document = (await client.get(path)).json()
    assert document["issuer"] == settings.issuer == str(client.base_url).rstrip("/")
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_endpoint"] == settings.issuer + "/ims/authorize/v2"
