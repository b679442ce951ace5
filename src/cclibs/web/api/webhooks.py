"""``/api/v1/webhooks``: a credential registers, lists and removes its webhooks, and reads
their recent deliveries (a cclibs extension; Adobe registers events in its Developer Console).

The caller is the credential itself: a client credentials token (no user) of a
Server-to-Server credential, with ``x-api-key`` its client id. A user's token is refused, since
a credential's webhooks are its developer's to manage, not its users'. A Web App's or other
credential's webhooks are managed in the console.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.errors import BadRequest, Forbidden, NotFound
from cclibs.oauth.bearer import bearer_token
from cclibs.oauth.errors import InvalidToken
from cclibs.web.api.auth import WrongApiKey, refuse_nul
from cclibs.web.api.http import json_body, json_response, operation
from cclibs.web.state import app_state
from cclibs.webhooks.models import Delivery, Subscription
from cclibs.webhooks.service import InvalidSubscription, UnknownSubscription, WebhookService

__all__ = ["delivery_view", "subscription_view"]

_TAG = "Webhooks"
_BASE = "/api/v1/webhooks"
_DELIVERIES = 50


class InvalidWebhook(BadRequest):
    reason = "invalid_webhook"


def _service(request: Request) -> WebhookService:
    webhooks = app_state(request).webhooks
    if webhooks is None:
        raise NotFound("This server delivers no webhooks.")
    return webhooks.registry


async def _credential(request: Request) -> str:
    """The client id of a client credentials token whose ``x-api-key`` names its client."""
    refuse_nul(request)
    if "access_token" in request.query_params:
        raise InvalidToken("Send the access token in the Authorization header, not in the URL.")
    token = bearer_token(request.headers.get("authorization"))
    claims = await app_state(request).oauth.bearer.validate(token)
    api_key = request.headers.get("x-api-key")
    if api_key is None or not hmac.compare_digest(api_key.encode(), claims.client_id.encode()):
        raise WrongApiKey("Send x-api-key: the client id the access token was issued to.")
    if claims.grant_id is not None:
        raise Forbidden(
            "Webhooks belong to the credential: call with a client credentials token "
            "(no user), or manage them in the console."
        )
    return claims.client_id


def subscription_view(subscription: Subscription) -> dict[str, Any]:
    href = f"{_BASE}/{subscription.id}"
    return {
        "id": subscription.id,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "created_date": subscription.created_ms,
        "_links": {
            "self": {"href": href},
            "deliveries": {"href": f"{href}/deliveries"},
        },
    }


def delivery_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "library_id": delivery.library_id,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "created_date": delivery.created_ms,
        "next_attempt_date": delivery.next_attempt_ms if delivery.state == "pending" else None,
        "finished_date": delivery.finished_ms,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
    }


async def _subscription(request: Request, client_id: str) -> Subscription:
    try:
        return await _service(request).subscription(client_id, request.path_params["webhookId"])
    except UnknownSubscription:
        raise NotFound("This credential has no webhook with this id.") from None


@operation(
    "GET",
    "/webhooks",
    "getWebhooks",
    "The credential's webhooks",
    tag=_TAG,
    responses={200: "WebhooksInfo"},
)
async def list_webhooks(request: Request) -> Response:
    client_id = await _credential(request)
    found = await _service(request).subscriptions(client_id)
    return json_response(
        {"webhooks": [subscription_view(s) for s in found], "total_count": len(found)}
    )


@operation(
    "POST",
    "/webhooks",
    "createWebhook",
    "Register a URL for change events; the answer shows its signing secret, once",
    tag=_TAG,
    body="CreateWebhookPayload",
    responses={201: "NewWebhookInfo"},
)
async def create_webhook(request: Request) -> Response:
    client_id = await _credential(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise InvalidWebhook('Send {"url": ..., "event_types": [...]}.')
    try:
        registered = await _service(request).register(
            client_id, body.get("url"), body.get("event_types")
        )
    except InvalidSubscription as exc:
        raise InvalidWebhook(f"{exc.field}: {exc}") from None
    view = subscription_view(registered.subscription)
    view["secret"] = registered.secret
    return json_response(view, 201, location=view["_links"]["self"]["href"])


@operation(
    "GET",
    "/webhooks/{webhookId}",
    "getWebhook",
    "One of the credential's webhooks",
    tag=_TAG,
    responses={200: "WebhookInfo"},
)
async def get_webhook(request: Request) -> Response:
    client_id = await _credential(request)
    return json_response(subscription_view(await _subscription(request, client_id)))


@operation(
    "DELETE",
    "/webhooks/{webhookId}",
    "deleteWebhook",
    "Remove a webhook; its pending deliveries are dropped",
    tag=_TAG,
    responses={204: None},
)
async def delete_webhook(request: Request) -> Response:
    client_id = await _credential(request)
    try:
        await _service(request).remove(client_id, request.path_params["webhookId"])
    except UnknownSubscription:
        raise NotFound("This credential has no webhook with this id.") from None
    return Response(status_code=204)


@operation(
    "GET",
    "/webhooks/{webhookId}/deliveries",
    "getWebhookDeliveries",
    f"The webhook's {_DELIVERIES} most recent deliveries, newest first",
    tag=_TAG,
    responses={200: "WebhookDeliveriesInfo"},
)
async def list_deliveries(request: Request) -> Response:
    client_id = await _credential(request)
    subscription = await _subscription(request, client_id)
    found = await _service(request).deliveries(
        client_id, limit=_DELIVERIES, subscription_id=subscription.id
    )
    return json_response({"deliveries": [delivery_view(d) for d in found]})
