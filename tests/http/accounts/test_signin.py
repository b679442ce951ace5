"""Sign-in: one message for unknown emails and wrong passwords, throttling, safe redirects.

The throttle under attack has its own module: test_signin_throttle.py."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from cclibs.clock import FrozenClock
from tests.support.pages import sign_in, sign_up

pytestmark = pytest.mark.anyio

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture
async def user(client: httpx.AsyncClient) -> str:
    await sign_up(client, email=EMAIL, password=PASSWORD)
    await client.post("/signout", data={})  # no token: refused, the session stays
    client.cookies.clear()
    return EMAIL


async def test_right_password_signs_in(client: httpx.AsyncClient, user: str) -> None:
    response = await sign_in(client, user, PASSWORD)
    assert response.status_code == 303
    assert (await client.get("/account")).status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient, user: str
) -> None:
    wrong = await sign_in(client, user, "not the password")
    unknown = await sign_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "Incorrect email or password." in wrong.text
    assert "Incorrect email or password." in unknown.text
    strip = lambda text, email: text.replace(email, "EMAIL")  # noqa: E731
    # Apart from the echoed email and the per-request id, the pages are identical.
    assert _without_request_id(strip(wrong.text, user)) == _without_request_id(
        strip(unknown.text, "nobody@example.com")
    )
    assert (await client.get("/account")).status_code == 303


def _without_request_id(text: str) -> str:
    import re

    return re.sub(r'value="[0-9a-f]{64}"', "", text)


async def test_repeated_failures_are_throttled_per_account_and_address(
    client: httpx.AsyncClient, user: str, clock: FrozenClock
) -> None:
    for _ in range(5):
        assert (await sign_in(client, user, "wrong password!")).status_code == 401
    throttled = await sign_in(client, user, PASSWORD)
    assert throttled.status_code == 429
    # A delay, not a lock-out: it grows with each further failure (test_signin_throttle.py).
    assert throttled.headers["retry-after"] == "15"
    assert "Too many failed sign-in attempts. Try again in 15 seconds." in throttled.text
    # Even the right password waits until the delay has passed.
    clock.advance(timedelta(seconds=15))
    assert (await sign_in(client, user, PASSWORD)).status_code == 303


async def test_unknown_emails_are_throttled_like_known_ones(
    client: httpx.AsyncClient, user: str
) -> None:
    for _ in range(5):
        await sign_in(client, "ghost@example.com", "wrong password!")
    assert (await sign_in(client, "ghost@example.com", "wrong password!")).status_code == 429


async def test_failures_are_throttled_per_client_address(
    client: httpx.AsyncClient, user: str
) -> None:
    # 30 failures from one address, spread over many accounts, lock that address out.
    for n in range(30):
        await sign_in(client, f"probe{n}@example.com", "wrong password!")
    throttled = await sign_in(client, user, PASSWORD)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


async def test_success_clears_the_account_failures(client: httpx.AsyncClient, user: str) -> None:
    for _ in range(4):
        await sign_in(client, user, "wrong password!")
    assert (await sign_in(client, user, PASSWORD)).status_code == 303
    client.cookies.clear()
    for _ in range(4):
        assert (await sign_in(client, user, "wrong password!")).status_code == 401


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [
        ("/account?tab=x", "/account?tab=x"),
        ("https://evil.example/", "/account"),
        ("//evil.example/", "/account"),
        ("/\\evil.example/", "/account"),
        ("javascript:alert(1)", "/account"),
    ],
)
async def test_next_only_stays_on_this_site(
    client: httpx.AsyncClient, user: str, next_path: str, lands_on: str
) -> None:
    response = await sign_in(client, user, PASSWORD, next_path=next_path)
    assert response.status_code == 303
    assert response.headers["location"] == lands_on


async def test_sign_in_page_redirects_a_signed_in_user(
    client: httpx.AsyncClient, user: str
) -> None:
    await sign_in(client, user, PASSWORD)
    page = await client.get("/signin", params={"next": "//evil.example"})
    assert page.status_code == 303
    assert page.headers["location"] == "/account"


async def test_each_sign_in_gets_a_new_session(client: httpx.AsyncClient, user: str) -> None:
    first = (await sign_in(client, user, PASSWORD)).cookies["cclibs_session"]
    client.cookies.delete("cclibs_session")
    second = (await sign_in(client, user, PASSWORD)).cookies["cclibs_session"]
    assert first != second
