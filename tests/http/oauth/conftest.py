"""Fixtures for the OAuth endpoints: an account, its credentials, a JWKS-checking decoder."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.applications import Starlette

from cclibs.oauth.clients import ClientType
from cclibs.oauth.registration import NewCredential

MARGIN = 2.0
"""Seconds allowed beyond the bound for a loaded test machine (the poll stops as soon as the
change shows)."""


async def refused_within(refused: Callable[[], Awaitable[bool]], limit: float) -> float:
    """Poll until ``refused()``; the seconds it took. Fails past ``limit``."""
    began = time.monotonic()
    while not await refused():
        waited = time.monotonic() - began
        assert waited <= limit, f"still accepted {waited:.2f} s after the change"
        await anyio.sleep(0.02)
    return time.monotonic() - began


@dataclass(frozen=True)
class Credential:
    client_id: str
    secret: str | None


async def make_credential(
    app: Starlette, owner_id: str, client_type: ClientType, **options: Any
) -> Credential:
    if client_type is not ClientType.SERVER:
        options.setdefault("redirect_uris", ["https://app.example.com/callback"])
    created: NewCredential = await app.state.cclibs.oauth.clients.create(
        owner_id=owner_id, client_type=client_type, name=f"{client_type.label} test", **options
    )
    return Credential(created.client.client_id, created.secret)


@pytest.fixture
async def server_credential(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(
        app, owner_id, ClientType.SERVER, scopes=["openid", "AdobeID", "cc_files", "cc_libraries"]
    )


@pytest.fixture
async def web_credential(app: Starlette, owner_id: str) -> Credential:
    return await make_credential(app, owner_id, ClientType.WEB)


async def decode_with_jwks(
    client: httpx.AsyncClient, token: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify a JWT the way a third party would: with the published JWKS (joserfc)."""
    keys = KeySet.import_key_set((await client.get("/ims/keys")).json())
    decoded = jwt.decode(token, keys, algorithms=["ES256", "RS256"])
    return dict(decoded.header), dict(decoded.claims)


def assert_oauth_error(response: httpx.Response, status: int, error: str, *fragments: str) -> None:
    """The exact RFC 6749 §5.2 error, a description that names the problem, never cached."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    for fragment in fragments:
        assert fragment in body["error_description"], body
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
async def browser(client: httpx.AsyncClient, owner_id: str) -> httpx.AsyncClient:
    """The credential owner's browser, signed in (at the frozen clock's time)."""
    from tests.support.pages import sign_in

    assert (await sign_in(client, "dev@example.com", "developer password")).status_code == 303
    return client


@pytest.fixture
async def web(web_credential: Credential) -> Credential:
    """A Web App credential (the short name the authorization tests use)."""
    return web_credential
