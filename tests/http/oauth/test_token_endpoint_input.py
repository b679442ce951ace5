"""Bad input at the token endpoint: a clear OAuth error, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.http.oauth.conftest import Credential, assert_oauth_error

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (
            {
                "content": b"\xff\xfegrant_type=x",
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
            "UTF-8",
        ),
        (
            {
                "content": b"grant_type=client_credentials",
                "headers": {"content-type": "text/plain"},
            },
            "x-www-form-urlencoded",
        ),
        ({"data": {"grant_type": "client_credentials", "client_id": "a" * 9000}}, "too long"),
        ({"data": {"grant_type": "client_credentials", "client_id": "a\x00b"}}, "NUL"),
        (
            {
                "content": b"x" * 70_000,
                "headers": {"content-type": "application/x-www-form-urlencoded"},
            },
            "too large",
        ),
        ({"data": {f"p{n}": "v" for n in range(80)}}, "Too many parameters"),
    ],
)
async def test_garbage_gets_invalid_request(
    client: httpx.AsyncClient, kwargs: dict[str, object], fragment: str
) -> None:
    response = await client.post("/ims/token/v3", **kwargs)  # type: ignore[arg-type]
    assert_oauth_error(response, 400, "invalid_request", fragment)


@pytest.mark.parametrize(
    "authorization",
    ["Basic !!!notbase64", "Basic " + "Zm9v", "Bearer abc", "Basic ", "Basic w6k6w6k="],
)
async def test_garbage_basic_credentials_are_invalid_client(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        headers={"authorization": authorization},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_get_is_405_in_oauth_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/ims/token/v3?grant_type=client_credentials")
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("value", ["", " ", "\u202e", "client_credentials\u0000", "%00", "é" * 100])
async def test_odd_grant_types_never_500(client: httpx.AsyncClient, value: str) -> None:
    response = await client.post("/ims/token/v3", data={"grant_type": value})
    assert 400 <= response.status_code < 500


async def test_cors_on_success_errors_and_preflight(
    client: httpx.AsyncClient, server_credential: Credential
) -> None:
    origin = {"origin": "https://spa.example.com"}
    ok = await client.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials"},
        headers=origin,
        auth=(server_credential.client_id, server_credential.secret or ""),
    )
    assert ok.headers["access-control-allow-origin"] == "*"
    error = await client.post("/ims/token/v3", data={"grant_type": "nope"}, headers=origin)
    assert error.status_code == 400
    assert error.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in error.headers
    preflight = await client.options(
        "/ims/token/v3",
        headers={
            **origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"]


async def test_no_cors_on_pages(client: httpx.AsyncClient) -> None:
    response = await client.get("/signin", headers={"origin": "https://spa.example.com"})
    assert "access-control-allow-origin" not in response.headers
