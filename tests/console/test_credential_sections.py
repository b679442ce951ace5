"""The credential page as Adobe's console lays it out: a summary of what an application needs,
then one section at a time, each saved by one button; a refused section keeps what was typed
and saves nothing. Server-to-Server credentials have no status (no user signs in to them)."""

from __future__ import annotations

import html
import re

import pytest

from tests.console.conftest import Developer, field_error, form_fields, summary_errors

pytestmark = pytest.mark.anyio

CALLBACK = "https://app.example.com/callback"
SECTIONS = {
    "web": ["Overview and secrets", "Redirect URIs", "Scopes and tokens", "Status and testers"],
    "server": ["Overview and secrets", "Scopes and tokens"],
}


def summary(page: str) -> dict[str, str]:
    """The "For your application" block: each label with its value as a reader sees it."""
    block = page.split('<section class="summary"', 1)[1].split("</dl>", 1)[0]
    block = re.sub(r"<button\b.*?</button>", "", block, flags=re.DOTALL)
    found = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", block, re.DOTALL)
    text = lambda part: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", part)).split())  # noqa: E731
    return {text(label): text(value) for label, value in found}


def tabs(page: str) -> list[str]:
    nav = page.split('aria-label="Credential sections"', 1)[1].split("</nav>", 1)[0]
    return [html.unescape(t) for t in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]


def save_buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit" class="primary"[^>]*>(Save[^<]*)</button>', page)


async def _credential(alice: Developer, kind: str, **fields: str) -> tuple[str, str]:
    project_id = await alice.create_project()
    await alice.add_libraries(project_id)
    client_id, _ = await alice.create_credential(project_id, kind, **fields)
    return client_id, f"/console/projects/{project_id}/credentials/{client_id}"


async def test_the_summary_says_what_to_paste_into_a_web_app(alice: Developer) -> None:
    client_id, page = await _credential(alice, "web", redirect_uris=CALLBACK)
    discovery = (await alice.http.get("/ims/.well-known/openid-configuration")).json()
    document = (await alice.http.get(f"{page}/download")).json()
    # The same summary heads every section.
    for tail in ("", "/redirects", "/scopes", "/status"):
        shown = summary((await alice.http.get(page + tail)).text)
        assert shown["Client ID (API key)"] == client_id
        assert shown["Authorization endpoint"] == discovery["authorization_endpoint"]
        assert shown["Authorization endpoint"] == "http://testserver/ims/authorize/v2"
        assert shown["Token endpoint"] == discovery["token_endpoint"]
        assert shown["Token endpoint"] == "http://testserver/ims/token/v3"
        assert shown["Redirect URI"] == CALLBACK
        assert shown["Client secret"].startswith("Needed, on your server only.")
        assert "1 active" in shown["Client secret"]
        # IMS's comma-separated list, as an application sends it.
        assert set(shown["Scopes"].split(",")) == set(document["scopes"])
        assert {"openid", "AdobeID", "cc_libraries", "offline_access"} <= set(
            shown["Scopes"].split(",")
        )
    # The secret's place is named: the overview's "Client secrets".
    assert f'href="{page}#secrets"' in (await alice.http.get(page)).text


async def test_the_summary_of_public_clients_and_patterns(alice: Developer) -> None:
    _, page = await _credential(
        alice,
        "spa",
        redirect_mode="pattern",
        default_redirect_uri="https://app.example.com/cb",
        redirect_uri_pattern=r"https://app\.example\.com/cb/.*",
    )
    shown = summary((await alice.http.get(page)).text)
    assert shown["Client secret"] == "None: a public client. Use PKCE (S256) instead."
    assert shown["Redirect URIs"] == (
        r"https://app.example.com/cb (default), or any match of https://app\.example\.com/cb/.*"
    )
    assert "Client secrets" not in (await alice.http.get(page)).text


async def test_a_server_to_server_credential_has_no_status(alice: Developer) -> None:
    client_id, page = await _credential(alice, "server", name="Robot")
    shown = await alice.http.get(page)
    assert tabs(shown.text) == SECTIONS["server"]
    assert 'class="badge' not in shown.text  # neither Development nor Production
    facts = summary(shown.text)
    assert facts["Client ID (API key)"] == client_id
    assert facts["Token endpoint"] == "http://testserver/ims/token/v3"
    assert "client_credentials" in facts["Client secret"]
    assert "Authorization endpoint" not in facts and "Redirect URI" not in facts
    # Nor a section for it, or for redirect URIs, to be found or posted to.
    for tail in ("/status", "/redirects"):
        assert (await alice.http.get(page + tail)).status_code == 404
    crafted = await alice.post(page, f"{page}/status", {"status": "production"})
    assert crafted.status_code == 404
    # The project's list says so too, where a Web App shows its status.
    project = page.split("/credentials/", 1)[0]
    web_id, _ = await alice.create_credential(
        project.rsplit("/", 1)[1], "web", name="Web", redirect_uris=CALLBACK
    )
    listing = (await alice.http.get(project)).text
    robot_row = listing.split(client_id, 1)[1].split("</tr>", 1)[0]
    assert "Development" not in robot_row and "None: no user signs in" in robot_row
    web_row = listing.split(web_id, 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge">Development</span>' in web_row
    web_page = await alice.http.get(f"{project}/credentials/{web_id}")
    assert tabs(web_page.text) == SECTIONS["web"]
    assert '<span class="badge">Development</span>' in web_page.text


async def test_every_section_has_one_save_button(alice: Developer) -> None:
    for kind, sections in (
        ("web", ["", "/redirects", "/scopes", "/status"]),
        ("server", ["", "/scopes"]),
    ):
        fields = {"redirect_uris": CALLBACK} if kind == "web" else {}
        _, page = await _credential(alice, kind, **fields)
        buttons = [save_buttons((await alice.http.get(page + tail)).text) for tail in sections]
        assert all(len(found) == 1 for found in buttons), buttons
    assert buttons == [["Save name"], ["Save scopes and tokens"]]


async def test_scopes_and_tokens_are_saved_by_one_button(alice: Developer) -> None:
    _, page = await _credential(alice, "web", redirect_uris=CALLBACK)
    scopes = f"{page}/scopes"
    saved = await alice.save_section(
        scopes,
        scopes,
        {
            "scope_cc_files": None,
            "scope_address": None,
            "offline_access": None,
            "access_token_minutes": "30",
            "refresh_token_days": "7",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == scopes
    shown = await alice.http.get(scopes)
    assert "The scopes and token settings are saved." in shown.text
    fields = form_fields(shown.text, scopes)
    assert fields["access_token_minutes"] == "30" and fields["refresh_token_days"] == "7"
    assert "offline_access" not in fields and "scope_cc_files" not in fields
    assert fields["scope_cc_libraries"] == "on"
    listed = summary(shown.text)["Scopes"].split(",")
    assert "cc_files" not in listed and "offline_access" not in listed
    assert "cc_libraries" in listed
    document = (await alice.http.get(f"{page}/download")).json()
    assert document["access_token_lifetime_seconds"] == 1800
    assert document["refresh_token_lifetime_seconds"] == 7 * 86400
    assert document["offline_access"] is False


async def test_status_and_testers_are_saved_by_one_button(alice: Developer) -> None:
    _, page = await _credential(alice, "web", redirect_uris=CALLBACK)
    status = f"{page}/status"
    saved = await alice.save_section(
        status, status, {"status": "production", "beta_users": "bob@example.com"}
    )
    assert saved.status_code == 303
    shown = await alice.http.get(status)
    assert '<span class="badge ok">Production</span>' in shown.text
    assert form_fields(shown.text, status) == {
        "csrf_token": form_fields(shown.text, status)["csrf_token"],
        "status": "production",
        "beta_users": "bob@example.com",
    }


async def test_a_refused_section_keeps_every_typed_value_and_saves_nothing(
    alice: Developer,
) -> None:
    _, page = await _credential(alice, "web", redirect_uris=CALLBACK)
    scopes = f"{page}/scopes"
    before = form_fields((await alice.http.get(scopes)).text, scopes)
    typed: dict[str, str | None] = {
        "scope_cc_files": None,
        "offline_access": None,
        "access_token_minutes": "1",
        "refresh_token_days": "91",
    }
    refused = await alice.save_section(scopes, scopes, typed)
    assert refused.status_code == 400
    # Every message at once, each beside its field and in the summary at the top.
    assert "between 5 minutes and 24 hours" in field_error(refused.text, "access_token_ttl")
    assert "between 1 hour and 90 days" in field_error(refused.text, "refresh_token_ttl")
    assert len(summary_errors(refused.text)) == 2
    kept = form_fields(refused.text, scopes)
    assert kept["access_token_minutes"] == "1" and kept["refresh_token_days"] == "91"
    assert "scope_cc_files" not in kept and "offline_access" not in kept
    assert kept["scope_cc_libraries"] == "on"
    # Nothing of the section was saved: not the scopes, not the switch.
    assert form_fields((await alice.http.get(scopes)).text, scopes) | {"csrf_token": ""} == (
        before | {"csrf_token": ""}
    )

    # A scope refused with a lifetime: both are told (the project has no Libraries API).
    project_id = await alice.create_project("No APIs")
    client_id, _ = await alice.create_credential(project_id, "server", name="Robot")
    robot = f"/console/projects/{project_id}/credentials/{client_id}/scopes"
    both = await alice.save_section(
        robot, robot, {"scope_cc_libraries": "on", "access_token_minutes": "ten"}
    )
    assert both.status_code == 400
    assert "cc_libraries to the project first" in field_error(both.text, "scopes")
    assert "whole number" in field_error(both.text, "access_token_ttl")
    assert form_fields(both.text, robot)["access_token_minutes"] == "ten"

    status = f"{page}/status"
    refused = await alice.save_section(
        status, status, {"status": "production", "beta_users": "bob@example.com\nnobody"}
    )
    assert refused.status_code == 400
    assert "nobody is not an email address." in field_error(refused.text, "beta_users")
    kept = form_fields(refused.text, status)
    assert kept["status"] == "production"  # the radio as chosen, not as stored
    assert kept["beta_users"] == "bob@example.com\nnobody"
    stored = await alice.http.get(status)
    assert "is <strong>in development</strong>" in stored.text
    assert form_fields(stored.text, status)["status"] == "development"

    renamed = await alice.save_section(page, f"{page}/rename", {"name": " "})
    assert renamed.status_code == 400
    assert 'value=" "' in renamed.text
    assert "1 to 200 characters" in field_error(renamed.text, "name")
