"""Sign-up through the real form."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pages import sign_up, submit

pytestmark = pytest.mark.anyio


async def test_sign_up_signs_the_user_in(client: httpx.AsyncClient) -> None:
    response = await sign_up(client, email="Ada@Example.com")
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    account = await client.get("/account")
    assert account.status_code == 200
    assert "ada@example.com" in account.text
    assert "@AdobeID" in account.text


async def test_session_cookie_flags(client: httpx.AsyncClient) -> None:
    response = await sign_up(client)
    cookie = next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith("cclibs_session=")
    ).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    # The test issuer is http; see test_secure_cookies for https.
    assert "secure" not in cookie


async def test_duplicate_email_is_refused_beside_the_field(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    client.cookies.clear()
    again = await sign_up(client, email=" ADA@example.com ")
    assert again.status_code == 409
    assert 'id="email-error"' in again.text
    assert "An account with this email already exists" in again.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address"),
        ({"password": "short"}, "password", "at least 8 characters"),
        ({"password": "x" * 1025}, "password", "at most 1024 characters"),
        ({"name": "   "}, "name", "Enter your name"),
        ({"name": "n" * 201}, "name", "at most 200 characters"),
        ({"password": "ada@example.com"}, "password", "differ from your email"),
    ],
)
async def test_bad_fields_get_a_message_beside_the_field(
    client: httpx.AsyncClient, fields: dict[str, str], field: str, message: str
) -> None:
    values = {"email": "ada@example.com", "name": "Ada", "password": "correct horse battery"}
    values.update(fields)
    response = await submit(client, "/signup", "/signup", values)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    assert (await client.get("/account")).status_code == 303


async def test_every_bad_field_is_named_at_once(client: httpx.AsyncClient) -> None:
    response = await submit(
        client, "/signup", "/signup", {"email": "nope", "name": " ", "password": "short"}
    )
    assert response.status_code == 400
    for field in ("email", "name", "password"):
        assert f'id="{field}-error"' in response.text
