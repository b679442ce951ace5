"""The account page, password change and sign-out."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from tests.support.pages import sign_in, sign_up, submit

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"


async def test_account_page_needs_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Faccount"


async def test_sign_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    cookie = client.cookies["cclibs_session"]
    response = await submit(client, "/account", "/signout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?signed_out=1"
    # The old cookie, replayed, no longer signs anyone in.
    client.cookies.set("cclibs_session", cookie)
    assert (await client.get("/account")).status_code == 303


async def test_password_change(client: httpx.AsyncClient, app: Starlette, settings) -> None:  # type: ignore[no-untyped-def]
    await sign_up(client)
    # A second browser signed in as the same user.
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url=settings.issuer) as other:
        assert (await sign_in(other, "ada@example.com", PASSWORD)).status_code == 303
        changed = await submit(
            client,
            "/account",
            "/account/password",
            {
                "current_password": PASSWORD,
                "new_password": "a brand new secret",
                "confirm_password": "a brand new secret",
            },
        )
        assert changed.status_code == 303
        assert changed.headers["location"] == "/account?changed=1"
        assert "Your password is changed" in (await client.get("/account?changed=1")).text
        # The other browser was signed out; this one stays signed in.
        assert (await other.get("/account")).status_code == 303
    client.cookies.clear()
    assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 401
    client.cookies.clear()
    assert (await sign_in(client, "ada@example.com", "a brand new secret")).status_code == 303


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"current_password": "wrong one!"}, "current_password", "current password is not correct"),
        ({"new_password": "short", "confirm_password": "short"}, "new_password", "at least 8"),
        ({"confirm_password": "something else"}, "confirm_password", "do not match"),
    ],
)
async def test_password_change_refusals(
    client: httpx.AsyncClient, fields: dict[str, str], field: str, message: str
) -> None:
    await sign_up(client)
    values = {
        "current_password": PASSWORD,
        "new_password": "a brand new secret",
        "confirm_password": "a brand new secret",
    }
    values.update(fields)
    response = await submit(client, "/account", "/account/password", values)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text
    assert message in response.text
    client.cookies.clear()
    assert (await sign_in(client, "ada@example.com", PASSWORD)).status_code == 303
