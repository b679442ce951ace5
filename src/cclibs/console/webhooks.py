"""The console's webhooks page of a credential: register a URL for change events (its signing
secret shown once), remove one, and see the recent deliveries with their outcome.

Handlers find the credential among the signed-in user's (a 404 page otherwise) before the form
is read; every form carries the CSRF token (``read_form`` checks it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console._pages import console_path, owned_client, owner, redirect_with_flash, render
from cclibs.oauth.clients import Client
from cclibs.oauth.projects import ProjectOverview
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.state import app_state
from cclibs.webhooks.events import EVENT_TYPES
from cclibs.webhooks.service import InvalidSubscription, UnknownSubscription

if TYPE_CHECKING:
    from cclibs.services import WebhookServices

__all__ = ["router"]

router = Routes()
_BASE = "/console/projects/{project_id}/credentials/{client_id}/webhooks"
_EVENT_FIELDS = tuple(f"event_{name}" for name in EVENT_TYPES)
_RECENT = 50


def _webhooks(request: Request) -> WebhookServices:
    found = app_state(request).webhooks
    if found is None:
        raise PageNotFound()
    return found


def _when(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms is not None else None


async def _page(
    request: Request,
    overview: ProjectOverview,
    client: Client,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    registry = _webhooks(request).registry
    subscriptions = await registry.subscriptions(client.client_id)
    deliveries = await registry.deliveries(client.client_id, limit=_RECENT)
    return render(
        request,
        "console/webhooks.html",
        {
            "project": overview.project,
            "client": client,
            "subscriptions": subscriptions,
            "deliveries": deliveries,
            "event_types": EVENT_TYPES,
            "when": _when,
            "errors": errors or {},
            "form": form or {},
        },
        status=status,
    )


@router.get(_BASE)
async def webhooks_page(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    return await _page(request, overview, client)


@router.post(_BASE)
async def register(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    form = await read_form(request, ("url",), _EVENT_FIELDS)
    chosen = [name for name in EVENT_TYPES if form[f"event_{name}"]]
    try:
        registered = await _webhooks(request).registry.register(
            client.client_id, form["url"], chosen
        )
    except InvalidSubscription as error:
        return await _page(
            request, overview, client, status=400, errors={error.field: str(error)}, form=form
        )
    return redirect_with_flash(
        request,
        console_path(overview.project.id, client.client_id, "/webhooks"),
        notice="The webhook is registered.",
        webhook_secret=registered.secret,
        webhook_url=registered.subscription.url,
    )


@router.post(_BASE + "/{subscription_id}/delete")
async def remove(request: Request) -> Response:
    user = await owner(request)
    overview, client = await owned_client(request, user)
    await read_form(request, ())
    try:
        await _webhooks(request).registry.remove(
            client.client_id, request.path_params["subscription_id"]
        )
    except UnknownSubscription:
        raise PageNotFound() from None
    return redirect_with_flash(
        request,
        console_path(overview.project.id, client.client_id, "/webhooks"),
        notice="The webhook is removed; its pending deliveries are dropped.",
    )
