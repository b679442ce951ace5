"""The credential page's sections and their forms, one Save each: the overview (name, secrets,
a Server-to-Server credential's "Generate access token"), redirect URIs, scopes and tokens,
status and testers.

Each handler finds the credential among the signed-in user's (a 404 page otherwise, before
the form is read), reads the form with its CSRF check and applies the section's rules in one
write. A refusal shows the section again with every typed value and each message beside its
field; nothing of the section is saved then. Success redirects back to the section with a
notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console import webhooks as webhook_pages
from cclibs.console._credential_page import credential_page, section_named
from cclibs.console._pages import console_path, owned_client, owner, redirect_with_flash
from cclibs.console.credentials import REDIRECT_FIELDS, redirect_settings
from cclibs.oauth.clients import Client, ClientType
from cclibs.oauth.credential_rules import check_access_ttl, check_refresh_ttl, check_scopes
from cclibs.oauth.projects import ProjectOverview
from cclibs.oauth.registration import ClientRegistry, NotFound, RegistrationError
from cclibs.oauth.scopes import SCOPES
from cclibs.web.errors import MalformedRequest, PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()
router.routes.extend(webhook_pages.router.routes)  # the credential's webhooks page
_BASE = "/console/projects/{project_id}/credentials/{client_id}"
_SCOPE_FIELDS = tuple(f"scope_{name}" for name in SCOPES)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class _Edit:
    """One submitted section: the credential as it is, the form, and what was refused."""

    registry: ClientRegistry
    user_id: str
    overview: ProjectOverview
    client: Client
    form: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def check(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``rule``'s value, or None with its message kept beside its field."""
        try:
            return rule(*args, **kwargs)
        except RegistrationError as error:
            self.errors.setdefault(error.field, error.message)
            return None


Save = Callable[[_Edit], Awaitable[object]]


async def _apply(
    request: Request,
    section: str,
    save: Save,
    notice: str,
    required: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
) -> Response:
    """Read the section's form, run its ``save``, and redirect back or show the refusal."""
    user = await owner(request)
    overview, client = await owned_client(request, user)
    shown_section = section_named(section, client)
    form = await read_form(request, required, optional)
    edit = _Edit(app_state(request).oauth.clients, user.id, overview, client, form)
    try:
        changed = await save(edit)
    except NotFound:
        raise PageNotFound() from None
    except RegistrationError as error:
        edit.errors.setdefault(error.field, error.message)
    if edit.errors:
        return await credential_page(
            request,
            user.id,
            overview,
            client,
            shown_section,
            status=400,
            errors=edit.errors,
            form=form,
        )
    # A change may hand the page a one-time value to show (a new secret).
    shown = changed if isinstance(changed, dict) else {}
    path = console_path(overview.project.id, client.client_id, shown_section.tail)
    return redirect_with_flash(request, path, notice=notice, **shown)


async def _show(request: Request, name: str) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    return await credential_page(request, user.id, overview, client, section_named(name, client))


def _number(value: str, error_field: str) -> int:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise RegistrationError("Enter a whole number.", error_field)
    return int(value)


def _access_ttl(form: dict[str, str]) -> int:
    return check_access_ttl(_number(form["access_token_minutes"], "access_token_ttl") * 60)


def _refresh_ttl(form: dict[str, str]) -> int:
    return check_refresh_ttl(_number(form["refresh_token_days"], "refresh_token_ttl") * 86400)


# Overview and secrets ----------------------------------------------------------------------


@router.post(_BASE + "/rename")
async def rename(request: Request) -> Response:
    async def save(edit: _Edit) -> object:
        return await edit.registry.rename(edit.user_id, edit.client.client_id, edit.form["name"])

    return await _apply(request, "overview", save, "The name is saved.", ("name",))


@router.post(_BASE + "/secrets")
async def add_secret(request: Request) -> Response:
    async def save(edit: _Edit) -> object:
        secret = await edit.registry.add_secret(edit.client.client_id, owner_id=edit.user_id)
        return {"secret": secret}

    notice = "A new secret is generated. Both secrets work until you revoke one."
    return await _apply(request, "overview", save, notice)


@router.post(_BASE + "/secrets/{secret_id}/revoke")
async def revoke_secret(request: Request) -> Response:
    secret_id = request.path_params["secret_id"]

    async def save(edit: _Edit) -> object:
        await edit.registry.revoke_secret(edit.user_id, edit.client.client_id, secret_id)
        return None

    notice = "The secret is revoked: it no longer works at the token endpoint."
    return await _apply(request, "overview", save, notice)


@router.post(_BASE + "/token")
async def generate_token(request: Request) -> Response:
    """ "Generate access token": a client_credentials token, issued to the signed-in owner."""
    user = await owner(request)
    overview, client = await owned_client(request, user)
    await read_form(request, ())
    if client.type is not ClientType.SERVER:
        raise PageNotFound()
    issued = await app_state(request).oauth.client_credentials.issue(client)
    return redirect_with_flash(
        request,
        console_path(overview.project.id, client.client_id),
        access_token=issued["access_token"],
        expires_in=issued["expires_in"],
        scope=issued["scope"],
    )


# Redirect URIs -----------------------------------------------------------------------------


@router.get(_BASE + "/redirects")
async def redirects_section(request: Request) -> Response:
    return await _show(request, "redirects")


@router.post(_BASE + "/redirects")
async def save_redirects(request: Request) -> Response:
    async def save(edit: _Edit) -> object:
        uris, default_uri, pattern = redirect_settings(edit.form)
        return await edit.registry.update_redirects(
            edit.user_id, edit.client.client_id, uris=uris, default_uri=default_uri, pattern=pattern
        )

    notice = "The redirect URIs are saved."
    return await _apply(request, "redirects", save, notice, optional=REDIRECT_FIELDS)


# Scopes and tokens -------------------------------------------------------------------------


@router.get(_BASE + "/scopes")
async def scopes_section(request: Request) -> Response:
    return await _show(request, "scopes")


@router.post(_BASE + "/scopes")
async def save_scopes(request: Request) -> Response:
    async def save(edit: _Edit) -> object:
        client, form = edit.client, edit.form
        chosen = [name for name in SCOPES if form[f"scope_{name}"]]
        # Every field is checked before anything is written, so that each message is shown at
        # once; the write checks the scopes again, under the lock, against the project's APIs.
        edit.check(check_scopes, client.type, chosen, edit.overview.project.apis)
        access = edit.check(_access_ttl, form)
        refresh = (
            client.refresh_token_ttl  # a Server-to-Server credential gets no refresh tokens
            if client.type is ClientType.SERVER
            else edit.check(_refresh_ttl, form)
        )
        if access is None or refresh is None or edit.errors:
            return None
        return await edit.registry.update_access(
            edit.user_id,
            client.client_id,
            scopes=chosen,
            offline_access=bool(form["offline_access"]),
            access_token_ttl=access,
            refresh_token_ttl=refresh,
        )

    notice = "The scopes and token settings are saved."
    optional = (*_SCOPE_FIELDS, "refresh_token_days", "offline_access")
    return await _apply(request, "scopes", save, notice, ("access_token_minutes",), optional)


# Status and testers ------------------------------------------------------------------------


@router.get(_BASE + "/status")
async def status_section(request: Request) -> Response:
    return await _show(request, "status")


@router.post(_BASE + "/status")
async def save_status(request: Request) -> Response:
    async def save(edit: _Edit) -> object:
        status = edit.form["status"]
        if status not in ("development", "production"):
            raise MalformedRequest("status is development or production.")
        return await edit.registry.update_status(
            edit.user_id,
            edit.client.client_id,
            in_production=status == "production",
            beta_users=edit.form["beta_users"].replace(",", "\n").splitlines(),
        )

    notice = "The status and beta users are saved."
    return await _apply(request, "status", save, notice, ("status",), ("beta_users",))
