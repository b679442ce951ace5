"""CSRF on every form, malformed forms, and no 500 for anything a client sends."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pages import csrf_token, sign_up

pytestmark = pytest.mark.anyio

FORMS = ["/signin", "/signup", "/signout", "/account/password"]


@pytest.mark.parametrize("action", FORMS)
async def test_form_without_csrf_token_is_403(client: httpx.AsyncClient, action: str) -> None:
    await sign_up(client)
    response = await client.post(action, data={"email": "a@b.co", "password": "whatever!"})
    assert response.status_code == 403
    assert "did not come from this site" in response.text


@pytest.mark.parametrize("action", FORMS)
async def test_form_with_a_forged_csrf_token_is_403(client: httpx.AsyncClient, action: str) -> None:
    await sign_up(client)
    response = await client.post(action, data={"csrf_token": "0" * 64, "email": "a@b.co"})
    assert response.status_code == 403


async def test_token_from_another_browser_is_403(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, "/signin")
    client.cookies.clear()
    await client.get("/signin")  # a different browser value
    response = await client.post(
        "/signin", data={"csrf_token": token, "email": "a@b.co", "password": "whatever!"}
    )
    assert response.status_code == 403


async def test_cross_origin_post_is_403_even_with_a_token(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, "/signin")
    response = await client.post(
        "/signin",
        data={"csrf_token": token, "email": "a@b.co", "password": "whatever!"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "another site" in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xff\xfe not utf-8", "application/x-www-form-urlencoded"),
        (b"email=a&email=b", "application/x-www-form-urlencoded"),
        (b'{"email": "a"}', "application/json"),
        (b"no-equals-sign-here", "application/x-www-form-urlencoded"),
        (b"x" * 70_000, "application/x-www-form-urlencoded"),
        (
            b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
            "multipart/form-data; boundary=b",
        ),
        (
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="f"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
        ),
        (b"x", "multipart/form-data"),
        (b"", "text/plain"),
    ],
)
async def test_malformed_form_is_400(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    await csrf_token(client, "/signin")
    response = await client.post("/signin", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "x-request-id" in response.headers


async def test_form_missing_a_field_is_400(client: httpx.AsyncClient) -> None:
    token = await csrf_token(client, "/signin")
    response = await client.post("/signin", data={"csrf_token": token, "email": "a@b.co"})
    assert response.status_code == 400
    assert "missing password" in response.text


async def test_multipart_form_is_accepted(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    client.cookies.delete("cclibs_session")
    token = await csrf_token(client, "/signin")
    response = await client.post(
        "/signin",
        files={
            "csrf_token": (None, token),
            "email": (None, "ada@example.com"),
            "password": (None, "correct horse battery"),
        },
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    "path", ["/signin", "/signup", "/signout", "/account/password", "/account", "/", "/healthz"]
)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
async def test_no_method_or_garbage_gets_a_500(
    client: httpx.AsyncClient, path: str, method: str
) -> None:
    response = await client.request(
        method,
        path,
        params={"next": "\x00" * 3000},
        content=b"\x00\xff%%%&&&==",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code < 500, (method, path, response.status_code)


async def test_a_content_length_that_is_not_ascii_digits_is_400(client: httpx.AsyncClient) -> None:
    # "²" passes str.isdigit() but not int(); a header is Latin-1, so a client can send it.
    await csrf_token(client, "/signin")
    transport = client._transport
    request = httpx.Request(
        "POST",
        "http://testserver/signin",
        headers=[
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", "²".encode("latin-1")),
        ],
        content=b"",
    )
    response = await transport.handle_async_request(request)
    assert response.status_code == 400
