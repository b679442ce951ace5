"""Two-step sign-in: setting it up, the code after the password (TOTP with a ±1 step window,
never replayed; recovery codes once each), throttling, CSRF, turning it off, renewing the
recovery codes and an administrator's reset."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pyotp
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.storage.tables import RecoveryCodeRow, SecondFactorRow
from tests.support.pages import csrf_token, sign_in, sign_up, submit
from tests.support.two_step import Enrolled, enrol, recovery_codes_in

pytestmark = pytest.mark.anyio

EMAIL = "ada@example.com"
PASSWORD = "correct horse battery"
STEP = timedelta(seconds=30)


@pytest.fixture
async def enrolled(client: httpx.AsyncClient, clock: FrozenClock) -> Enrolled:
    """Ada, with two-step sign-in on, signed out; the clock a step past the enrolment code."""
    await sign_up(client, email=EMAIL, password=PASSWORD)
    found = await enrol(client, clock.now())
    await submit(client, "/signout", "/signout", {})
    clock.advance(STEP)
    return found


async def _second_step(client: httpx.AsyncClient, code: str) -> httpx.Response:
    return await submit(client, "/signin/second-step", "/signin/second-step", {"code": code})


async def _password(client: httpx.AsyncClient) -> None:
    response = await sign_in(client, EMAIL, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin/second-step")


async def test_the_set_up_page_shows_an_inline_qr_code_and_the_secret(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client, email=EMAIL, password=PASSWORD)
    page = await client.get("/account/two-step")
    assert page.status_code == 200
    assert "<svg" in page.text and "<img" not in page.text  # nothing for the CSP to allow
    assert page.headers["cache-control"] == "no-store"
    assert 'id="totp-secret"' in page.text


async def test_a_wrong_code_leaves_it_off_and_shows_the_same_secret(
    client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await sign_up(client, email=EMAIL, password=PASSWORD)
    page = await client.get("/account/two-step")
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    pending = page.text.split('name="pending" value="')[1].split('"')[0]
    wrong = str((int(pyotp.TOTP(secret).at(clock.now())) + 1) % 1_000_000).zfill(6)
    token = await csrf_token(client, "/account")
    answer = await client.post(
        "/account/two-step/enable", data={"csrf_token": token, "pending": pending, "code": wrong}
    )
    assert answer.status_code == 400
    assert f'id="totp-secret">{secret}<' in answer.text
    assert "Set up two-step sign-in" in (await client.get("/account")).text


async def test_the_secret_is_sealed_and_recovery_codes_hashed(
    app: Starlette, enrolled: Enrolled
) -> None:
    async with app.state.cclibs.db.read() as session:
        factor = (await session.scalars(select(SecondFactorRow))).one()
        hashes = list(await session.scalars(select(RecoveryCodeRow.code_hash)))
    assert enrolled.secret not in factor.sealed_secret
    assert factor.sealed_secret.startswith("s1.")
    assert len(hashes) == 10
    assert not {code.replace("-", "") for code in enrolled.recovery_codes} & set(hashes)


async def test_the_password_alone_no_longer_signs_in(
    client: httpx.AsyncClient, enrolled: Enrolled
) -> None:
    await _password(client)
    assert (await client.get("/account")).status_code == 303


async def test_a_current_code_signs_in_and_cannot_be_replayed(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _password(client)
    code = enrolled.code_at(clock.now())
    signed = await _second_step(client, code)
    assert signed.status_code == 303 and signed.headers["location"] == "/account"
    assert (await client.get("/account")).status_code == 200
    await submit(client, "/signout", "/signout", {})
    await _password(client)
    replayed = await _second_step(client, code)
    assert replayed.status_code == 401
    assert "already used" in replayed.text
    # The previous step is inside the window, but older than the last one used: refused too.
    assert (await _second_step(client, enrolled.code_at(clock.now() - STEP))).status_code == 401
    clock.advance(STEP)
    assert (await _second_step(client, enrolled.code_at(clock.now()))).status_code == 303


async def test_codes_one_step_either_side_pass_and_two_steps_do_not(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    clock.advance(STEP * 4)
    await _password(client)
    assert (await _second_step(client, enrolled.code_at(clock.now() + 2 * STEP))).status_code == 401
    assert (await _second_step(client, enrolled.code_at(clock.now() - 2 * STEP))).status_code == 401
    assert (await _second_step(client, enrolled.code_at(clock.now() - STEP))).status_code == 303
    await submit(client, "/signout", "/signout", {})
    await _password(client)
    assert (await _second_step(client, enrolled.code_at(clock.now() + STEP))).status_code == 303


async def test_a_recovery_code_signs_in_once(client: httpx.AsyncClient, enrolled: Enrolled) -> None:
    code = enrolled.recovery_codes[3]
    await _password(client)
    assert (await _second_step(client, code.upper().replace("-", " "))).status_code == 303
    assert "9 of 10 recovery codes left." in (await client.get("/account")).text
    await submit(client, "/signout", "/signout", {})
    await _password(client)
    again = await _second_step(client, code)
    assert again.status_code == 401
    assert (await client.get("/account")).status_code == 303


async def test_wrong_codes_are_throttled(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _password(client)
    for _ in range(5):
        assert (await _second_step(client, "000000")).status_code == 401
    throttled = await _second_step(client, enrolled.code_at(clock.now()))
    assert throttled.status_code == 429
    assert "Too many wrong codes." in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    clock.advance(timedelta(minutes=15))
    await _password(client)  # the pending sign-in lasts ten minutes
    assert (await _second_step(client, enrolled.code_at(clock.now()))).status_code == 303


async def test_the_second_step_needs_the_csrf_token(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _password(client)
    refused = await client.post("/signin/second-step", data={"code": enrolled.code_at(clock.now())})
    assert refused.status_code == 403
    assert (await client.get("/account")).status_code == 303


async def test_a_pending_sign_in_expires(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _password(client)
    clock.advance(timedelta(minutes=11))
    late = await _second_step(client, enrolled.code_at(clock.now()))
    assert late.status_code == 303 and late.headers["location"].startswith("/signin?")
    assert (await client.get("/account")).status_code == 303


async def test_without_a_pending_sign_in_the_page_sends_to_sign_in(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/signin/second-step")
    assert page.status_code == 303 and page.headers["location"].startswith("/signin?")


async def _signed_in(client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock) -> None:
    await _password(client)
    assert (await _second_step(client, enrolled.code_at(clock.now()))).status_code == 303


async def test_new_recovery_codes_need_the_password_and_replace_the_old(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _signed_in(client, enrolled, clock)
    refused = await submit(
        client, "/account", "/account/two-step/recovery-codes", {"password": "not it at all"}
    )
    assert refused.status_code == 400
    renewed = await submit(
        client, "/account", "/account/two-step/recovery-codes", {"password": PASSWORD}
    )
    assert renewed.status_code == 200
    new_codes = recovery_codes_in(renewed)
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.recovery_codes)
    await submit(client, "/signout", "/signout", {})
    await _password(client)
    assert (await _second_step(client, enrolled.recovery_codes[0])).status_code == 401
    assert (await _second_step(client, new_codes[0])).status_code == 303


async def test_turning_it_off_needs_the_password(
    client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _signed_in(client, enrolled, clock)
    refused = await submit(client, "/account", "/account/two-step/disable", {"password": "nope!"})
    assert refused.status_code == 400
    assert "Your password is not correct." in refused.text
    off = await submit(client, "/account", "/account/two-step/disable", {"password": PASSWORD})
    assert off.status_code == 303
    await submit(client, "/signout", "/signout", {})
    assert (await sign_in(client, EMAIL, PASSWORD)).headers["location"] == "/account"


async def test_an_administrator_resets_the_second_factor(
    app: Starlette, settings: object, client: httpx.AsyncClient, enrolled: Enrolled
) -> None:
    accounts = app.state.cclibs.accounts
    await accounts.create_user(
        email="root@example.com", name="Root", password="the admin password", is_admin=True
    )
    ada = await accounts.find_by_email(EMAIL)
    assert (await sign_in(client, "root@example.com", "the admin password")).status_code == 303
    reset = await submit(client, "/admin/users", f"/admin/users/{ada.id}/reset-two-step", {})
    assert reset.status_code == 303
    listing = await client.get(reset.headers["location"])
    assert "Two-step sign-in is off for ada@example.com" in listing.text
    await submit(client, "/signout", "/signout", {})
    assert (await sign_in(client, EMAIL, PASSWORD)).headers["location"] == "/account"


async def test_only_administrators_reset_a_second_factor(
    app: Starlette, client: httpx.AsyncClient, enrolled: Enrolled, clock: FrozenClock
) -> None:
    await _signed_in(client, enrolled, clock)
    ada = await app.state.cclibs.accounts.find_by_email(EMAIL)
    answer = await submit(client, "/account", f"/admin/users/{ada.id}/reset-two-step", {})
    assert answer.status_code == 404
    assert await app.state.cclibs.two_step.status(ada.id) is not None


async def test_an_administrator_cannot_reset_their_own(
    app: Starlette, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """Their own goes off on the account page, which asks the password."""
    admin = await app.state.cclibs.accounts.create_user(
        email="root@example.com", name="Root", password="the admin password", is_admin=True
    )
    assert (await sign_in(client, "root@example.com", "the admin password")).status_code == 303
    await enrol(client, clock.now())
    answer = await submit(client, "/admin/users", f"/admin/users/{admin.id}/reset-two-step", {})
    assert answer.status_code == 400
    assert await app.state.cclibs.two_step.status(admin.id) is not None


async def test_a_second_set_up_does_not_replace_the_first(
    app: Starlette, client: httpx.AsyncClient, clock: FrozenClock
) -> None:
    await sign_up(client, email=EMAIL, password=PASSWORD)
    stale = await client.get("/account/two-step")  # a set-up page left open in another tab
    first = await enrol(client, clock.now())
    pending = stale.text.split('name="pending" value="')[1].split('"')[0]
    secret = stale.text.split('id="totp-secret">')[1].split("<")[0]
    clock.advance(STEP)
    token = await csrf_token(client, "/account")
    answer = await client.post(
        "/account/two-step/enable",
        data={"csrf_token": token, "pending": pending, "code": pyotp.TOTP(secret).at(clock.now())},
    )
    assert answer.status_code == 400
    assert "already on" in answer.text
    await submit(client, "/signout", "/signout", {})
    await _password(client)
    assert (await _second_step(client, first.code_at(clock.now()))).status_code == 303
