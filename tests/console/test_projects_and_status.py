"""Projects (create, rename, list, APIs) and a credential's development/production status."""

from __future__ import annotations

import pytest

from tests.console.conftest import Developer, field_error
from tests.support.oauth_flow import assert_redirect_error, start_authorization

pytestmark = pytest.mark.anyio

CALLBACK = "https://app.example.com/callback"


async def test_projects_are_listed_renamed_and_refused_without_a_name(alice: Developer) -> None:
    empty = await alice.http.get("/console")
    assert "You have no projects yet" in empty.text
    project_id = await alice.create_project("Swatch Studio")
    created = await alice.http.get(f"/console/projects/{project_id}")
    assert "Project Swatch Studio is created." in created.text
    page = f"/console/projects/{project_id}"
    renamed = await alice.post(page, f"{page}/rename", {"name": "  Swatch   Lab "})
    assert renamed.status_code == 303
    listing = await alice.http.get("/console")
    assert ">Swatch Lab</a>" in listing.text
    assert "0 credentials" in listing.text

    blank = await alice.post(page, f"{page}/rename", {"name": "   "})
    assert blank.status_code == 400
    assert "1 to 200 characters" in field_error(blank.text, "name")
    refused = await alice.post("/console", "/console/projects", {"name": "x" * 201})
    assert refused.status_code == 400
    assert "1 to 200 characters" in field_error(refused.text, "name")
    assert ">Swatch Lab</a>" in (await alice.http.get("/console")).text


async def test_names_are_escaped(alice: Developer) -> None:
    project_id = await alice.create_project("<script>alert(1)</script>")
    page = await alice.http.get(f"/console/projects/{project_id}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_adding_the_libraries_api(alice: Developer) -> None:
    project_id = await alice.create_project()
    page = f"/console/projects/{project_id}"
    before = await alice.http.get(page)
    assert "Add Creative Cloud Libraries" in before.text
    await alice.add_libraries(project_id)
    after = await alice.http.get(page)
    assert "Creative Cloud Libraries is added." in after.text
    assert "Remove Creative Cloud Libraries" in after.text
    unknown = await alice.post(page, f"{page}/apis", {"api": "photoshop"})
    assert unknown.status_code == 400
    assert "no such API" in field_error(unknown.text, "api")
    missing = await alice.post(page, f"{page}/apis/photoshop/remove")
    assert missing.status_code == 404


async def test_a_credential_in_development_serves_its_owner_and_beta_users(
    alice: Developer, bob: Developer
) -> None:
    project_id = await alice.create_project()
    client_id, _ = await alice.create_credential(project_id, "web", redirect_uris=CALLBACK)
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    assert "is <strong>in development</strong>" in (await alice.http.get(f"{page}/status")).text

    # Alice, the owner, sees the consent page with the development notice.
    consent = await start_authorization(alice.http, client_id)
    assert consent.status_code == 200
    assert "in development" in consent.text

    # Bob is neither the owner nor a beta user.
    refused = await start_authorization(bob.http, client_id)
    assert_redirect_error(refused, "access_denied")

    status = f"{page}/status"
    bad = await alice.save_section(status, status, {"beta_users": "bob@example.com\nnot-an-email"})
    assert bad.status_code == 400
    assert "not-an-email is not an email address." in field_error(bad.text, "beta_users")
    listed = await alice.save_section(
        status, status, {"beta_users": "Bob@Example.com, carol@example.com"}
    )
    assert listed.status_code == 303
    assert listed.headers["location"] == status
    shown = await alice.http.get(status)
    assert "bob@example.com\ncarol@example.com</textarea>" in shown.text
    assert "The status and beta users are saved." in shown.text
    allowed = await start_authorization(bob.http, client_id)
    assert allowed.status_code == 200
    assert "in development" in allowed.text

    # Production opens it to everyone, without the notice; the beta list no longer matters.
    opened_up = await alice.save_section(status, status, {"status": "production", "beta_users": ""})
    assert opened_up.status_code == 303
    assert "is <strong>in production</strong>" in (await alice.http.get(status)).text
    opened = await start_authorization(bob.http, client_id)
    assert opened.status_code == 200
    assert "in development" not in opened.text

    back = await alice.save_section(status, status, {"status": "development"})
    assert back.status_code == 303
    assert_redirect_error(await start_authorization(bob.http, client_id), "access_denied")
    odd = await alice.save_section(status, status, {"status": "beta"})
    assert odd.status_code == 400


async def test_offline_access_switch(alice: Developer) -> None:
    project_id = await alice.create_project()
    client_id, _ = await alice.create_credential(project_id, "web", redirect_uris=CALLBACK)
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    asked = await start_authorization(alice.http, client_id, scope="openid,offline_access")
    assert asked.status_code == 200  # allowed: consent is asked
    scopes = f"{page}/scopes"
    off = await alice.save_section(scopes, scopes, {"offline_access": None})
    assert off.status_code == 303
    refused = await start_authorization(alice.http, client_id, scope="openid,offline_access")
    assert_redirect_error(refused, "invalid_scope")
    days = await alice.save_section(
        scopes, scopes, {"refresh_token_days": "91", "offline_access": "on"}
    )
    assert days.status_code == 400
    assert "between 1 hour and 90 days" in field_error(days.text, "refresh_token_ttl")
