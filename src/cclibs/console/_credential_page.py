"""The credential page: a summary of what an application needs, then one section at a time.

The sections are Adobe's console's tabs, each at its own address (links, no script): the
overview and secrets, redirect URIs, scopes and tokens, and status and testers. Each section
has one form and one Save, and is shown again, with every typed value, when it is refused.
A Server-to-Server credential has no users: no redirect URIs and no status or testers.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console._pages import render
from cclibs.oauth.apis import APIS
from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.endpoints.discovery import IMS_PATHS
from cclibs.oauth.errors import InvalidRedirectTarget
from cclibs.oauth.projects import ProjectOverview
from cclibs.oauth.redirects import resolve_redirect_uri
from cclibs.oauth.registration import MAX_ACTIVE_SECRETS
from cclibs.oauth.scopes import IDENTITY_SCOPES, SCOPES, Scope
from cclibs.web.errors import PageNotFound
from cclibs.web.state import app_state

__all__ = [
    "SECTIONS",
    "TYPE_HELP",
    "ScopeChoice",
    "Section",
    "credential_page",
    "curl_command",
    "download_document",
    "section_named",
]

TYPE_HELP = {
    ClientType.WEB: "Your application has a server that can keep a secret: it signs users in "
    "and calls the API from that server.",
    ClientType.SPA: "Your application runs entirely in the browser and cannot keep a secret: "
    "it signs users in with PKCE.",
    ClientType.NATIVE: "Your application is installed on a computer or phone, or runs in a "
    "terminal: it signs users in with PKCE through the system browser or a device code.",
    ClientType.SERVER: "Your service calls the API as itself, with no user present, using the "
    "client credentials grant.",
}


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    """Names the section's template (``console/_credential_{name}.html``)."""
    title: str
    tail: str
    """The section's address after the credential's (where its form is posted, too)."""
    sign_in_only: bool
    """Only credentials that users sign in to have it, not Server-to-Server ones."""

    def applies_to(self, client: Client) -> bool:
        return not self.sign_in_only or client.type is not ClientType.SERVER


SECTIONS = (
    Section("overview", "Overview and secrets", "", sign_in_only=False),
    Section("redirects", "Redirect URIs", "/redirects", sign_in_only=True),
    Section("scopes", "Scopes and tokens", "/scopes", sign_in_only=False),
    Section("status", "Status and testers", "/status", sign_in_only=True),
)


def section_named(name: str, client: Client) -> Section:
    """The credential's section of that name; a 404 page for one its type does not have."""
    for section in SECTIONS:
        if section.name == name and section.applies_to(client):
            return section
    raise PageNotFound()


@dataclass(frozen=True, slots=True)
class ScopeChoice:
    scope: Scope
    checked: bool
    available: bool
    api: str | None
    """The API that provides the scope, when it is not an identity scope."""


def _scope_choices(client: Client, project_apis: frozenset[str]) -> list[ScopeChoice]:
    choices = [
        ScopeChoice(SCOPES[name], name in client.allowed_scopes, True, None)
        for name in SCOPES
        if name in IDENTITY_SCOPES
    ]
    for api in APIS.values():
        for name in sorted(api.scopes):
            choices.append(
                ScopeChoice(
                    SCOPES[name], name in client.allowed_scopes, api.id in project_apis, api.title
                )
            )
    return choices


def curl_command(issuer: str, client: Client) -> str:
    """The token request the console's "Generate access token" makes, for a terminal."""
    scope = ",".join(sorted(client.allowed_scopes - {"offline_access"}))
    return (
        f"curl -X POST {shlex.quote(issuer + IMS_PATHS['token_endpoint'])} \\\n"
        "  -H 'Content-Type: application/x-www-form-urlencoded' \\\n"
        "  -d grant_type=client_credentials \\\n"
        f"  -d client_id={shlex.quote(client.client_id)} \\\n"
        '  -d "client_secret=$CLIENT_SECRET" \\\n'
        f"  -d {shlex.quote('scope=' + scope)}"
    )


def download_document(issuer: str, project: ProjectOverview, client: Client) -> dict[str, Any]:
    """The credential's settings as a JSON document; the secret is never in it."""
    document: dict[str, Any] = {
        "client_id": client.client_id,
        "api_key": client.client_id,
        "name": client.name,
        "type": client.type.value,
        "platform": client.type.label,
        "project": {"id": project.project.id, "name": project.project.name},
        "scopes": sorted(client.allowed_scopes),
        "offline_access": client.offline_access,
        "access_token_lifetime_seconds": client.access_token_ttl,
        "created_at": client.created_at.isoformat(),
        "issuer": issuer,
        "discovery": issuer + "/ims/.well-known/openid-configuration",
        "endpoints": {
            name.removesuffix("_endpoint").removesuffix("_uri"): issuer + path
            for name, path in IMS_PATHS.items()
        },
    }
    if client.type is not ClientType.SERVER:
        document["status"] = "production" if client.in_production else "development"
        document["redirect_uris"] = list(client.redirect_uris)
        document["default_redirect_uri"] = client.default_redirect_uri
        document["redirect_uri_pattern"] = client.redirect_uri_pattern
        document["refresh_token_lifetime_seconds"] = client.refresh_token_ttl
        document["beta_users"] = list(client.beta_users)
        document["pkce"] = "required" if client.requires_pkce else "recommended"
    if client.type.confidential:
        document["client_secret"] = None
        document["note"] = (
            "The client secret is shown once, when it is made; generate a new one in the console."
        )
    return document


def _try_uri(client: Client, uri: str) -> tuple[bool, str]:
    try:
        resolve_redirect_uri(uri, client.redirect_policy)
    except InvalidRedirectTarget:
        return False, f"{uri} would be refused: it is not registered for this credential."
    return True, f"{uri} would be accepted."


def _scope_list(client: Client) -> str:
    """The allowed scopes as an application asks for them: IMS's comma-separated list."""
    return ",".join(name for name in SCOPES if name in client.allowed_scopes)


async def credential_page(
    request: Request,
    user_id: str,
    overview: ProjectOverview,
    client: Client,
    section: Section = SECTIONS[0],
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The page with ``section`` open; ``form`` holds the values typed in a refused form."""
    state = app_state(request)
    secrets = (
        await state.oauth.clients.secrets(user_id, client.client_id)
        if client.type.confidential
        else []
    )
    tried = request.query_params.get("try_uri", "")[:2048] if section.name == "redirects" else ""
    issuer = state.settings.issuer
    return render(
        request,
        "console/credential.html",
        {
            "project": overview.project,
            "client": client,
            "section": section,
            "sections": [s for s in SECTIONS if s.applies_to(client)],
            "type_help": TYPE_HELP[client.type],
            "secrets": secrets,
            "max_secrets": MAX_ACTIVE_SECRETS,
            "scope_list": _scope_list(client),
            "scope_choices": _scope_choices(client, overview.project.apis),
            "apis": APIS,
            "pattern_mode": bool(client.redirect_uri_pattern),
            "tried": tried,
            "try_result": _try_uri(client, tried) if tried else None,
            "curl": curl_command(issuer, client) if client.type is ClientType.SERVER else "",
            "endpoints": {name: issuer + path for name, path in IMS_PATHS.items()},
            "spa_refresh_tokens": state.settings.spa_refresh_tokens,
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )
