"""Console forms that change a credential: name, redirect URIs, scopes, tokens, status,
beta users, secrets, and a Server-to-Server credential's "Generate access token".

Each handler finds the credential among the signed-in user's (a 404 page otherwise, before
the form is read), reads the form with its CSRF check, applies one rule from the registry,
and either redirects back with a notice or shows the page again with the message beside the
field it is about.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console import webhooks as webhook_pages
from cclibs.console._credential_page import credential_page
from cclibs.console._pages import console_path, owned_client, owner, redirect_with_flash
from cclibs.console.credentials import REDIRECT_FIELDS, redirect_settings
from cclibs.oauth.clients import Client, ClientType
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

Change = Callable[[ClientRegistry, str, Client, dict[str, str]], Awaitable[object]]


async def _apply(
    request: Request,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    change: Change,
    notice: str,
) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    form = await read_form(request, required, optional)
    registry = app_state(request).oauth.clients
    try:
        changed = await change(registry, user.id, client, form)
    except NotFound:
        raise PageNotFound() from None
    except RegistrationError as error:
        return await credential_page(
            request,
            user.id,
            overview,
            client,
            status=400,
            errors={error.field: error.message},
            form=form,
        )
    # A change may hand the page a one-time value to show (a new secret).
    shown = changed if isinstance(changed, dict) else {}
    return redirect_with_flash(
        request, console_path(overview.project.id, client.client_id), notice=notice, **shown
    )


def _number(form: dict[str, str], name: str, field: str) -> int:
    value = form[name].strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        raise RegistrationError("Enter a whole number.", field)
    return int(value)


@router.post(_BASE + "/rename")
async def rename(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        return await r.rename(uid, c.client_id, form["name"])

    return await _apply(request, ("name",), (), change, "The credential is renamed.")


@router.post(_BASE + "/redirects")
async def redirects(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        uris, default_uri, pattern = redirect_settings(form)
        return await r.update_redirects(
            uid, c.client_id, uris=uris, default_uri=default_uri, pattern=pattern
        )

    return await _apply(request, (), REDIRECT_FIELDS, change, "The redirect URIs are saved.")


@router.post(_BASE + "/scopes")
async def scopes(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        chosen = [name for name in SCOPES if form[f"scope_{name}"]]
        return await r.update_scopes(uid, c.client_id, chosen)

    return await _apply(request, (), _SCOPE_FIELDS, change, "The allowed scopes are saved.")


@router.post(_BASE + "/tokens")
async def tokens(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        access = _number(form, "access_token_minutes", "access_token_ttl") * 60
        refresh = c.refresh_token_ttl
        if c.type is not ClientType.SERVER:
            refresh = _number(form, "refresh_token_days", "refresh_token_ttl") * 86400
        return await r.update_tokens(
            uid,
            c.client_id,
            offline_access=bool(form["offline_access"]),
            access_token_ttl=access,
            refresh_token_ttl=refresh,
        )

    return await _apply(
        request,
        ("access_token_minutes",),
        ("refresh_token_days", "offline_access"),
        change,
        "The token settings are saved.",
    )


@router.post(_BASE + "/status")
async def status(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        if form["status"] not in ("development", "production"):
            raise MalformedRequest("status is development or production.")
        return await r.set_production(uid, c.client_id, form["status"] == "production")

    return await _apply(request, ("status",), (), change, "The credential's status is changed.")


@router.post(_BASE + "/beta-users")
async def beta_users(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, form: dict[str, str]) -> object:
        emails = form["beta_users"].replace(",", "\n").splitlines()
        return await r.set_beta_users(uid, c.client_id, emails)

    return await _apply(request, ("beta_users",), (), change, "The beta users are saved.")


@router.post(_BASE + "/secrets")
async def add_secret(request: Request) -> Response:
    async def change(r: ClientRegistry, uid: str, c: Client, _form: dict[str, str]) -> object:
        return {"secret": await r.add_secret(c.client_id, owner_id=uid)}

    return await _apply(
        request,
        (),
        (),
        change,
        "A new secret is generated. Both secrets work until you revoke one.",
    )


@router.post(_BASE + "/secrets/{secret_id}/revoke")
async def revoke_secret(request: Request) -> Response:
    secret_id = request.path_params["secret_id"]

    async def change(r: ClientRegistry, uid: str, c: Client, _form: dict[str, str]) -> object:
        await r.revoke_secret(uid, c.client_id, secret_id)
        return None

    return await _apply(
        request, (), (), change, "The secret is revoked: it no longer works at the token endpoint."
    )


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
