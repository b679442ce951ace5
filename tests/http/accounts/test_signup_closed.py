"""A server with sign-up turned off."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pages import submit

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"signup_enabled": False}


async def test_sign_up_can_be_closed(client: httpx.AsyncClient) -> None:
    page = await client.get("/signup")
    assert page.status_code == 403
    assert "Sign-up is closed" in page.text
    # The closed page has no form; a token from another page must still not get through.
    response = await submit(
        client,
        "/signin",
        "/signup",
        {
            "email": "ada@example.com",
            "name": "Ada",
            "password": "correct horse battery",
        },
    )
    assert response.status_code == 403
    assert (await client.get("/account")).status_code == 303
