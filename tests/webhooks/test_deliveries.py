"""Deliveries end to end, in process, on SQLite and PostgreSQL: a credential registers a
receiver on 127.0.0.1 through the API, a library change writes the outbox, the worker posts
it signed, retries a 500 with backoff, and records every attempt."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.services import WebhookServices
from cclibs.storage.purge import Purge
from cclibs.storage.tables import WebhookAttemptRow, WebhookDeliveryRow
from cclibs.storage.webhooks import SqlOutbox
from cclibs.web.api import openapi as api_openapi
from cclibs.webhooks.signing import BadSignature, verify
from tests.support.api_auth import ApiCallers
from tests.webhooks.conftest import LIBRARIES, WEBHOOKS, Actors, color, new_library, register
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.anyio

REPOSITORY = "http://ns.adobe.com/adobecloud/rel/metadata/repository"
ALL = [
    "library.created",
    "library.updated",
    "library.deleted",
    "element.created",
    "element.updated",
    "element.deleted",
]


def _fits(name: str, value: object) -> None:
    """``value`` fits the schema the served OpenAPI document gives it."""
    components = api_openapi.openapi_document()["components"]
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": components}
    )
    assert list(validator.iter_errors(value)) == []


async def _rows(app: Starlette, table: Any) -> list[Any]:
    async with app.state.cclibs.db.read() as session:
        return list(await session.scalars(select(table)))


async def test_a_change_reaches_the_receiver_signed(
    client: httpx.AsyncClient, actors: Actors, receiver: Receiver, webhooks: WebhookServices
) -> None:
    hook = await register(client, actors.server, f"{receiver.url}/hook", ["library.created"])
    assert hook["secret"].startswith("whsec_")
    library = await new_library(client, actors.developer, "Brand colours")

    assert await webhooks.worker.run_once() == 1

    [got] = receiver.at("/hook")
    got.verify(hook["secret"])
    event = got.event
    assert got.headers["webhook-id"] == event["id"] == event["event_id"]
    assert event["type"] == "com.adobe.platform.events.cc_library_created"
    assert event["specversion"] == "1.0"
    assert event["source"] == library["library_urn"]
    assert event["recipient"] == {
        "userid": actors.developer.user_id,
        "clientid": actors.server.client_id,
    }
    resource = event["data"]["xdmEntity"]["event:resources"][REPOSITORY]
    assert resource["event:action"] == "created"
    assert resource["event:embedded"]["repo:name"] == "Brand colours"
    # A changed body, another secret or an old timestamp do not verify.
    now = int(time.time())
    with pytest.raises(BadSignature):
        verify(hook["secret"], got.headers, got.body.replace(b"Brand", b"Brant"), now)
    with pytest.raises(BadSignature):
        verify(hook["secret"] + "x", got.headers, got.body, now)
    with pytest.raises(BadSignature):
        verify(hook["secret"], got.headers, got.body, now + 3600)
    # The secret is shown once: the list does not carry it.
    listed = (await client.get(WEBHOOKS, headers=actors.server.headers)).json()
    assert [h["id"] for h in listed["webhooks"]] == [hook["id"]]
    assert "secret" not in listed["webhooks"][0]
    # Nothing is left to deliver.
    assert await webhooks.worker.run_once() == 0


async def test_a_500_is_retried_after_the_backoff_and_every_attempt_is_recorded(
    app: Starlette,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    webhooks: WebhookServices,
    clock: FrozenClock,
) -> None:
    hook = await register(client, actors.server, f"{receiver.url}/retry", ["library.created"])
    await new_library(client, actors.developer, "Retried")
    receiver.statuses = [500]

    assert await webhooks.worker.run_once() == 1
    deliveries = (
        await client.get(f"{WEBHOOKS}/{hook['id']}/deliveries", headers=actors.server.headers)
    ).json()["deliveries"]
    assert [(d["state"], d["attempts"], d["last_status"]) for d in deliveries] == [
        ("pending", 1, 500)
    ]
    assert deliveries[0]["last_error"] == "the receiver answered 500"
    _fits("WebhookDelivery", deliveries[0])
    # Not due before the backoff (30 s, the test's setting) has passed.
    clock.advance(timedelta(seconds=29))
    assert await webhooks.worker.run_once() == 0
    clock.advance(timedelta(seconds=2))
    assert await webhooks.worker.run_once() == 1

    first, second = receiver.at("/retry")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    second.verify(hook["secret"])
    [delivery] = await _rows(app, WebhookDeliveryRow)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 2, 200)
    assert delivery.last_error is None and delivery.lease_owner is None
    attempts = sorted(await _rows(app, WebhookAttemptRow), key=lambda a: a.number)
    assert [(a.number, a.status, a.error) for a in attempts] == [
        (1, 500, "the receiver answered 500"),
        (2, 200, None),
    ]
    assert all(a.duration_ms >= 0 for a in attempts)


async def test_an_unreachable_receiver_fails_after_the_last_attempt(
    app: Starlette,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    webhooks: WebhookServices,
    clock: FrozenClock,
) -> None:
    await register(client, actors.server, f"{receiver.url}/down", ["library.created"])
    await new_library(client, actors.developer, "Nobody listens")
    receiver.statuses = [503, 503, 503]
    for _ in range(3):  # webhook_max_attempts is 3; the waits are 30 s then 60 s
        assert await webhooks.worker.run_once() == 1
        clock.advance(timedelta(seconds=61))
    assert await webhooks.worker.run_once() == 0
    [delivery] = await _rows(app, WebhookDeliveryRow)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("failed", 3, 503)
    assert delivery.finished_ms is not None
    # The purge keeps a finished delivery 30 days, and its attempts with it; a pending one
    # stays until it is finished.
    await new_library(client, actors.developer, "Still pending")
    purge = Purge(app.state.cclibs.db)
    await purge.run(clock.now() + timedelta(days=29))
    assert len(await _rows(app, WebhookDeliveryRow)) == 2
    report = await purge.run(clock.now() + timedelta(days=31))
    assert report.deleted["webhook deliveries"] == 1
    [left] = await _rows(app, WebhookDeliveryRow)
    assert left.state == "pending"
    assert await _rows(app, WebhookAttemptRow) == []


async def test_events_follow_the_changes_coalesced_per_transaction(
    app: Starlette,
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    webhooks: WebhookServices,
) -> None:
    hook = await register(client, actors.server, f"{receiver.url}/all", ALL)
    headers = actors.developer.headers
    library = await new_library(client, actors.developer, "Palette")
    path = f"{LIBRARIES}/{library['id']}"
    made = await client.post(f"{path}/elements", json=color("Red"), headers=headers)
    assert made.status_code in (200, 201), made.text
    element_id = made.json()["elements"][0]["id"]
    renamed = await client.put(f"{path}/metadata", json={"name": "Palette 2"}, headers=headers)
    assert renamed.status_code in (200, 204), renamed.text
    gone = await client.delete(f"{path}/elements/{element_id}", headers=headers)
    assert gone.status_code in (200, 204), gone.text
    # A write that fails (If-Match names an old version) commits no event.
    stale = await client.put(
        f"{path}/metadata", json={"name": "x"}, headers={**headers, "If-Match": '"stale"'}
    )
    assert stale.status_code == 412, stale.text
    deleted = await client.delete(path, headers=headers)
    assert deleted.status_code in (200, 204), deleted.text

    while await webhooks.worker.run_once():
        pass
    events = [r.event for r in receiver.at("/all")]
    for got in receiver.at("/all"):
        got.verify(hook["secret"])
    prefix = "com.adobe.platform.events.cc_library"
    seen = [
        (e["type"].removeprefix(prefix), e["data"]["xdmEntity"].get("cclibs:element"))
        for e in events
    ]
    archived = {
        "id": element_id,
        "library_id": library["id"],
        "name": "Red",
        "type": "application/vnd.adobe.element.color+dcx",
    }
    # Deliveries run concurrently: receivers get no order, only what happened.
    assert sorted(seen, key=repr) == sorted(
        [
            ("_created", None),
            ("_updated", None),  # the element added
            (
                "_element_created",
                {**archived, "event:action": "created", "version": 1, "archived": False},
            ),
            ("_updated", None),  # renamed
            ("_updated", None),  # the element deleted: moved to the archive
            (
                "_element_updated",
                {**archived, "event:action": "updated", "version": 2, "archived": True},
            ),
            ("_deleted", None),
        ],
        key=repr,
    )
    assert len({e["id"] for e in events}) == len(events)


async def test_the_audience_is_the_owner_and_users_who_consented(
    app: Starlette,
    client: httpx.AsyncClient,
    actors: Actors,
    api_callers: ApiCallers,
    receiver: Receiver,
    webhooks: WebhookServices,
) -> None:
    # The developer's Server-to-Server credential hears of the developer's libraries only;
    # the Web App hears of every user who consented to it with cc_libraries.
    web_app = await api_callers.web_app()
    await register(client, actors.server, f"{receiver.url}/server", ["library.created"])
    registered = await webhooks.registry.register(
        web_app.client_id, f"{receiver.url}/app", ["library.created"]
    )
    user = await api_callers.user()
    other = await api_callers.server()  # another credential of the developer: no webhook
    await new_library(client, actors.developer, "Mine")
    await new_library(client, user, "Theirs")
    del other

    while await webhooks.worker.run_once():
        pass
    server_names = sorted(_name(r.event) for r in receiver.at("/server"))
    app_names = sorted(_name(r.event) for r in receiver.at("/app"))
    assert server_names == ["Mine"]
    assert app_names == ["Mine", "Theirs"]
    for got in receiver.at("/app"):
        got.verify(registered.secret)
        assert got.event["recipient"]["clientid"] == web_app.client_id


def _name(event: dict[str, Any]) -> str:
    resource = event["data"]["xdmEntity"]["event:resources"][REPOSITORY]
    return str(resource["event:embedded"]["repo:name"])


async def test_two_workers_never_hold_the_same_delivery(
    client: httpx.AsyncClient,
    actors: Actors,
    receiver: Receiver,
    webhooks: WebhookServices,
    app: Starlette,
) -> None:
    await register(client, actors.server, f"{receiver.url}/once", ["library.created"])
    for n in range(5):
        await new_library(client, actors.developer, f"L{n}")
    outbox = SqlOutbox(app.state.cclibs.db)
    now = int(time.time() * 1000)
    results: dict[str, list[str]] = {}

    async def claim(owner: str) -> None:
        results[owner] = [c.id for c in await outbox.claim(owner, now, 60_000, 10)]

    async with anyio.create_task_group() as group:
        for owner in ("a", "b", "c"):
            group.start_soon(claim, owner)
    held = [id_ for ids in results.values() for id_ in ids]
    assert len(held) == 5 and len(set(held)) == 5
    # While leased, nobody else takes them; once the lease runs out, they are due again.
    assert await outbox.claim("d", now + 59_000, 60_000, 10) == []
    assert len(await outbox.claim("d", now + 60_001, 60_000, 10)) == 5


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # SQLite's one write lock
async def test_an_idle_worker_does_not_wait_for_the_write_lock(
    webhooks: WebhookServices, database_url: str
) -> None:
    """Nothing due: a round only reads, so a long write elsewhere (a bulk import, another
    process) neither blocks the worker nor is slowed by it. Without the read first, the round
    waits for SQLite's one write lock until its busy timeout and fails."""
    path = database_url.split("///", 1)[1]
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with anyio.fail_after(5):
            assert await webhooks.worker.run_once() == 0
    finally:
        other.execute("ROLLBACK")
        other.close()
