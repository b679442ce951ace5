"""Event types and the envelope a receiver gets (compat reference §1.13).

Adobe announces ``cc_library_created``, ``_updated`` and ``_deleted``; cclibs adds element
events under the same prefix (Adobe has none: an element change there is a library update).
The envelope keeps Adobe's CloudEvents-like shape: ``id`` (= ``event_id``), ``source``,
``specversion``, ``type``, ``time``, ``recipient`` and ``data.xdmEntity`` with the library's
repository metadata; element events add ``data.xdmEntity["cclibs:element"]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cclibs.libraries.models import Element, Library

__all__ = [
    "EVENT_TYPES",
    "WIRE_TYPES",
    "ChangeEvent",
    "ElementFacts",
    "envelope",
    "envelope_bytes",
    "parse_event_types",
]

EVENT_TYPES = (
    "library.created",
    "library.updated",
    "library.deleted",
    "element.created",
    "element.updated",
    "element.deleted",
)
"""What a subscription names; the order is the documentation's."""

_PREFIX = "com.adobe.platform.events.cc_library"
WIRE_TYPES = {
    "library.created": f"{_PREFIX}_created",
    "library.updated": f"{_PREFIX}_updated",
    "library.deleted": f"{_PREFIX}_deleted",
    "element.created": f"{_PREFIX}_element_created",
    "element.updated": f"{_PREFIX}_element_updated",
    "element.deleted": f"{_PREFIX}_element_deleted",
}
"""The envelope's ``type`` for each event type."""

_REPOSITORY_REL = "http://ns.adobe.com/adobecloud/rel/metadata/repository"
_LIBRARY_FORMAT = "application/vnd.adobe.library+dcx"

Action = Literal["created", "updated", "deleted"]


def parse_event_types(given: object) -> tuple[str, ...]:
    """The event types a registration names, each once, in the documented order; raises
    ``ValueError`` saying what is wrong."""
    if not isinstance(given, list) or not given:
        raise ValueError(f"event_types must be a non-empty list of: {', '.join(EVENT_TYPES)}")
    unknown = [str(name)[:64] for name in given if name not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"event_types: unknown {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(EVENT_TYPES)}"
        )
    return tuple(name for name in EVENT_TYPES if name in given)


@dataclass(frozen=True, slots=True)
class ElementFacts:
    """What an element event says of the element (its data stays in the API)."""

    id: str
    name: str | None
    type: str | None
    version: int | None
    archived: bool | None

    @classmethod
    def of(cls, element: Element) -> ElementFacts:
        archived = element.archived_ms is not None
        return cls(element.id, element.name, element.type, element.version, archived)

    @classmethod
    def gone(cls, element_id: str) -> ElementFacts:
        return cls(element_id, None, None, None, None)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """One event of one committed change, before it is addressed to a subscription."""

    id: str
    """Unique per event; every subscription's copy carries it, and so does every retry."""
    type: str
    """One of ``EVENT_TYPES``."""
    library: Library
    """The library as the change left it (as it was, for ``library.deleted``)."""
    element: ElementFacts | None
    transaction_id: str
    """Shared by the events of one transaction (``xactionid``)."""
    time_ms: int

    @property
    def action(self) -> Action:
        verb = self.type.split(".", 1)[1]
        assert verb in ("created", "updated", "deleted")
        return verb  # type: ignore[return-value]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def _repository(library: Library, deleted: bool) -> dict[str, Any]:
    return {
        "repo:assetId": library.urn,
        "repo:id": library.urn,
        "repo:name": library.name,
        "repo:state": "DISCARDED" if deleted else "ACTIVE",
        "repo:createDate": _iso(library.created_ms),
        "repo:modifyDate": _iso(library.modified_ms),
        "repo:etag": library.etag,
        "repo:version": str(library.version),
        "repo:size": library.storage_used,
        "repo:createdBy": library.owner_id,
        "repo:assetClass": "composite",
        "repo:path": f"/assets/adobe-libraries/{library.id}",
        "dc:format": _LIBRARY_FORMAT,
        "storage:assignee": {"id": library.owner_id, "type": "user"},
    }


def envelope(event: ChangeEvent, client_id: str) -> dict[str, Any]:
    """The JSON a subscription of ``client_id`` receives for ``event``."""
    library_action = event.action if event.element is None else "updated"
    entity: dict[str, Any] = {
        "event:resources": {
            _REPOSITORY_REL: {
                "event:action": library_action,
                "event:embedded": _repository(event.library, event.type == "library.deleted"),
                "event:sequence": event.library.version,
            }
        },
        "event:sequence": event.library.version,
        "event:repository": {"repo:owner": {"id": event.library.owner_id, "type": "user"}},
    }
    if event.element is not None:
        facts = event.element
        entity["cclibs:element"] = {
            "id": facts.id,
            "library_id": event.library.id,
            "event:action": event.action,
            **({"name": facts.name} if facts.name is not None else {}),
            **({"type": facts.type} if facts.type is not None else {}),
            **({"version": facts.version} if facts.version is not None else {}),
            **({"archived": facts.archived} if facts.archived is not None else {}),
        }
    return {
        "id": event.id,
        "event_id": event.id,
        "source": event.library.urn,
        "specversion": "1.0",
        "type": WIRE_TYPES[event.type],
        "datacontenttype": "application/json",
        "dataschema": "http://ns.adobe.com/adobecloud/repository/event/asset",
        "dataschemaversion": "0.9",
        "time": _iso(event.time_ms),
        "xactionid": event.transaction_id,
        "recipient": {"userid": event.library.owner_id, "clientid": client_id},
        "data": {"xdmEntity": entity},
    }


def envelope_bytes(event: ChangeEvent, client_id: str) -> str:
    """The envelope serialised once, compactly: every attempt sends these exact bytes."""
    return json.dumps(envelope(event, client_id), separators=(",", ":"), ensure_ascii=False)
