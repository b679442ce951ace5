"""The webhooks domain without a server: the layering, coalescing a transaction's changes into
events, the envelope, signatures and the retry schedule."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cclibs.libraries.models import Element, Library
from cclibs.webhooks.changes import ChangeSet
from cclibs.webhooks.events import EVENT_TYPES, envelope, parse_event_types
from cclibs.webhooks.signing import BadSignature, new_secret, signed_headers, verify
from cclibs.webhooks.worker import RetryPolicy

DOMAIN = [
    "cclibs.webhooks.events",
    "cclibs.webhooks.changes",
    "cclibs.webhooks.signing",
    "cclibs.webhooks.destinations",
    "cclibs.webhooks.service",
    "cclibs.webhooks.worker",
]


@pytest.mark.parametrize("module", DOMAIN)
def test_the_domain_loads_no_framework_or_orm(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "print(','.join(m for m in ('starlette', 'sqlalchemy') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


def _library(version: int = 1, name: str = "L") -> Library:
    return Library(
        id="0f0e0d0c-0b0a-4998-8776-655443322110",
        owner_id="owner",
        name=name,
        created_ms=1_000,
        modified_ms=2_000,
        version=version,
        elements_count=0,
        archived_count=0,
        storage_used=0,
    )


def _element(element_id: str, version: int = 1, archived: bool = False) -> Element:
    return Element(
        id=element_id,
        library_id=_library().id,
        name=f"E {element_id}",
        type="application/vnd.adobe.element.color+dcx",
        created_ms=1_000,
        modified_ms=2_000,
        archived_ms=3_000 if archived else None,
        version=version,
        data={},
        representations=(),
    )


def _types(changes: ChangeSet, loaded: dict[str, Library] | None = None) -> list[str]:
    return [event.type for event in changes.events(loaded or {}, 5_000)]


def test_a_new_library_is_one_created_event_with_its_last_state() -> None:
    changes = ChangeSet()
    changes.library_written(_library(), created=True)
    changes.library_written(_library(version=2, name="Renamed"))
    [event] = changes.events({}, 5_000)
    assert event.type == "library.created"
    assert (event.library.version, event.library.name) == (2, "Renamed")


def test_a_copy_announces_the_library_not_each_element() -> None:
    changes = ChangeSet()
    changes.library_written(_library(), created=True)
    changes.element_written(_element("a"), created=True)
    changes.element_written(_element("b"), created=True)
    assert _types(changes) == ["library.created"]


def test_a_deleted_library_is_one_deleted_event() -> None:
    changes = ChangeSet()
    changes.library_written(_library(version=2))
    changes.elements_deleted(_library().id, ["a"])
    changes.library_deleted(_library(version=2))
    assert _types(changes) == ["library.deleted"]


def test_element_changes_coalesce_per_element() -> None:
    changes = ChangeSet()
    changes.element_written(_element("new"), created=True)
    changes.element_written(_element("new", version=2))
    changes.element_written(_element("old", version=4))
    changes.element_written(_element("old", version=5, archived=True))
    changes.elements_deleted(_library().id, ["purged"])
    changes.element_written(_element("brief"), created=True)
    changes.elements_deleted(_library().id, ["brief"])
    # No row of the library passed through this transaction: the store loads it.
    assert changes.libraries_to_load() == {_library().id}
    events = changes.events({_library().id: _library(version=9)}, 5_000)
    assert [(e.type, e.element.id if e.element else None) for e in events] == [
        ("element.created", "new"),
        ("element.updated", "old"),
        ("element.deleted", "purged"),
    ]
    assert {e.transaction_id for e in events} == {events[0].transaction_id}
    assert len({e.id for e in events}) == 3
    assert events[1].element is not None and events[1].element.archived is True
    assert all(e.library.version == 9 for e in events)


def test_the_envelope_has_adobes_shape() -> None:
    changes = ChangeSet()
    changes.library_written(_library(version=3))
    [event] = changes.events({}, 1_700_000_000_123)
    sent = envelope(event, "client-1")
    assert sent["id"] == sent["event_id"] == event.id
    assert sent["type"] == "com.adobe.platform.events.cc_library_updated"
    assert sent["source"] == f"urn:aaid:sc:US:{_library().id}"
    assert sent["time"] == "2023-11-14T22:13:20.123+00:00"
    assert sent["recipient"] == {"userid": "owner", "clientid": "client-1"}
    entity = sent["data"]["xdmEntity"]
    assert entity["event:sequence"] == 3
    assert entity["event:repository"] == {"repo:owner": {"id": "owner", "type": "user"}}
    [resource] = entity["event:resources"].values()
    assert resource["event:embedded"]["dc:format"] == "application/vnd.adobe.library+dcx"
    assert resource["event:embedded"]["repo:state"] == "ACTIVE"


def test_event_types_are_checked_and_put_in_order() -> None:
    assert parse_event_types(["element.deleted", "library.created", "library.created"]) == (
        "library.created",
        "element.deleted",
    )
    assert set(parse_event_types(list(EVENT_TYPES))) == set(EVENT_TYPES)
    for bad in ([], "library.created", ["library.renamed"], [1]):
        with pytest.raises(ValueError, match="event_types"):
            parse_event_types(bad)


def test_signatures_verify_only_with_the_secret_and_a_fresh_timestamp() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) > 40
    body = b'{"id":"e1"}'
    headers = signed_headers(secret, "e1", 1_000, body)
    assert headers["webhook-id"] == "e1"
    assert headers["webhook-signature"].startswith("v1,")
    verify(secret, headers, body, 1_000 + 299)
    with pytest.raises(BadSignature):
        verify(secret, headers, body, 1_000 + 301)
    with pytest.raises(BadSignature):
        verify(new_secret(), headers, body, 1_000)
    with pytest.raises(BadSignature):
        verify(secret, {**headers, "webhook-timestamp": "1001"}, body, 1_000)
    with pytest.raises(BadSignature):
        verify(secret, {}, body, 1_000)


def test_retries_back_off_exponentially_up_to_an_hour() -> None:
    policy = RetryPolicy(timeout_seconds=10, retry_seconds=10, max_attempts=12)
    assert [policy.delay_after(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert policy.delay_after(20) == 3600
    # A lease outlasts a whole attempt, so a live worker's row is never taken.
    assert policy.lease_ms > policy.timeout_seconds * 1000
