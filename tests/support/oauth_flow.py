"""Driving the authorization code flow over HTTP as a browser and a client would."""

from __future__ import annotations

import re
import secrets
from urllib.parse import parse_qs, urlsplit

import httpx

from cclibs.sdk.pkce import Pkce
from tests.support.pages import sign_in

_INTERACTION = re.compile(r'name="interaction" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def redirect_params(response: httpx.Response) -> dict[str, str]:
    """The parameters of an authorization response redirect (query or fragment)."""
    assert response.status_code in (302, 303), (response.status_code, response.text[:500])
    location = urlsplit(response.headers["location"])
    raw = location.fragment or location.query
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


async def consent(
    browser: httpx.AsyncClient, page: httpx.Response, decision: str = "allow"
) -> httpx.Response:
    """Submit the consent page that ``page`` shows."""
    assert page.status_code == 200, page.text[:500]
    interaction = _INTERACTION.search(page.text)
    token = _CSRF.search(page.text)
    assert interaction and token, "not a consent page"
    return await browser.post(
        "/ims/authorize/consent",
        data={
            "csrf_token": token.group(1),
            "interaction": interaction.group(1),
            "decision": decision,
        },
    )


async def authorize_code(
    browser: httpx.AsyncClient,
    client_id: str,
    *,
    scope: str = "openid,AdobeID,profile,email,offline_access",
    redirect_uri: str | None = "https://app.example.com/callback",
    pkce: Pkce | None = None,
    email: str = "dev@example.com",
    password: str = "developer password",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Sign in (if needed), consent (if asked) and return the redirect's parameters."""
    params = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scope,
        "state": secrets.token_urlsafe(8),
    }
    if redirect_uri:
        params["redirect_uri"] = redirect_uri
    if pkce:
        params.update(code_challenge=pkce.challenge, code_challenge_method="S256")
    params.update(extra or {})
    response = await browser.get("/ims/authorize/v2", params=params)
    if response.status_code == 302 and urlsplit(response.headers["location"]).path == "/signin":
        target = parse_qs(urlsplit(response.headers["location"]).query)["next"][0]
        signed = await sign_in(browser, email, password, next_path=target)
        assert signed.status_code == 303, signed.text[:300]
        response = await browser.get(signed.headers["location"])
    if response.status_code == 200:
        response = await consent(browser, response)
    result = redirect_params(response)
    assert result.get("state") == params["state"]
    return result


async def exchange_code(
    http: httpx.AsyncClient,
    client_id: str,
    code: str,
    *,
    secret: str | None = None,
    pkce: Pkce | None = None,
) -> httpx.Response:
    """POST the code to /ims/token/v3: Basic auth with a secret, else client_id only (public)."""
    data = {"grant_type": "authorization_code", "code": code}
    if pkce:
        data["code_verifier"] = pkce.verifier
    if secret is None:
        return await http.post("/ims/token/v3", data={**data, "client_id": client_id})
    return await http.post("/ims/token/v3", data=data, auth=(client_id, secret))


async def user_tokens(
    http: httpx.AsyncClient,
    client_id: str,
    *,
    secret: str | None = None,
    scope: str = "openid,AdobeID,profile,email,offline_access",
) -> dict[str, str]:
    """Sign in, consent and exchange the code (with PKCE): the token response's JSON."""
    pkce = Pkce.new()
    params = await authorize_code(http, client_id, scope=scope, pkce=pkce)
    response = await exchange_code(http, client_id, params["code"], secret=secret, pkce=pkce)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def refresh(
    http: httpx.AsyncClient,
    client_id: str,
    refresh_token: str,
    *,
    secret: str | None = None,
    scope: str | None = None,
) -> httpx.Response:
    """POST grant_type=refresh_token: Basic auth with a secret, else client_id only (public)."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    if scope is not None:
        data["scope"] = scope
    if secret is None:
        return await http.post("/ims/token/v3", data={**data, "client_id": client_id})
    return await http.post("/ims/token/v3", data=data, auth=(client_id, secret))


# Added for the authorization endpoint and authorization_code tests --------------------------

CALLBACK = "https://app.example.com/callback"
OWNER_EMAIL = "dev@example.com"
OWNER_PASSWORD = "developer password"  # what the owner_id fixture sets


async def start_authorization(
    browser: httpx.AsyncClient, client_id: str | None, **params: str | None
) -> httpx.Response:
    """GET /ims/authorize/v2: a code request to CALLBACK for ``openid`` with a state.

    Keyword arguments override the defaults; ``None`` leaves a parameter out.
    """
    query: dict[str, str | None] = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": CALLBACK,
        "scope": "openid",
        "state": "state-123",
    }
    query.update(params)
    sent = {name: value for name, value in query.items() if value is not None}
    return await browser.get("/ims/authorize/v2", params=sent)


def sign_in_target(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where an authorization sent a signed-out browser: the ``next`` path and the query."""
    assert response.status_code == 302, (response.status_code, response.text[:300])
    location = urlsplit(response.headers["location"])
    assert location.path == "/signin", response.headers["location"]
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    return query["next"], query


async def follow_sign_in(
    browser: httpx.AsyncClient,
    response: httpx.Response,
    email: str = OWNER_EMAIL,
    password: str = OWNER_PASSWORD,
) -> httpx.Response:
    """Fill in the sign-in page an authorization redirected to; return where it leads back."""
    next_path, _ = sign_in_target(response)
    page = await browser.get(response.headers["location"])
    assert page.status_code == 200, page.text[:300]
    token = _CSRF.search(page.text)
    assert token, "no sign-in form"
    signed = await browser.post(
        "/signin",
        data={
            "csrf_token": token.group(1),
            "email": email,
            "password": password,
            "next": next_path,
        },
    )
    assert signed.status_code == 303, signed.text[:300]
    assert signed.headers["location"] == next_path
    return await browser.get(next_path)


def interaction_of(page: httpx.Response) -> str:
    """The signed ``interaction`` value of a consent page."""
    found = _INTERACTION.search(page.text)
    assert found, "not a consent page"
    return found.group(1)


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives: dict[str, list[str]] = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_error_page(response: httpx.Response, *fragments: str) -> None:
    """An HTML error page, never a redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.11)."""
    assert response.status_code == 400, (response.status_code, response.headers)
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    for fragment in fragments:
        assert fragment in response.text, response.text[:1000]


def assert_redirect_error(
    response: httpx.Response,
    error: str,
    *,
    state: str | None = "state-123",
    redirect_uri: str = CALLBACK,
    issuer: str = "http://testserver",
) -> dict[str, str]:
    """An error sent back to the client (RFC 6749 §4.1.2.1) with state and iss (RFC 9207)."""
    assert response.headers["location"].startswith(redirect_uri), response.headers["location"]
    params = redirect_params(response)
    assert params["error"] == error, params
    assert params["error_description"]
    assert params["iss"] == issuer
    if state is not None:
        assert params["state"] == state
    assert "code" not in params
    return params


async def redeem_code(
    client: httpx.AsyncClient,
    code: str,
    client_id: str,
    secret: str | None = None,
    **params: str,
) -> httpx.Response:
    """Like exchange_code, with any extra parameters (redirect_uri, a chosen code_verifier)."""
    data = {"grant_type": "authorization_code", "code": code, **params}
    if secret is None:
        return await client.post("/ims/token/v3", data={**data, "client_id": client_id})
    return await client.post("/ims/token/v3", data=data, auth=(client_id, secret))
