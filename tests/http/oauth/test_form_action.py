"""form-action on the pages whose forms end in a redirect to an application.

Browsers apply CSP ``form-action`` to the redirects that follow a form submission, so the
consent page, a sign-in page that continues an authorization, and the logout confirmation
name the application's validated redirect target; every other page allows only itself.
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import Credential, make_credential
from tests.support.oauth_flow import csp_directives, start_authorization

pytestmark = pytest.mark.anyio


def form_action(response: httpx.Response) -> list[str]:
    return csp_directives(response)["form-action"]


async def test_the_consent_page_names_the_redirect_origin(
    browser: httpx.AsyncClient, web_credential: Credential
) -> None:
    page = await start_authorization(browser, web_credential.client_id)
    assert page.status_code == 200
    assert form_action(page) == ["'self'", "https://app.example.com"]


async def test_a_private_use_scheme_is_named_by_its_scheme(
    app: Starlette, owner_id: str, browser: httpx.AsyncClient
) -> None:
    native = await make_credential(
        app, owner_id, ClientType.NATIVE, redirect_uris=["com.example.swatch:/callback"]
    )
    page = await start_authorization(
        browser,
        native.client_id,
        redirect_uri="com.example.swatch:/callback",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method="S256",
    )
    assert page.status_code == 200
    assert form_action(page) == ["'self'", "com.example.swatch:"]


async def test_sign_in_during_an_authorization_names_the_redirect_origin(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    query = urlencode(
        {
            "client_id": web_credential.client_id,
            "response_type": "code",
            "redirect_uri": "https://app.example.com/callback",
            "scope": "openid",
        }
    )
    page = await client.get("/signin", params={"next": f"/ims/authorize/v2?{query}"})
    assert form_action(page) == ["'self'", "https://app.example.com"]
    signup = await client.get("/signup", params={"next": f"/ims/authorize/v2?{query}"})
    assert form_action(signup) == ["'self'", "https://app.example.com"]


async def test_an_unregistered_target_is_never_named(
    client: httpx.AsyncClient, web_credential: Credential
) -> None:
    query = urlencode(
        {
            "client_id": web_credential.client_id,
            "response_type": "code",
            "redirect_uri": "https://evil.example/steal",
            "scope": "openid",
        }
    )
    page = await client.get("/signin", params={"next": f"/ims/authorize/v2?{query}"})
    assert form_action(page) == ["'self'"]
    plain = await client.get("/signin", params={"next": "/account"})
    assert form_action(plain) == ["'self'"]
