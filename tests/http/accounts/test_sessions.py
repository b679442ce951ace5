"""Signed-in browsers on the account page: what each shows (device, address, last seen), how
"last seen" is kept, and signing one browser, or every other, out."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts.service import session_id_of
from cclibs.accounts.sessions import session_handle
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from tests.support.pages import csrf_token, sign_in, submit

pytestmark = pytest.mark.anyio

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
HOME = "203.0.113.7"  # the address of the `client` fixture
PHONE = "2001:db8::42"


@dataclass(frozen=True)
class Listed:
    device: str
    address: str
    last_seen: str
    """The ``datetime`` of the "Last seen" ``<time>``, or the text "Now" for this browser."""
    current: bool
    handle: str | None
    """The hidden ``session`` field of its "Sign out" form (None for this browser's, which
    posts to /signout)."""


_ITEM = re.compile(r'<li class="browser-session">(.*?)</li>', re.S)


def listed(page: str) -> list[Listed]:
    """The signed-in browsers as the account page lists them, in order."""
    found = []
    for item in _ITEM.findall(page):
        heading = re.search(r"<h3>(.*?)</h3>", item, re.S)
        address = re.search(r"<dt>Address</dt><dd>(.*?)</dd>", item)
        seen = re.search(r'<dt>Last seen</dt><dd>(?:<time datetime="([^"]+)">|(Now))', item)
        handle = re.search(r'name="session" value="([^"]+)"', item)
        assert heading and address and seen, item
        found.append(
            Listed(
                device=html.unescape(re.sub(r"<.*", "", heading.group(1), flags=re.S)).strip(),
                address=html.unescape(address.group(1)),
                last_seen=seen.group(1) or seen.group(2),
                current="This browser" in heading.group(1),
                handle=handle.group(1) if handle else None,
            )
        )
    return found


async def account_list(client: httpx.AsyncClient) -> list[Listed]:
    page = await client.get("/account")
    assert page.status_code == 200, page.status_code
    return listed(page.text)


@asynccontextmanager
async def another_browser(
    app: Starlette,
    settings: Settings,
    address: str,
    user_agent: str,
    cookies: httpx.Cookies | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport,
        base_url=settings.issuer,
        headers={"user-agent": user_agent},
        cookies=cookies,
    ) as other:
        yield other


@pytest.fixture
async def ada(app: Starlette) -> str:
    user = await app.state.cclibs.accounts.create_user(
        email=EMAIL, name="Ada Lovelace", password=PASSWORD
    )
    return str(user.id)


@pytest.fixture
async def laptop(client: httpx.AsyncClient, ada: str) -> httpx.AsyncClient:
    """Ada in Firefox on Windows, at HOME."""
    client.headers["user-agent"] = FIREFOX
    assert (await sign_in(client, EMAIL, PASSWORD)).status_code == 303
    return client


@pytest.fixture
async def phone(
    app: Starlette, settings: Settings, laptop: httpx.AsyncClient, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """Ada again, a minute later, in Safari on an iPhone at PHONE."""
    clock.advance(timedelta(minutes=1))
    async with another_browser(app, settings, PHONE, SAFARI) as other:
        assert (await sign_in(other, EMAIL, PASSWORD)).status_code == 303
        yield other


async def sign_out_session(client: httpx.AsyncClient, handle: str) -> httpx.Response:
    return await submit(client, "/account", "/account/sessions/sign-out", {"session": handle})


async def test_the_account_page_lists_each_browser_with_device_address_and_last_seen(
    laptop: httpx.AsyncClient, phone: httpx.AsyncClient, clock: FrozenClock
) -> None:
    on_laptop = await account_list(laptop)
    assert [(b.device, b.address, b.current) for b in on_laptop] == [
        ("Firefox on Windows", HOME, True),  # this browser first
        ("Safari on iPhone", PHONE, False),
    ]
    assert on_laptop[0].last_seen == "Now"
    assert on_laptop[0].handle is None  # this browser signs out through /signout
    assert on_laptop[1].last_seen == clock.now().isoformat()
    on_phone = await account_list(phone)
    assert [(b.device, b.address, b.current) for b in on_phone] == [
        ("Safari on iPhone", PHONE, True),
        ("Firefox on Windows", HOME, False),
    ]


async def test_the_page_names_sessions_by_handle_never_by_their_id(
    laptop: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    page = (await laptop.get("/account")).text
    for browser in (laptop, phone):
        session_id = session_id_of(browser.cookies["cclibs_session"])
        assert session_id not in page
    assert [b.handle for b in listed(page)] == [
        None,
        session_handle(session_id_of(phone.cookies["cclibs_session"])),
    ]


async def test_last_seen_is_written_at_most_once_a_minute_and_at_once_from_a_new_address(
    app: Starlette,
    settings: Settings,
    laptop: httpx.AsyncClient,
    phone: httpx.AsyncClient,
    clock: FrozenClock,
) -> None:
    signed_in_at = clock.now()
    clock.advance(timedelta(seconds=59))
    assert (await phone.get("/account")).status_code == 200
    # Within a minute of the last write, a request changes nothing.
    assert (await account_list(laptop))[1].last_seen == signed_in_at.isoformat()
    clock.advance(timedelta(seconds=1))
    assert (await phone.get("/account")).status_code == 200
    seen = clock.now()
    assert (await account_list(laptop))[1].last_seen == seen.isoformat()
    # The phone moves to another network: its next request says so, however soon.
    clock.advance(timedelta(seconds=5))
    async with another_browser(app, settings, "198.51.100.23", SAFARI, phone.cookies) as moved:
        assert (await moved.get("/account")).status_code == 200
    moved_listed = (await account_list(laptop))[1]
    assert (moved_listed.device, moved_listed.address) == ("Safari on iPhone", "198.51.100.23")
    assert datetime.fromisoformat(moved_listed.last_seen) == clock.now()


async def test_signing_a_browser_out_ends_its_session_and_says_which(
    laptop: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    target = (await account_list(laptop))[1]
    assert target.handle is not None
    response = await sign_out_session(laptop, target.handle)
    assert response.status_code == 303
    assert response.headers["location"] == "/account#sessions"
    # The phone's cookie no longer signs anyone in.
    assert (await phone.get("/account")).status_code == 303
    page = await laptop.get("/account")
    assert f"Safari on iPhone ({PHONE}) is signed out." in page.text
    assert [b.device for b in listed(page.text)] == ["Firefox on Windows"]
    # The notice is shown once.
    assert "is signed out" not in (await laptop.get("/account")).text
    # The same form again: nothing left to sign out.
    assert (await sign_out_session(laptop, target.handle)).status_code == 404


async def test_a_notice_cannot_be_made_by_a_link(laptop: httpx.AsyncClient) -> None:
    page = await laptop.get("/account?sessions=Evil+is+signed+out.&signed_out=1#sessions")
    assert "is signed out" not in page.text


async def test_unknown_handles_this_browser_and_other_users_sessions_are_refused(
    app: Starlette,
    settings: Settings,
    laptop: httpx.AsyncClient,
    phone: httpx.AsyncClient,
) -> None:
    await app.state.cclibs.accounts.create_user(
        email="grace@example.com", name="Grace Hopper", password="grace's password"
    )
    async with another_browser(app, settings, "192.0.2.5", FIREFOX) as grace:
        assert (await sign_in(grace, "grace@example.com", "grace's password")).status_code == 303
        grace_handle = session_handle(session_id_of(grace.cookies["cclibs_session"]))
        # The laptop's own handle: signing this browser out is /signout's work (it also
        # clears the playground's state), not this form's.
        laptop_handle = session_handle(session_id_of(laptop.cookies["cclibs_session"]))
        for handle in ("0" * 32, "", "not a handle", grace_handle, laptop_handle):
            response = await sign_out_session(laptop, handle)
            assert response.status_code == 404, handle
            assert "That browser is not signed in to your account." in response.text
        assert (await grace.get("/account")).status_code == 200
        assert (await phone.get("/account")).status_code == 200
        assert len(await account_list(laptop)) == 2


async def test_sign_out_every_other_browser(
    app: Starlette,
    settings: Settings,
    laptop: httpx.AsyncClient,
    phone: httpx.AsyncClient,
    clock: FrozenClock,
) -> None:
    async with another_browser(app, settings, "192.0.2.77", "curl/8.5.0") as third:
        assert (await sign_in(third, EMAIL, PASSWORD)).status_code == 303
        clock.advance(timedelta(minutes=2))
        assert (await phone.get("/account")).status_code == 200
        # This browser, then the others by when they were last seen.
        assert [(b.device, b.address) for b in await account_list(laptop)] == [
            ("Firefox on Windows", HOME),
            ("Safari on iPhone", PHONE),
            ("curl", "192.0.2.77"),
        ]
        response = await submit(laptop, "/account", "/account/sessions/sign-out-others", {})
        assert response.status_code == 303
        page = await laptop.get("/account")
        assert "2 other browsers are signed out." in page.text
        assert [b.current for b in listed(page.text)] == [True]
        assert (await phone.get("/account")).status_code == 303
        assert (await third.get("/account")).status_code == 303
    # With no other browser, the button is not offered; posted anyway, it says so.
    assert "Sign out every other browser" not in page.text
    await submit(laptop, "/account", "/account/sessions/sign-out-others", {})
    assert "No other browser was signed in." in (await laptop.get("/account")).text


async def test_a_password_change_leaves_only_this_browser_in_the_list(
    laptop: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    changed = await submit(
        laptop,
        "/account",
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "confirm_password": "a brand new secret",
        },
    )
    assert changed.status_code == 303
    assert [(b.device, b.current) for b in await account_list(laptop)] == [
        ("Firefox on Windows", True)
    ]
    assert (await phone.get("/account")).status_code == 303


async def test_expired_sessions_are_not_listed(
    laptop: httpx.AsyncClient,
    phone: httpx.AsyncClient,
    clock: FrozenClock,
    settings: Settings,
) -> None:
    # The laptop signed in a minute before the phone: move to where only the phone lives.
    clock.advance(timedelta(seconds=settings.session_max_age_seconds - 30))
    assert [(b.device, b.current) for b in await account_list(phone)] == [
        ("Safari on iPhone", True)
    ]


async def test_the_forms_need_a_signed_in_browser_a_csrf_token_and_a_session_field(
    client: httpx.AsyncClient, laptop: httpx.AsyncClient, phone: httpx.AsyncClient
) -> None:
    handle = (await account_list(laptop))[1].handle
    assert handle is not None
    token = await csrf_token(laptop, "/account")
    no_csrf = await laptop.post("/account/sessions/sign-out", data={"session": handle})
    assert no_csrf.status_code == 403
    missing = await laptop.post("/account/sessions/sign-out", data={"csrf_token": token})
    assert missing.status_code == 400
    assert "The form is missing session." in missing.text
    assert (await phone.get("/account")).status_code == 200  # still signed in
    laptop.cookies.delete("cclibs_session")
    signed_out = await laptop.post(
        "/account/sessions/sign-out", data={"csrf_token": token, "session": handle}
    )
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/signin?next=")
    assert (await phone.get("/account")).status_code == 200
