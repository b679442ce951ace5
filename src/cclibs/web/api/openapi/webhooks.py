"""components for ``/api/v1/webhooks`` (a cclibs extension): what a credential sends to
register a webhook, what it gets back, and the path parameter. ``answers``, ``payloads`` and
``parameters`` merge these into theirs."""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.web.api.openapi._schema import MS, Schema, array, count, obj, ref, text
from cclibs.webhooks.destinations import MAX_URL
from cclibs.webhooks.events import EVENT_TYPES
from cclibs.webhooks.signing import TOLERANCE_SECONDS

__all__ = ["WEBHOOKS_TAG", "WEBHOOK_ANSWERS", "WEBHOOK_PARAMETERS", "WEBHOOK_PAYLOADS"]

WEBHOOKS_TAG = (
    "Change events (a cclibs extension; Adobe's I/O Events registers them in its console). "
    "Call with a client credentials token of the credential, or use the console. A webhook "
    "receives the events of every library owned by, or shared with, a user who consented to "
    "the credential with cc_libraries, or who owns its project. Each delivery is a POST of "
    "JSON in the shape of Adobe's I/O Events (id, source, specversion, type "
    "com.adobe.platform.events.cc_library_created, _updated, _deleted, and cclibs's "
    "cc_library_element_created, _updated, _deleted; time, recipient, data.xdmEntity), with "
    "the headers `webhook-id` (the event id: the same on every retry, dedupe on it), "
    "`webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,` + base64 of "
    'HMAC-SHA256 over timestamp + "." + body, keyed with the secret\'s UTF-8 bytes). Refuse '
    f"timestamps more than {TOLERANCE_SECONDS} s from your clock. Any answer but 2xx is "
    "retried with exponential backoff; a delivery may arrive more than once, never not at all."
)

_EVENT_TYPE = {"type": "string", "enum": list(EVENT_TYPES)}
_LINK = obj({"href": text("A path on this server.")}, ("href",), description="A link.")

WEBHOOK_PAYLOADS: Mapping[str, Schema] = {
    "CreateWebhookPayload": obj(
        {
            "url": text(
                "An http(s) URL on a public address (no loopback or private address, "
                "unless the server allows them), without user name or password.",
                maxLength=MAX_URL,
            ),
            "event_types": array(
                _EVENT_TYPE, "The events to deliver.", minItems=1, uniqueItems=True
            ),
        },
        ("url", "event_types"),
        description="A webhook to register.",
        open_=True,
    ),
}

_WEBHOOK_PROPERTIES: dict[str, Schema] = {
    "id": text("The webhook's id."),
    "url": text("Where deliveries go."),
    "event_types": array(_EVENT_TYPE, "The events it receives."),
    "created_date": MS,
    "_links": obj(
        {"self": _LINK, "deliveries": _LINK},
        ("self", "deliveries"),
        description="The webhook, and its recent deliveries.",
    ),
}
_WEBHOOK_REQUIRED = ("id", "url", "event_types", "created_date", "_links")
_NULLABLE_MS = {"type": ["integer", "null"], "format": "int64", "description": "Epoch ms."}

WEBHOOK_ANSWERS: Mapping[str, Schema] = {
    "WebhookInfo": obj(_WEBHOOK_PROPERTIES, _WEBHOOK_REQUIRED, description="A webhook."),
    "NewWebhookInfo": obj(
        {
            **_WEBHOOK_PROPERTIES,
            "secret": text(
                "The signing secret (whsec_...). Shown only in this answer: keep it.",
                pattern="^whsec_",
            ),
        },
        (*_WEBHOOK_REQUIRED, "secret"),
        description="A webhook just registered, with its signing secret.",
    ),
    "WebhooksInfo": obj(
        {
            "webhooks": array(ref("WebhookInfo"), "Oldest first."),
            "total_count": count("How many."),
        },
        ("webhooks", "total_count"),
        description="The credential's webhooks.",
    ),
    "WebhookDelivery": obj(
        {
            "id": text("The delivery's id."),
            "webhook_id": text("The webhook's id."),
            "event_id": text("The event's id (the webhook-id header)."),
            "event_type": _EVENT_TYPE,
            "library_id": text("The library the event is about."),
            "state": {"type": "string", "enum": ["pending", "delivered", "failed"]},
            "attempts": count("Attempts made."),
            "created_date": MS,
            "next_attempt_date": _NULLABLE_MS,
            "finished_date": _NULLABLE_MS,
            "last_status": {
                "type": ["integer", "null"],
                "description": "The receiver's last HTTP status; null when it did not answer.",
            },
            "last_error": {"type": ["string", "null"], "description": "Why the last failed."},
        },
        (
            "id",
            "webhook_id",
            "event_id",
            "event_type",
            "library_id",
            "state",
            "attempts",
            "created_date",
            "next_attempt_date",
            "finished_date",
            "last_status",
            "last_error",
        ),
        description="One event sent, or being sent, to one webhook.",
    ),
    "WebhookDeliveriesInfo": obj(
        {"deliveries": array(ref("WebhookDelivery"), "Newest first.")},
        ("deliveries",),
        description="A webhook's recent deliveries.",
    ),
}

WEBHOOK_PARAMETERS: Mapping[str, Schema] = {
    "webhookId": {
        "name": "webhookId",
        "in": "path",
        "required": True,
        "description": "The webhook's id.",
        "schema": {"type": "string"},
    },
}
