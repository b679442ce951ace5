"""Console pages for credentials: adding one, its page, its JSON download, deleting it."""

from __future__ import annotations

import json
import re

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console._credential_page import TYPE_HELP, credential_page, download_document
from cclibs.console._pages import (
    console_path,
    owned_client,
    owned_project,
    owner,
    redirect_with_flash,
    render,
)
from cclibs.oauth.clients import ClientType
from cclibs.oauth.registration import RegistrationError
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.state import app_state

__all__ = ["REDIRECT_FIELDS", "redirect_settings", "router"]

router = Routes()

REDIRECT_FIELDS = ("redirect_mode", "redirect_uris", "default_redirect_uri", "redirect_uri_pattern")


def redirect_settings(form: dict[str, str]) -> tuple[list[str], str | None, str | None]:
    """Exact URIs (one per line), or a default URI with a pattern, as the form's mode says."""
    if form["redirect_mode"] == "pattern":
        return [], form["default_redirect_uri"].strip(), form["redirect_uri_pattern"].strip()
    uris = [line.strip() for line in form["redirect_uris"].splitlines() if line.strip()]
    return uris, None, None


@router.get("/console/projects/{project_id}/credentials/new")
async def new_credential(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    return render(
        request,
        "console/credential_new.html",
        {"project": overview.project, "types": TYPE_HELP, "form": {}, "errors": {}},
    )


@router.post("/console/projects/{project_id}/credentials")
async def create_credential(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    # No type is sent when none is chosen: that is a refusal beside the field, not a 400.
    form = await read_form(request, ("name",), ("type", *REDIRECT_FIELDS))
    try:
        client_type = ClientType(form["type"])
    except ValueError:
        client_type = None
    try:
        if client_type is None:
            raise RegistrationError("Choose the kind of application.", "type")
        uris, default_uri, pattern = (
            ([], None, None) if client_type is ClientType.SERVER else redirect_settings(form)
        )
        created = await app_state(request).oauth.clients.create(
            owner_id=user.id,
            client_type=client_type,
            name=form["name"],
            redirect_uris=uris,
            default_redirect_uri=default_uri,
            redirect_uri_pattern=pattern,
            project_id=overview.project.id,
        )
    except RegistrationError as error:
        return render(
            request,
            "console/credential_new.html",
            {
                "project": overview.project,
                "types": TYPE_HELP,
                "form": form,
                "errors": {error.field: error.message},
            },
            status=400,
        )
    path = console_path(overview.project.id, created.client.client_id)
    data: dict[str, str] = {"notice": f"Credential {created.client.name} is created."}
    if created.secret is not None:
        data["secret"] = created.secret
    return redirect_with_flash(request, path, **data)


@router.get("/console/projects/{project_id}/credentials/{client_id}")
async def credential(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    return await credential_page(request, user.id, overview, client)


@router.get("/console/projects/{project_id}/credentials/{client_id}/download")
async def download(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    document = download_document(app_state(request).settings.issuer, overview, client)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", client.name).strip("-") or "credential"
    return Response(
        json.dumps(document, indent=2) + "\n",
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{stem}-oauth.json"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/console/projects/{project_id}/credentials/{client_id}/delete")
async def confirm_delete(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    return render(
        request, "console/credential_delete.html", {"project": overview.project, "client": client}
    )


@router.post("/console/projects/{project_id}/credentials/{client_id}/delete")
async def delete_credential(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    await read_form(request, ())
    await app_state(request).oauth.clients.delete_owned(user.id, client.client_id)
    return redirect_with_flash(
        request,
        console_path(overview.project.id),
        notice=f"Credential {client.name} is deleted, and every token issued to it is revoked.",
    )
