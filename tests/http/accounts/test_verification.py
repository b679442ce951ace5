"""Email verification: the link from the sign-up message, its limits, the resend banner, and
what an unverified address may not do (pass a tester list, see invitations)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.oauth.clients import ClientType
from tests.http.oauth.conftest import make_credential
from tests.support.api_auth import ApiCallers, user_token
from tests.support.mailbox import queued
from tests.support.oauth_flow import assert_redirect_error, start_authorization
from tests.support.pages import register, sign_in, submit
from tests.support.sharing import LIBRARIES, Person

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse battery"
BANNER = "Confirm your email address <strong>"


async def _verify_link(app: Starlette, to: str) -> str:
    messages = [m for m in await queued(app, to) if m.subject.startswith("Confirm")]
    return messages[-1].link("/account/verify")


async def test_the_link_confirms_the_address_once(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    await register(client, email="ada@example.com")
    link = await _verify_link(app, "ada@example.com")
    await sign_in(client, "ada@example.com", PASSWORD)
    assert BANNER in (await client.get("/account")).text

    opened = await client.get(link)
    assert opened.status_code == 200
    assert "<strong>ada@example.com</strong> is confirmed" in opened.text
    assert opened.headers["referrer-policy"] == "no-referrer"
    assert BANNER not in (await client.get("/account")).text
    user = await app.state.cclibs.accounts.find_by_email("ada@example.com")
    assert user.email_verified
    # Opened again (a second click, a mail scanner): it says so, and changes nothing.
    assert (await client.get(link)).status_code == 200


async def test_an_expired_or_forged_link_is_refused_with_a_way_on(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    await register(client, email="ada@example.com")
    link = await _verify_link(app, "ada@example.com")
    clock.advance(timedelta(hours=24, seconds=1))
    expired = await client.get(link)
    assert expired.status_code == 400
    assert "This link has expired or was already used." in expired.text
    assert 'href="/signin"' in expired.text
    forged = await client.get(link[:-4] + "AAAA")
    assert forged.status_code == 400
    for odd in ("/account/verify", "/account/verify?token=", "/account/verify?token=" + "x" * 500):
        assert (await client.get(odd)).status_code == 400
    user = await app.state.cclibs.accounts.find_by_email("ada@example.com")
    assert not user.email_verified


async def test_the_banner_sends_a_new_link_and_is_throttled(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    await register(client, email="ada@example.com")
    first = await _verify_link(app, "ada@example.com")
    await sign_in(client, "ada@example.com", PASSWORD)
    for _ in range(4):  # the sign-up's message counts: five an hour to one address
        sent = await submit(client, "/account", "/account/verify/resend", {"next": "/console"})
        assert sent.status_code == 303
        assert sent.headers["location"] == "/account/verify/sent?next=%2Fconsole"
    page = await client.get(sent.headers["location"])
    assert "We sent a new link to <strong>ada@example.com</strong>" in page.text
    refused = await submit(client, "/account", "/account/verify/resend", {})
    assert refused.status_code == 429
    assert "Too many messages asked for" in refused.text
    assert len(await queued(app, "ada@example.com")) == 5
    # Every link sent works (each once), the first one included.
    newest = await _verify_link(app, "ada@example.com")
    assert newest != first
    assert (await client.get(newest)).status_code == 200
    clock.advance(timedelta(hours=1, seconds=1))
    # Verified: nothing more is sent.
    again = await submit(client, "/account", "/account/verify/resend", {})
    assert again.status_code == 303
    assert len(await queued(app, "ada@example.com")) == 5


async def test_a_stranger_with_a_testers_address_in_other_case_does_not_pass(
    client: httpx.AsyncClient, app: Starlette, owner_id: str
) -> None:
    credential = await make_credential(app, owner_id, ClientType.WEB)
    await app.state.cclibs.oauth.clients.update_status(
        owner_id, credential.client_id, in_production=False, beta_users=["carol@example.com"]
    )
    # Someone signs up with the tester's address, spelled otherwise, and signs in.
    await register(client, email="Carol@Example.com")
    assert (await sign_in(client, "carol@example.com", PASSWORD)).status_code == 303
    refused = await start_authorization(client, credential.client_id)
    params = assert_redirect_error(refused, "access_denied")
    assert "verify your email address" in params["error_description"]

    # The address's owner follows the link: now the tester list counts them.
    assert (await client.get(await _verify_link(app, "carol@example.com"))).status_code == 200
    allowed = await start_authorization(client, credential.client_id)
    assert allowed.status_code == 200, allowed.headers
    assert "in development" in allowed.text


async def test_a_fullwidth_or_casefolded_spelling_is_one_account(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    # "ADA" in fullwidth letters (U+FF21, U+FF24), and the sharp s that casefolds to "ss".
    await register(client, email="\uff21\uff24\uff21@example.com")
    assert (await sign_in(client, "ada@EXAMPLE.com", PASSWORD)).status_code == 303
    client.cookies.clear()
    await register(client, email="Strauß@example.com")
    assert (await sign_in(client, "STRAUSS@example.com", PASSWORD)).status_code == 303
    client.cookies.clear()
    assert (await sign_in(client, "strauss@example.com", "wrong password 1")).status_code == 401


async def test_an_unverified_address_sees_no_invitation_until_verified(
    client: httpx.AsyncClient, app: Starlette, clock: FrozenClock
) -> None:
    callers = ApiCallers(app.state.cclibs, clock)
    owner = Person(await callers.user(email="owner@example.com"), "owner@example.com")
    library = await client.post(LIBRARIES, json={"name": "Brand"}, headers=owner.headers)
    assert library.status_code == 201, library.text
    invited = await client.post(
        f"{LIBRARIES}/{library.json()['id']}/collaborators",
        json={"email": "Dana@example.com", "role": "editor"},
        headers=owner.headers,
    )
    assert invited.status_code == 201, invited.text

    # Someone signs up as dana@example.com without confirming it.
    await register(client, email="dana@example.com")
    dana = await app.state.cclibs.accounts.find_by_email("dana@example.com")
    token = await user_token(app.state.cclibs, await callers.web_app(), dana, password=PASSWORD)
    listed = await client.get("/api/v1/invitations", headers=token.headers)
    assert listed.status_code == 403
    assert listed.json()["reason"] == "forbidden"
    assert "Verify your email address" in listed.json()["message"]
    accept = await client.post(
        f"/api/v1/invitations/{invited.json()['id']}/accept", headers=token.headers
    )
    assert accept.status_code == 403

    assert (await client.get(await _verify_link(app, "dana@example.com"))).status_code == 200
    listed = await client.get("/api/v1/invitations", headers=token.headers)
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()["invitations"]] == [invited.json()["id"]]
