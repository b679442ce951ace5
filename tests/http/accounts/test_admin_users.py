"""/admin/users: the user list, disabling and enabling accounts, and what a disabled user and
the applications they use notice."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.accounts import NewUser
from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.storage.accounts import SqlAccountTransactions
from tests.http.oauth.conftest import Credential, assert_oauth_error
from tests.support.apps import make_app, post_form, tokens_for, userinfo
from tests.support.oauth_flow import refresh
from tests.support.pages import sign_in

pytestmark = pytest.mark.anyio

ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "the admin password"
USER_EMAIL = "ada@example.com"
USER_PASSWORD = "correct horse battery"


@pytest.fixture
async def admin_id(app: Starlette) -> str:
    user = await app.state.cclibs.accounts.create_user(
        email=ADMIN_EMAIL, name="Ada Admin", password=ADMIN_PASSWORD, is_admin=True
    )
    return str(user.id)


@pytest.fixture
async def user_id(app: Starlette) -> str:
    user = await app.state.cclibs.accounts.create_user(
        email=USER_EMAIL, name="Ada Lovelace", password=USER_PASSWORD
    )
    return str(user.id)


@pytest.fixture
async def admin(client: httpx.AsyncClient, admin_id: str) -> httpx.AsyncClient:
    assert (await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)).status_code == 303
    return client


async def browser_of(app: Starlette, settings: Settings, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=settings.issuer)


@pytest.fixture
async def user(
    app: Starlette, settings: Settings, user_id: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The ordinary user, signed in in a browser of their own."""
    async with await browser_of(app, settings, "203.0.113.20") as http:
        assert (await sign_in(http, USER_EMAIL, USER_PASSWORD)).status_code == 303
        yield http


@pytest.fixture
async def notes(app: Starlette, admin_id: str) -> Credential:
    return await make_app(app, admin_id, "Note Taker")


def table_rows(page: httpx.Response) -> list[list[str]]:
    """The users table, row by row, cell texts."""
    assert page.status_code in (200, 400), page.text[:500]
    body = (
        page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page.text else ""
    )
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells])
    return rows


async def test_administrators_see_every_user(
    admin: httpx.AsyncClient, user_id: str, clock: FrozenClock
) -> None:
    rows = table_rows(await admin.get("/admin/users"))
    day = f"{clock.now():%Y-%m-%d}"
    assert rows == [
        ["ada@example.com", "Ada Lovelace", day, "No", "Active", "Disable Reset two-step"],
        ["root@example.com", "Ada Admin", day, "Yes", "Active", "You"],
    ]


async def test_the_filter_matches_part_of_the_email(admin: httpx.AsyncClient, user_id: str) -> None:
    page = await admin.get("/admin/users", params={"q": "ADA@"})
    assert [row[0] for row in table_rows(page)] == ["ada@example.com"]
    assert "1 user matches “ada@”." in page.text
    # LIKE's wildcards are plain characters in the filter.
    assert table_rows(await admin.get("/admin/users", params={"q": "%"})) == []
    assert table_rows(await admin.get("/admin/users", params={"q": "_"})) == []
    escaped = await admin.get("/admin/users", params={"q": '"><script>x</script>'})
    assert "<script>x" not in escaped.text


async def test_more_than_a_hundred_users_are_paged(
    app: Starlette, admin: httpx.AsyncClient, clock: FrozenClock
) -> None:
    async with SqlAccountTransactions(app.state.cclibs.db).write() as store:
        for n in range(120):
            await store.add_user(
                NewUser(
                    id=f"{n:024X}@AdobeID",
                    email=f"user{n:03}@example.org",
                    name=f"User {n}",
                    password_hash="not-a-hash",
                    is_admin=False,
                    created_at=clock.now(),
                )
            )
    first = await admin.get("/admin/users")
    assert len(table_rows(first)) == 100
    assert "121 users." in first.text and "Page 1 of 2." in first.text
    assert 'href="/admin/users?page=2" rel="next"' in first.text
    second = await admin.get("/admin/users", params={"page": "2"})
    assert [row[0] for row in table_rows(second)] == [
        f"user{n:03}@example.org" for n in range(99, 120)
    ]
    assert 'href="/admin/users" rel="prev"' in second.text
    # The filter applies before paging, and the links keep it.
    filtered = await admin.get("/admin/users", params={"q": "example.org"})
    assert "120 users match" in filtered.text
    assert 'href="/admin/users?q=example.org&amp;page=2"' in filtered.text
    # Out-of-range or malformed pages show the nearest page.
    assert len(table_rows(await admin.get("/admin/users", params={"page": "99"}))) == 21
    assert len(table_rows(await admin.get("/admin/users", params={"page": "-1"}))) == 100


async def test_non_administrators_get_not_found(
    user: httpx.AsyncClient, admin_id: str, user_id: str
) -> None:
    page = await user.get("/admin/users")
    assert page.status_code == 404
    assert "There is nothing at this address." in page.text
    for action in (f"/admin/users/{admin_id}/disable", f"/admin/users/{admin_id}/enable"):
        response = await post_form(user, action)
        assert response.status_code == 404
    # Even without a CSRF token: the pages do not exist for them.
    assert (await user.post(f"/admin/users/{admin_id}/disable", data={"a": "b"})).status_code == 404
    assert (await user.get("/account")).status_code == 200


async def test_signed_out_visitors_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/admin/users")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=%2Fadmin%2Fusers"


async def test_disabling_a_user_ends_their_sessions_and_tokens(
    app: Starlette,
    settings: Settings,
    admin: httpx.AsyncClient,
    user: httpx.AsyncClient,
    user_id: str,
    notes: Credential,
) -> None:
    tokens = await tokens_for(user, notes)
    assert (await userinfo(user, tokens["access_token"])).status_code == 200

    response = await post_form(admin, f"/admin/users/{user_id}/disable")
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/users?changed={user_id.replace('@', '%40')}"
    page = await admin.get(response.headers["location"])
    notice = "ada@example.com is disabled: signed out everywhere, and no application can use"
    assert f"{notice} the account." in page.text
    assert table_rows(page)[0][:2] == ["ada@example.com", "Ada Lovelace"]
    assert table_rows(page)[0][4:] == ["Disabled", "Enable Reset two-step"]

    # Signed out in their browser, and refused at sign-in.
    account = await user.get("/account")
    assert account.status_code == 303
    user.cookies.clear()
    refused = await sign_in(user, USER_EMAIL, USER_PASSWORD)
    assert refused.status_code == 403
    assert "This account is disabled." in refused.text

    # The application's tokens for them stop working.
    failed = await userinfo(user, tokens["access_token"])
    assert failed.status_code == 401
    assert failed.json()["error"] == "invalid_token"
    for hint in ("access_token", "refresh_token"):
        introspected = await user.post(
            "/ims/introspect",
            data={"token": tokens[hint], "token_type_hint": hint},
            auth=(notes.client_id, notes.secret or ""),
        )
        assert introspected.json() == {"active": False}
    assert_oauth_error(
        await refresh(user, notes.client_id, tokens["refresh_token"], secret=notes.secret),
        400,
        "invalid_grant",
    )


async def test_enabling_lets_them_sign_in_but_old_tokens_stay_revoked(
    admin: httpx.AsyncClient,
    user: httpx.AsyncClient,
    user_id: str,
    notes: Credential,
) -> None:
    tokens = await tokens_for(user, notes)
    assert (await post_form(admin, f"/admin/users/{user_id}/disable")).status_code == 303
    enabled = await post_form(admin, f"/admin/users/{user_id}/enable", {"q": "ada", "page": "1"})
    assert enabled.status_code == 303
    assert enabled.headers["location"] == (
        f"/admin/users?q=ada&changed={user_id.replace('@', '%40')}"
    )
    page = await admin.get(enabled.headers["location"])
    assert "ada@example.com is enabled and can sign in again." in page.text
    assert table_rows(page)[0][4:] == ["Active", "Disable Reset two-step"]

    user.cookies.clear()
    assert (await sign_in(user, USER_EMAIL, USER_PASSWORD)).status_code == 303
    assert (await user.get("/account")).status_code == 200
    assert (await userinfo(user, tokens["access_token"])).status_code == 401
    assert_oauth_error(
        await refresh(user, notes.client_id, tokens["refresh_token"], secret=notes.secret),
        400,
        "invalid_grant",
    )
    # The app they still trust gets new tokens without asking again.
    fresh = await tokens_for(user, notes)
    assert (await userinfo(user, fresh["access_token"])).status_code == 200


async def test_an_administrator_cannot_disable_themselves(
    admin: httpx.AsyncClient, admin_id: str
) -> None:
    response = await post_form(admin, f"/admin/users/{admin_id}/disable")
    assert response.status_code == 400
    assert "You cannot disable your own account. Ask another administrator." in response.text
    assert 'role="alert"' in response.text
    assert table_rows(response)[0][4:] == ["Active", "You"]
    assert (await admin.get("/admin/users")).status_code == 200  # still signed in


async def test_an_administrator_may_disable_another_administrator(
    app: Starlette, settings: Settings, admin: httpx.AsyncClient
) -> None:
    other = await app.state.cclibs.accounts.create_user(
        email="second@example.com", name="Second Admin", password=ADMIN_PASSWORD, is_admin=True
    )
    assert (await post_form(admin, f"/admin/users/{other.id}/disable")).status_code == 303
    async with await browser_of(app, settings, "203.0.113.30") as second:
        assert (await sign_in(second, "second@example.com", ADMIN_PASSWORD)).status_code == 403


async def test_an_unknown_user_is_not_found(admin: httpx.AsyncClient) -> None:
    response = await post_form(admin, "/admin/users/000000000000000000000000@AdobeID/disable")
    assert response.status_code == 404
    assert "There is no such account." in response.text


async def test_disable_needs_the_csrf_token(
    admin: httpx.AsyncClient, user: httpx.AsyncClient, user_id: str
) -> None:
    missing = await admin.post(f"/admin/users/{user_id}/disable", data={"q": ""})
    assert missing.status_code == 403
    forged = await admin.post(f"/admin/users/{user_id}/disable", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert (await user.get("/account")).status_code == 200  # nothing happened


async def test_a_disabled_users_session_cookie_stops_working_later_too(
    admin: httpx.AsyncClient, user: httpx.AsyncClient, user_id: str, clock: FrozenClock
) -> None:
    cookie = user.cookies["cclibs_session"]
    assert (await post_form(admin, f"/admin/users/{user_id}/disable")).status_code == 303
    clock.advance(timedelta(minutes=1))
    user.cookies.set("cclibs_session", cookie)
    assert (await user.get("/account")).status_code == 303
