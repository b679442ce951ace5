"""Secrets shown once, rotated without downtime and revoked; a Server-to-Server credential's
"Generate access token"; token lifetimes; the JSON download; deleting revokes every token."""

from __future__ import annotations

import json

import httpx
import pytest

from cclibs.oauth.errors import InvalidToken
from tests.console.conftest import (
    Developer,
    field_error,
    secret_ids,
    shown_secret,
    shown_token,
    summary_errors,
)
from tests.support.pages import sign_in

pytestmark = pytest.mark.anyio


async def _robot(alice: Developer) -> tuple[str, str, str]:
    """A Server-to-Server credential: (project id, credential page, client id, secret)."""
    project_id = await alice.create_project()
    await alice.add_libraries(project_id)
    client_id, secret = await alice.create_credential(project_id, "server", name="Robot")
    assert secret is not None and secret.startswith("p8e-")
    return f"/console/projects/{project_id}/credentials/{client_id}", client_id, secret


async def _token(http: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID,cc_libraries"},
        auth=(client_id, secret),
    )


async def _introspect(
    http: httpx.AsyncClient, client_id: str, secret: str, token: str
) -> dict[str, object]:
    response = await http.post("/ims/introspect", data={"token": token}, auth=(client_id, secret))
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_secret_is_shown_once(alice: Developer) -> None:
    project_id = await alice.create_project()
    created = await alice.post(
        f"/console/projects/{project_id}/credentials/new",
        f"/console/projects/{project_id}/credentials",
        {"name": "Robot", "type": "server"},
    )
    page = created.headers["location"]
    first = await alice.http.get(page)
    secret = shown_secret(first.text)
    assert secret is not None
    assert "It is shown this once" in first.text
    again = await alice.http.get(page)
    assert shown_secret(again.text) is None
    assert secret not in again.text
    # The table names it only by its last characters.
    assert f"p8e-…{secret[-4:]}" in again.text


async def test_the_sealed_secret_opens_only_in_the_browser_that_made_it(
    alice: Developer,
) -> None:
    project_id = await alice.create_project()
    created = await alice.post(
        f"/console/projects/{project_id}/credentials/new",
        f"/console/projects/{project_id}/credentials",
        {"name": "Robot", "type": "server"},
    )
    page = created.headers["location"]
    sealed = alice.http.cookies["cclibs_flash"]
    # Alice's other browser (another session) replays the one-time cookie: it stays shut.
    transport = httpx.ASGITransport(app=alice.app, client=("203.0.113.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await sign_in(other, alice.email, "developer password")).status_code == 303
        other.cookies.set("cclibs_flash", sealed)
        replayed = await other.get(page)
        assert replayed.status_code == 200
        assert shown_secret(replayed.text) is None
    # The browser that made it still sees it once.
    assert shown_secret((await alice.http.get(page)).text) is not None


async def test_rotation_keeps_the_old_secret_working_until_it_is_revoked(
    alice: Developer,
) -> None:
    page, client_id, old = await _robot(alice)
    assert (await _token(alice.http, client_id, old)).status_code == 200
    used = await alice.http.get(page)
    assert "never" not in used.text.split('id="secrets"', 1)[1].split("</table>", 1)[0]

    rotated = await alice.post(page, f"{page}/secrets")
    assert rotated.status_code == 303
    shown = await alice.http.get(page)
    new = shown_secret(shown.text)
    assert new is not None and new != old
    assert "Both secrets work until you revoke one." in shown.text
    assert shown.text.count("/revoke") == 2
    for secret in (old, new):
        assert (await _token(alice.http, client_id, secret)).status_code == 200

    third = await alice.post(page, f"{page}/secrets")
    assert third.status_code == 400
    assert "at most 2 active secrets" in field_error(third.text, "secret")

    old_id = secret_ids(shown.text)[old[-4:]]
    revoked = await alice.post(page, f"{page}/secrets/{old_id}/revoke")
    assert revoked.status_code == 303
    failed = await _token(alice.http, client_id, old)
    assert failed.status_code == 401
    assert failed.json()["error"] == "invalid_client"
    assert (await _token(alice.http, client_id, new)).status_code == 200

    remaining = await alice.http.get(page)
    assert "Only secret" in remaining.text
    assert "/revoke" not in remaining.text


async def test_the_only_secret_cannot_be_revoked(alice: Developer) -> None:
    page, client_id, secret = await _robot(alice)
    shown = await alice.http.get(page)
    secret_id = shown.text.split('action="' + page + "/secrets/", 1)
    assert len(secret_id) == 1  # no revoke form is offered
    # A crafted request is refused with the reason, and the secret keeps working.
    rotated = await alice.post(page, f"{page}/secrets")
    assert rotated.status_code == 303
    both = await alice.http.get(page)
    new = shown_secret(both.text)
    assert new is not None
    ids = secret_ids(both.text)
    assert set(ids) == {secret[-4:], new[-4:]}
    revoked = await alice.post(page, f"{page}/secrets/{ids[secret[-4:]]}/revoke")
    assert revoked.status_code == 303
    last = await alice.post(page, f"{page}/secrets/{ids[new[-4:]]}/revoke")
    assert last.status_code == 400
    assert "only secret" in field_error(last.text, "secret")
    unknown = await alice.post(page, f"{page}/secrets/{'0' * 32}/revoke")
    assert unknown.status_code == 404
    assert (await _token(alice.http, client_id, secret)).status_code == 401
    assert (await _token(alice.http, client_id, new)).status_code == 200


async def test_generate_access_token_gives_a_working_token_once(alice: Developer) -> None:
    page, client_id, secret = await _robot(alice)
    shown = await alice.http.get(page)
    assert "grant_type=client_credentials" in shown.text
    assert f"client_id={client_id}" in shown.text
    assert "$CLIENT_SECRET" in shown.text

    generated = await alice.post(page, f"{page}/token")
    assert generated.status_code == 303
    with_token = await alice.http.get(page)
    token = shown_token(with_token.text)
    assert token is not None
    assert "Valid for 1 day" in with_token.text
    claims = await _introspect(alice.http, client_id, secret, token)
    assert claims["active"] is True
    assert claims["client_id"] == client_id
    assert "cc_libraries" in str(claims["scope"])
    assert shown_token((await alice.http.get(page)).text) is None


async def test_only_server_to_server_credentials_generate_tokens(alice: Developer) -> None:
    project_id = await alice.create_project()
    client_id, _ = await alice.create_credential(
        project_id, "web", redirect_uris="https://app.example.com/cb"
    )
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    assert "Generate access token" not in (await alice.http.get(page)).text
    assert (await alice.post(page, f"{page}/token")).status_code == 404


async def test_token_lifetimes_within_bounds(alice: Developer) -> None:
    page, client_id, secret = await _robot(alice)
    scopes = f"{page}/scopes"
    saved = await alice.save_section(scopes, scopes, {"access_token_minutes": "10"})
    assert saved.status_code == 303
    issued = await _token(alice.http, client_id, secret)
    assert issued.json()["expires_in"] == 600
    for value, message in (
        ("1", "between 5 minutes and 24 hours"),
        ("1441", "24 hours"),
        ("ten", "whole number"),
    ):
        refused = await alice.save_section(scopes, scopes, {"access_token_minutes": value})
        assert refused.status_code == 400
        assert message in field_error(refused.text, "access_token_ttl")
    assert (await _token(alice.http, client_id, secret)).json()["expires_in"] == 600
    offline = await alice.save_section(scopes, scopes, {"offline_access": "on"})
    assert offline.status_code == 400
    # The page offers no such switch to a robot; a crafted request is told why at the top.
    assert any("no refresh tokens" in m for m in summary_errors(offline.text))


async def test_the_download_holds_the_settings_but_no_secret(alice: Developer) -> None:
    page, client_id, secret = await _robot(alice)
    download = await alice.http.get(f"{page}/download")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="Robot-oauth.json"'
    assert download.headers["content-type"].startswith("application/json")
    assert secret not in download.text
    document = json.loads(download.text)
    assert document["client_id"] == document["api_key"] == client_id
    assert document["client_secret"] is None
    assert document["type"] == "server"
    assert document["platform"] == "Server-to-Server"
    assert "status" not in document  # no user signs in to it: it has no status
    assert "cc_libraries" in document["scopes"]
    assert document["endpoints"]["token"] == "http://testserver/ims/token/v3"
    assert document["access_token_lifetime_seconds"] == 86400


async def test_deleting_a_credential_revokes_its_tokens(alice: Developer) -> None:
    page, client_id, secret = await _robot(alice)
    token = (await _token(alice.http, client_id, secret)).json()["access_token"]
    # Another credential of Alice's introspects it: active now, inactive after the deletion.
    _, other_id, other_secret = await _robot(alice)
    before = await _introspect(alice.http, other_id, other_secret, token)
    assert before == {"active": False}  # introspection answers only about one's own tokens
    assert (await _introspect(alice.http, client_id, secret, token))["active"] is True
    confirm = await alice.http.get(f"{page}/delete")
    assert "revoked at once" in confirm.text
    deleted = await alice.post(f"{page}/delete", f"{page}/delete")
    assert deleted.status_code == 303
    project_page = await alice.http.get(deleted.headers["location"])
    assert "every token issued to it is revoked" in project_page.text
    assert client_id not in project_page.text
    assert (await alice.http.get(page)).status_code == 404
    failed = await _token(alice.http, client_id, secret)
    assert failed.json()["error"] == "invalid_client"
    # The token issued before the deletion no longer passes the bearer check.
    validator = alice.app.state.cclibs.oauth.bearer
    with pytest.raises(InvalidToken):
        await validator.validate(token)


async def test_deleting_a_project_deletes_its_credentials_and_their_tokens(
    alice: Developer,
) -> None:
    page, client_id, secret = await _robot(alice)
    project_page = page.split("/credentials/", 1)[0]
    confirm = await alice.http.get(f"{project_page}/delete")
    assert "Robot (Server-to-Server)" in confirm.text
    deleted = await alice.post(f"{project_page}/delete", f"{project_page}/delete")
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/console"
    listing = await alice.http.get("/console")
    assert "is deleted" in listing.text
    assert "You have no projects yet" in listing.text
    assert (await alice.http.get(project_page)).status_code == 404
    assert (await _token(alice.http, client_id, secret)).json()["error"] == "invalid_client"


async def test_a_digit_from_another_script_is_refused_not_a_crash(alice: Developer) -> None:
    page, _, _ = await _robot(alice)
    # "²" is a digit to str.isdigit() but not to int(): the form must refuse it politely.
    scopes = f"{page}/scopes"
    refused = await alice.save_section(scopes, scopes, {"access_token_minutes": "²"})
    assert refused.status_code == 400
    assert "whole number" in field_error(refused.text, "access_token_ttl")
