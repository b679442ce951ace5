"""The authorization endpoint and the consent page, driven as a browser would."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from markupsafe import escape
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from cclibs.oauth.scopes import SCOPES
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import (
    CALLBACK,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    Pkce,
    assert_error_page,
    assert_redirect_error,
    consent,
    csp_directives,
    follow_sign_in,
    interaction_of,
    redeem_code,
    redirect_params,
    sign_in_target,
    start_authorization,
)
from tests.support.pages import csrf_token, sign_in

pytestmark = pytest.mark.anyio

IMS_SCOPES = "openid,creative_sdk,profile,address,AdobeID,email,cc_files,cc_libraries"


async def allow(browser: httpx.AsyncClient, client_id: str, **params: str | None) -> None:
    """Authorize once through the consent page, so that the consent is remembered."""
    page = await start_authorization(browser, client_id, **params)
    assert "code" in redirect_params(await consent(browser, page))


def assert_code(response: httpx.Response, *, redirect_uri: str = CALLBACK) -> dict[str, str]:
    assert response.headers["location"].startswith(redirect_uri + "?")
    params = redirect_params(response)
    assert params["code"]
    assert params["iss"] == "http://testserver"
    assert "error" not in params
    return params


# Sign-in and consent ------------------------------------------------------------------------


async def test_a_signed_out_user_signs_in_and_comes_back(
    client: httpx.AsyncClient, owner_id: str, web: Credential
) -> None:
    response = await start_authorization(client, web.client_id, scope="openid,profile")
    next_path, query = sign_in_target(response)
    assert "reauth" not in query
    assert next_path.startswith("/ims/authorize/v2?")
    assert parse_qs(urlsplit(next_path).query)["client_id"] == [web.client_id]
    page = await follow_sign_in(client, response)
    assert page.status_code == 200
    assert "wants to use your account" in page.text
    params = assert_code(await consent(client, page))
    assert params["state"] == "state-123"


async def test_the_consent_page_names_the_app_and_explains_each_scope(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    scope = "openid,AdobeID,profile,email,cc_libraries"
    page = await start_authorization(browser, web.client_id, scope=scope)
    assert page.status_code == 200
    assert "Web App test" in page.text
    assert "in development" in page.text
    for name in scope.split(","):
        assert str(escape(SCOPES[name].title)) in page.text, name
        assert str(escape(SCOPES[name].description)) in page.text, name
    assert str(escape(SCOPES["cc_files"].title)) not in page.text


async def test_allow_sends_back_a_code_with_state_and_iss(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id)
    response = await consent(browser, page)
    assert response.status_code == 303
    params = assert_code(response)
    assert params["state"] == "state-123"
    assert set(params) == {"code", "state", "iss"}


async def test_deny_sends_back_access_denied_with_state_and_iss(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id)
    response = await consent(browser, page, decision="deny")
    assert response.status_code == 303
    assert_redirect_error(response, "access_denied")
    # A refusal is not remembered: the next request asks again.
    assert (await start_authorization(browser, web.client_id)).status_code == 200


async def test_consent_is_remembered_for_the_same_or_fewer_scopes(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    await allow(browser, web.client_id, scope="openid,profile")
    assert_code(await start_authorization(browser, web.client_id, scope="openid,profile"))
    assert_code(await start_authorization(browser, web.client_id, scope="profile"))
    wider = await start_authorization(browser, web.client_id, scope="openid,profile,email")
    assert wider.status_code == 200
    assert str(escape(SCOPES["email"].title)) in wider.text
    forced = await start_authorization(browser, web.client_id, scope="openid", prompt="consent")
    assert forced.status_code == 200


async def test_a_first_authorization_without_scope_still_asks_for_consent(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    # No consent was ever given: the page must be shown (it has text for this very case),
    # or any application learns who the signed-in user is (the token response carries sub).
    page = await start_authorization(browser, web.client_id, scope=None)
    assert page.status_code == 200, page.headers.get("location")
    assert "Know that you signed in" in page.text


# prompt ------------------------------------------------------------------------------------


async def test_prompt_none_without_a_session_is_login_required(
    client: httpx.AsyncClient, web: Credential
) -> None:
    response = await start_authorization(client, web.client_id, prompt="none")
    assert response.status_code == 302
    assert_redirect_error(response, "login_required")


async def test_prompt_none_needing_consent_is_consent_required(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    response = await start_authorization(browser, web.client_id, prompt="none")
    assert_redirect_error(response, "consent_required")
    await allow(browser, web.client_id)
    assert_code(await start_authorization(browser, web.client_id, prompt="none"))


async def test_prompt_login_asks_a_signed_in_user_to_sign_in_again(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    response = await start_authorization(browser, web.client_id, prompt="login")
    next_path, query = sign_in_target(response)
    assert query["reauth"] == "1"
    assert "prompt" not in parse_qs(urlsplit(next_path).query)
    form = await browser.get(response.headers["location"])
    assert form.status_code == 200  # the form, although a session exists
    assert "asks you to sign in again" in form.text
    page = await follow_sign_in(browser, response)
    assert_code(await consent(browser, page))


async def test_prompt_login_consent_still_asks_for_consent_after_the_new_sign_in(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    await allow(browser, web.client_id)
    response = await start_authorization(browser, web.client_id, prompt="login consent")
    after = await follow_sign_in(browser, response)
    assert after.status_code == 200, after.headers.get("location")
    assert "wants to use your account" in after.text


# Parameters --------------------------------------------------------------------------------


async def test_ims_comma_separated_scopes_are_accepted(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id, scope=IMS_SCOPES)
    assert page.status_code == 200
    for name in IMS_SCOPES.split(","):
        assert str(escape(SCOPES[name].title)) in page.text, name
    params = assert_code(await consent(browser, page))
    tokens = await redeem_code(browser, params["code"], web.client_id, web.secret)
    assert tokens.json()["scope"] == IMS_SCOPES.replace(",", " ")


async def test_response_mode_fragment_puts_the_response_in_the_fragment(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id, response_mode="fragment")
    response = await consent(browser, page)
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    assert location.query == ""
    fragment = parse_qs(location.fragment)
    assert fragment["code"] and fragment["state"] == ["state-123"]
    assert fragment["iss"] == ["http://testserver"]


async def test_response_mode_form_post_posts_only_to_the_client_origin(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id, response_mode="form_post")
    response = await consent(browser, page)
    assert response.status_code == 200
    assert "location" not in response.headers
    assert f'<form method="post" action="{CALLBACK}"' in response.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', response.text))
    assert set(fields) == {"code", "state", "iss"}
    assert fields["state"] == "state-123"
    assert fields["iss"] == "http://testserver"
    assert '<script src="/static/form_post.js"' in response.text
    csp = csp_directives(response)
    assert csp["form-action"] == ["https://app.example.com"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'none'"]
    # The code is good at the token endpoint.
    redeemed = await redeem_code(browser, fields["code"], web.client_id, web.secret)
    assert redeemed.status_code == 200, redeemed.text


async def test_form_post_escapes_what_it_echoes(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    state = '"><script>alert(1)</script>'
    page = await start_authorization(browser, web.client_id, response_mode="form_post", state=state)
    response = await consent(browser, page)
    assert "<script>alert(1)" not in response.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in response.text


async def test_an_unknown_response_type_goes_back_as_unsupported_response_type(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    response = await start_authorization(browser, web.client_id, response_type="code_please")
    assert response.status_code == 302
    assert_redirect_error(response, "unsupported_response_type")


@pytest.mark.parametrize(
    ("client_id", "redirect_uri", "fragment"),
    [
        ("0" * 32, CALLBACK, "There is no application with this client_id."),
        (None, CALLBACK, "client_id is missing."),
        ("WEB", "https://elsewhere.example/callback", "redirect_uri is not registered"),
        ("WEB", "https://app.example.com/other", "redirect_uri is not registered"),
    ],
)
async def test_an_unknown_client_or_redirect_uri_is_a_page_never_a_redirect(
    browser: httpx.AsyncClient,
    web: Credential,
    client_id: str | None,
    redirect_uri: str,
    fragment: str,
) -> None:
    response = await start_authorization(
        browser,
        web.client_id if client_id == "WEB" else client_id,
        redirect_uri=redirect_uri,
        response_type="token",  # would be redirectable, were the target known
    )
    assert_error_page(response, "This sign-in link is not valid", fragment)


async def test_a_server_to_server_credential_cannot_sign_users_in(
    browser: httpx.AsyncClient, server_credential: Credential
) -> None:
    response = await start_authorization(browser, server_credential.client_id)
    assert_error_page(response, "Server-to-Server credential cannot sign users in")


async def test_a_development_credential_refuses_other_users(
    client: httpx.AsyncClient, app: Starlette, web: Credential
) -> None:
    await app.state.cclibs.accounts.create_user(
        email="stranger@example.com", name="A Stranger", password="stranger password"
    )
    assert (await sign_in(client, "stranger@example.com", "stranger password")).status_code == 303
    response = await start_authorization(client, web.client_id)
    assert response.status_code == 302  # no consent page
    params = assert_redirect_error(response, "access_denied")
    assert "in development" in params["error_description"]


@pytest.mark.parametrize(
    "state",
    [
        "s" * 4096,
        ('{"st":"' + "a b/c+d=é&ü?" * 400)[:4095] + "}",  # IMS: "any string" up to 4096
    ],
    ids=["url-safe", "needs-encoding"],
)
async def test_a_state_of_4096_characters_survives_sign_in_and_consent(
    client: httpx.AsyncClient, owner_id: str, web: Credential, state: str
) -> None:
    assert len(state) == 4096
    response = await start_authorization(client, web.client_id, state=state)
    page = await follow_sign_in(client, response)
    assert page.status_code == 200, page.text[:500]
    params = assert_code(await consent(client, page))
    assert params["state"] == state


async def test_a_longer_state_is_invalid_request(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    response = await start_authorization(browser, web.client_id, state="s" * 4097)
    params = assert_redirect_error(response, "invalid_request", state=None)
    assert "4096" in params["error_description"]


@pytest.mark.parametrize(
    ("scope", "named"), [("openid,cc_libraries", "cc_libraries"), ("openid,no_such", "no_such")]
)
async def test_a_scope_the_client_may_not_request_is_invalid_scope(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str, scope: str, named: str
) -> None:
    narrow = await make_credential(app, owner_id, ClientType.WEB, scopes=["openid", "AdobeID"])
    response = await start_authorization(browser, narrow.client_id, scope=scope)
    params = assert_redirect_error(response, "invalid_scope")
    assert named in params["error_description"]


@pytest.mark.parametrize("client_type", [ClientType.SPA, ClientType.NATIVE])
async def test_public_clients_must_send_a_code_challenge(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str, client_type: ClientType
) -> None:
    public = await make_credential(app, owner_id, client_type)
    response = await start_authorization(browser, public.client_id)
    params = assert_redirect_error(response, "invalid_request")
    assert "PKCE" in params["error_description"]
    challenged = await start_authorization(
        browser, public.client_id, code_challenge=Pkce.new().challenge, code_challenge_method="S256"
    )
    assert challenged.status_code == 200


@pytest.mark.parametrize("method", ["plain", None, "S512"])
async def test_only_s256_pkce_is_accepted_by_default(
    browser: httpx.AsyncClient, web: Credential, method: str | None
) -> None:
    response = await start_authorization(
        browser, web.client_id, code_challenge="v" * 43, code_challenge_method=method
    )
    params = assert_redirect_error(response, "invalid_request")
    assert "S256" in params["error_description"]


# Redirect URIs -----------------------------------------------------------------------------


async def test_without_redirect_uri_the_single_registered_one_is_used(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id, redirect_uri=None)
    assert_code(await consent(browser, page))


async def test_without_redirect_uri_a_pattern_credential_uses_its_default(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    patterned = await make_credential(
        app,
        owner_id,
        ClientType.WEB,
        redirect_uris=[],
        default_redirect_uri="https://app.example.com/default",
        redirect_uri_pattern=r"https://app\.example\.com/cb/[a-z]+",
    )
    page = await start_authorization(browser, patterned.client_id, redirect_uri=None)
    assert_code(await consent(browser, page), redirect_uri="https://app.example.com/default")
    matching = await start_authorization(
        browser, patterned.client_id, redirect_uri="https://app.example.com/cb/tenant"
    )
    assert_code(matching, redirect_uri="https://app.example.com/cb/tenant")
    outside = await start_authorization(
        browser, patterned.client_id, redirect_uri="https://app.example.com/cb/Tenant"
    )
    assert_error_page(outside, "redirect_uri is not registered")


async def test_a_registered_redirect_uri_keeps_its_query(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    registered = "https://app.example.com/callback?tenant=acme"
    tenant = await make_credential(app, owner_id, ClientType.WEB, redirect_uris=[registered])
    page = await start_authorization(browser, tenant.client_id, redirect_uri=registered)
    location = (await consent(browser, page)).headers["location"]
    assert location.startswith(registered + "&code=")
    assert parse_qs(urlsplit(location).query)["tenant"] == ["acme"]


async def test_without_redirect_uri_a_client_with_several_is_a_page(
    browser: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    several = await make_credential(
        app, owner_id, ClientType.WEB, redirect_uris=[CALLBACK, "https://app.example.com/two"]
    )
    response = await start_authorization(browser, several.client_id, redirect_uri=None)
    assert_error_page(response, "redirect_uri is required")


# The consent page's own protections -------------------------------------------------------


async def test_the_consent_page_has_strict_security_headers(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id)
    assert page.status_code == 200
    csp = csp_directives(page)
    assert csp["frame-ancestors"] == ["'none'"]
    # Its form ends in a redirect to the client, which form-action must name, and nothing else.
    assert csp["form-action"] == ["'self'", "https://app.example.com"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "access-control-allow-origin" not in page.headers


async def test_the_consent_post_needs_the_csrf_token(
    browser: httpx.AsyncClient, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id)
    response = await browser.post(
        "/ims/authorize/consent", data={"interaction": interaction_of(page), "decision": "allow"}
    )
    assert response.status_code == 403
    assert "location" not in response.headers


@pytest.mark.parametrize("tamper", ["mac", "body", "garbage"])
async def test_a_tampered_interaction_is_a_400_page(
    browser: httpx.AsyncClient, web: Credential, tamper: str
) -> None:
    page = await start_authorization(browser, web.client_id)
    body, _, mac = interaction_of(page).partition(".")
    forged = {
        "mac": f"{body}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        "body": f"{body[:-2]}AA.{mac}",
        "garbage": "not-an-interaction",
    }[tamper]
    response = await browser.post(
        "/ims/authorize/consent",
        data={
            "csrf_token": await csrf_token(browser, "/signin?reauth=1"),
            "interaction": forged,
            "decision": "allow",
        },
    )
    assert_error_page(response, "The consent form is not valid.")


async def test_an_interaction_from_another_session_is_a_400_page(
    browser: httpx.AsyncClient, app: Starlette, web: Credential
) -> None:
    page = await start_authorization(browser, web.client_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await sign_in(other, OWNER_EMAIL, OWNER_PASSWORD)).status_code == 303
        response = await other.post(
            "/ims/authorize/consent",
            data={
                "csrf_token": await csrf_token(other, "/signin?reauth=1"),
                "interaction": interaction_of(page),
                "decision": "allow",
            },
        )
    assert_error_page(response, "another sign-in")


async def test_the_consent_form_expires_after_ten_minutes(
    browser: httpx.AsyncClient, web: Credential, clock: FrozenClock
) -> None:
    page = await start_authorization(browser, web.client_id)
    clock.advance(timedelta(minutes=11))
    response = await consent(browser, page)
    assert_error_page(response, "expired")
