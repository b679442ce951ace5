"""A credential's redirect URIs and scopes, edited on its page with the server's own rules."""

from __future__ import annotations

import pytest

from tests.console.conftest import Developer, field_error, form_fields, summary_errors
from tests.support.oauth_flow import Pkce, assert_error_page, authorize_code, start_authorization

pytestmark = pytest.mark.anyio

CALLBACK = "https://app.example.com/callback"


async def _web_app(alice: Developer) -> tuple[str, str]:
    project_id = await alice.create_project()
    await alice.add_libraries(project_id)
    client_id, _ = await alice.create_credential(project_id, "web", redirect_uris=CALLBACK)
    return project_id, f"/console/projects/{project_id}/credentials/{client_id}"


async def _save_redirects(alice: Developer, page: str, **fields: str) -> str:
    form = {"redirect_mode": "exact", "redirect_uris": "", **fields}
    response = await alice.post(page, f"{page}/redirects", form)
    if response.status_code == 303:
        return ""
    assert response.status_code == 400, response.text
    return response.text


async def test_http_is_refused_for_a_web_app_beside_the_field(alice: Developer) -> None:
    _, page = await _web_app(alice)
    refused = await _save_redirects(alice, page, redirect_uris="http://example.com/cb")
    message = field_error(refused, "redirect_uris")
    assert "http://example.com/cb" in message and "https" in message
    # The refused value is shown back for correction; what was stored is untouched.
    assert "http://example.com/cb</textarea>" in refused
    stored = await alice.http.get(f"{page}/redirects")
    assert f"{CALLBACK}</textarea>" in stored.text


async def test_a_pattern_that_matches_any_host_is_refused(alice: Developer) -> None:
    _, page = await _web_app(alice)
    refused = await _save_redirects(
        alice,
        page,
        redirect_mode="pattern",
        default_redirect_uri="https://example.com/cb",
        redirect_uri_pattern="https://.*",
    )
    assert "literal host" in field_error(refused, "redirect_uri_pattern")


async def test_a_pattern_with_unescaped_dots_is_refused(alice: Developer) -> None:
    _, page = await _web_app(alice)
    refused = await _save_redirects(
        alice,
        page,
        redirect_mode="pattern",
        default_redirect_uri="https://example.com/cb",
        redirect_uri_pattern="https://example.com.*",
    )
    message = field_error(refused, "redirect_uri_pattern")
    assert "escape every dot in the host" in message
    assert "https://example.com.evil.io" in message


async def test_a_pattern_whose_host_is_not_closed_is_refused(alice: Developer) -> None:
    _, page = await _web_app(alice)
    refused = await _save_redirects(
        alice,
        page,
        redirect_mode="pattern",
        default_redirect_uri="https://example.com/cb",
        redirect_uri_pattern=r"https://example\.com.*",
    )
    assert "followed by /" in field_error(refused, "redirect_uri_pattern")


async def test_a_pattern_needs_a_default_uri(alice: Developer) -> None:
    _, page = await _web_app(alice)
    refused = await _save_redirects(
        alice, page, redirect_mode="pattern", redirect_uri_pattern=r"https://example\.com/.*"
    )
    assert "default redirect URI" in field_error(refused, "default_redirect_uri")


async def test_a_saved_pattern_is_what_the_authorization_endpoint_enforces(
    alice: Developer,
) -> None:
    _, page = await _web_app(alice)
    client_id = page.rsplit("/", 1)[1]
    saved = await _save_redirects(
        alice,
        page,
        redirect_mode="pattern",
        default_redirect_uri="https://example.com/cb",
        redirect_uri_pattern=r"https://example\.com/cb/.*",
    )
    assert saved == ""
    # The page's own checker and the authorization endpoint agree.
    section = f"{page}/redirects"
    accepted = await alice.http.get(section, params={"try_uri": "https://example.com/cb/42"})
    assert "https://example.com/cb/42 would be accepted." in accepted.text
    evil = await alice.http.get(section, params={"try_uri": "https://example.com.evil.io/cb/42"})
    assert "would be refused" in evil.text
    pkce = Pkce.new()
    params = await authorize_code(
        alice.http,
        client_id,
        scope="openid",
        redirect_uri="https://example.com/cb/42",
        pkce=pkce,
        email=alice.email,
    )
    assert params["code"]
    refused = await start_authorization(
        alice.http, client_id, redirect_uri="https://example.com.evil.io/cb/42"
    )
    assert_error_page(refused, "redirect_uri")


async def test_a_native_app_takes_loopback_and_private_schemes_but_no_pattern(
    alice: Developer,
) -> None:
    project_id = await alice.create_project()
    client_id, secret = await alice.create_credential(
        project_id, "native", redirect_uris="http://127.0.0.1/callback\ncom.example.swatch:/cb"
    )
    assert secret is None
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    shown = await alice.http.get(f"{page}/redirects")
    assert "com.example.swatch:/cb</textarea>" in shown.text
    assert 'name="redirect_uri_pattern"' not in shown.text
    refused = await _save_redirects(
        alice,
        page,
        redirect_mode="pattern",
        default_redirect_uri="http://127.0.0.1/callback",
        redirect_uri_pattern=r"https://example\.com/.*",
    )
    # The form offers no pattern to a Native App; a crafted request is told why at the top.
    [message] = summary_errors(refused)
    assert "Only Web App and Single-Page App" in message


async def test_a_new_credential_is_refused_with_the_message_beside_its_field(
    alice: Developer,
) -> None:
    project_id = await alice.create_project()
    new = f"/console/projects/{project_id}/credentials/new"
    action = f"/console/projects/{project_id}/credentials"
    refused = await alice.post(
        new,
        action,
        {"name": "Swatches", "type": "spa", "redirect_mode": "exact", "redirect_uris": ""},
    )
    assert refused.status_code == 400
    assert "at least one redirect URI" in field_error(refused.text, "redirect_uris")
    no_type = await alice.post(new, action, {"name": "Swatches", "type": "robot"})
    assert "Choose the kind" in field_error(no_type.text, "type")
    no_name = await alice.post(new, action, {"name": "  ", "type": "server"})
    assert "name" in field_error(no_name.text, "name")
    listed = await alice.http.get(f"/console/projects/{project_id}")
    assert "No credentials yet" in listed.text


async def test_library_scopes_need_the_api_on_the_project(alice: Developer) -> None:
    project_id = await alice.create_project()
    client_id, secret = await alice.create_credential(project_id, "server", name="Robot")
    assert secret is not None
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    scopes = f"{page}/scopes"
    shown = await alice.http.get(scopes)
    assert "Add Creative Cloud Libraries to the project first." in shown.text
    # The box is disabled in the page; a crafted request is refused beside the scopes.
    refused = await alice.save_section(scopes, scopes, {"scope_cc_libraries": "on"})
    assert refused.status_code == 400
    assert "cc_libraries" in field_error(refused.text, "scopes")
    denied = await alice.http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "cc_libraries"},
        auth=(client_id, secret),
    )
    assert denied.json()["error"] == "invalid_scope"

    await alice.add_libraries(project_id)
    granted = await alice.http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,cc_libraries"},
        auth=(client_id, secret),
    )
    assert granted.status_code == 200, granted.text
    assert "cc_libraries" in granted.json()["scope"]

    # Narrowing on the credential's page: only the checked scopes remain.
    checked = form_fields((await alice.http.get(scopes)).text, scopes)
    unchecked: dict[str, str | None] = {name: None for name in checked if name.startswith("scope_")}
    narrowed = await alice.save_section(
        scopes, scopes, {**unchecked, "scope_openid": "on", "scope_cc_files": "on"}
    )
    assert narrowed.status_code == 303
    denied = await alice.http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "cc_libraries"},
        auth=(client_id, secret),
    )
    assert denied.json()["error"] == "invalid_scope"

    # Removing the API from the project takes its scopes from every credential in it.
    project_page = f"/console/projects/{project_id}"
    removed = await alice.post(project_page, f"{project_page}/apis/cc_libraries/remove")
    assert removed.status_code == 303
    denied = await alice.http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "cc_files"},
        auth=(client_id, secret),
    )
    assert denied.json()["error"] == "invalid_scope"
