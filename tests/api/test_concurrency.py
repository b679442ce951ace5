"""Concurrent writers through the real HTTP surface: none loses an update, If-Match picks one
winner, and an upload either completes or leaves nothing behind.

The requests go through ``httpx.ASGITransport`` on one event loop: ``asyncio.gather`` starts
them all, and they interleave at every await (token check, session, lock, I/O). On PostgreSQL
each request gets its own connection, so the writers really overlap and the library row's
``SELECT ... FOR UPDATE`` is what makes them take turns. SQLite allows one writer at a time:
the write transactions begin with ``BEGIN IMMEDIATE`` and queue on the busy timeout, so there
the writes are serialized by the database itself; the reads and token checks still overlap,
and every assertion below must hold all the same. (Checked when these tests were written: all
200 creates, and all 20 conditional PUTs, were inside the app at once; and with the row lock
taken out of ``SqlLibraryStore.library``, the PostgreSQL runs of the create, PUT, rename and
same-content upload tests fail.)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from cclibs.config import Settings
from cclibs.storage.tables import LibraryAssetRow
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

COLOR = "application/vnd.adobe.element.color+dcx"
IMAGE = "application/vnd.adobe.element.image+dcx"
CLIENT = {"app": "concurrency test", "device": "pytest", "deviceId": "pytest-1"}
BOUNDARY = "cclibs-concurrency-boundary"
CHUNK = 64 * 1024
FILE = bytes(range(256)) * (4 * CHUNK // 256)  # 256 KB: several chunks on the way in


def color_rep(red: int) -> dict[str, Any]:
    return {
        "type": "application/vnd.adobe.color+json",
        "relationship": "primary",
        "color#data": {"mode": "RGB", "value": {"r": red, "g": 56, "b": 89}, "type": "process"},
    }


def color_element(name: str, red: int = 12) -> dict[str, Any]:
    return {"name": name, "type": COLOR, "client": CLIENT, "representations": [color_rep(red)]}


async def new_library(client: httpx.AsyncClient, caller: ApiCaller, name: str) -> dict[str, Any]:
    response = await client.post("/api/v1/libraries", json={"name": name}, headers=caller.headers)
    assert response.status_code == 201, response.text
    library: dict[str, Any] = response.json()
    return library


async def new_element(
    client: httpx.AsyncClient, caller: ApiCaller, library_id: str, body: dict[str, Any]
) -> httpx.Response:
    response = await client.post(
        f"/api/v1/libraries/{library_id}/elements", json=body, headers=caller.headers
    )
    assert response.status_code == 201, response.text
    return response


# Multipart bodies, built by hand so that a test can stop them anywhere ---------------------


def _upload_head() -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="Representation-Data"\r\n'
        "Content-Type: application/json\r\n\r\n"
        '{"type": "image/png"}\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="Representation-Content"; filename="f.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()


_UPLOAD_TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def _chunks(content: bytes) -> list[bytes]:
    return [content[i : i + CHUNK] for i in range(0, len(content), CHUNK)]


async def upload_stream(content: bytes, *, stop_after: int | None = None) -> AsyncIterator[bytes]:
    """The multipart body of an upload of ``content``, as a stream. ``stop_after``: the
    stream ends after that many file chunks, before the closing boundary."""
    yield _upload_head()
    for index, chunk in enumerate(_chunks(content)):
        if stop_after is not None and index == stop_after:
            return
        await asyncio.sleep(0)  # let the other requests run between chunks
        yield chunk
    yield _UPLOAD_TAIL


async def failing_stream(content: bytes, *, fail_after: int) -> AsyncIterator[bytes]:
    """The same body, but reading it raises after ``fail_after`` file chunks."""
    yield _upload_head()
    for index, chunk in enumerate(_chunks(content)):
        if index == fail_after:
            raise ConnectionResetError("the client went away mid-upload")
        yield chunk


def upload_url(library_id: str) -> str:
    return f"/api/v1/libraries/{library_id}/representations/content"


def upload_headers(caller: ApiCaller) -> dict[str, str]:
    return {**caller.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def upload(
    client: httpx.AsyncClient, caller: ApiCaller, library_id: str, content: bytes
) -> httpx.Response:
    return await client.post(
        upload_url(library_id), content=upload_stream(content), headers=upload_headers(caller)
    )


def blob_files(settings: Settings) -> list[Path]:
    """The completed blobs (``blobs/sha256/ab/cd/<key>``, see cclibs.storage.blobs)."""
    root = settings.data_dir / "blobs" / "sha256"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def temporaries(settings: Settings) -> list[Path]:
    root = settings.data_dir / "blobs" / "tmp"
    return sorted(p for p in root.iterdir() if p.is_file()) if root.exists() else []


async def asset_rows(app: Starlette, library_id: str) -> list[LibraryAssetRow]:
    async with app.state.cclibs.db.read() as session:
        rows = await session.scalars(
            select(LibraryAssetRow).where(LibraryAssetRow.library_id == library_id)
        )
        return list(rows.all())


# Element creates ---------------------------------------------------------------------------


async def test_200_concurrent_creates_are_all_counted(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller, "Busy")
    lid = library["id"]
    assert library["version"] == "1"

    answers = await asyncio.gather(
        *(new_element(client, api_caller, lid, color_element(f"c{i}", i)) for i in range(200))
    )

    ids = {answer.json()["elements"][0]["id"] for answer in answers}
    assert len(ids) == 200
    listed = await client.get(
        f"/api/v1/libraries/{lid}/elements", params={"limit": 100}, headers=api_caller.headers
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["total_count"] == 200
    got = (await client.get(f"/api/v1/libraries/{lid}", headers=api_caller.headers)).json()
    assert got["elements_count"] == 200
    assert got["version"] == str(1 + 200)


# If-Match: one winner ----------------------------------------------------------------------


async def test_concurrent_representation_puts_with_one_etag_have_one_winner(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    lid = (await new_library(client, api_caller, "Swatches"))["id"]
    created = await new_element(client, api_caller, lid, color_element("red"))
    eid = created.json()["elements"][0]["id"]
    etag = created.headers["etag"]
    headers = {**api_caller.headers, "If-Match": etag}

    answers = await asyncio.gather(
        *(
            client.put(
                f"/api/v1/libraries/{lid}/elements/{eid}/representations",
                json={"client": CLIENT, "representations": [color_rep(100 + i)]},
                headers=headers,
            )
            for i in range(20)
        )
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [412] * 19, [a.text for a in answers if a.status_code != 412]
    (winner,) = [a for a in answers if a.status_code == 200]
    for loser in (a for a in answers if a.status_code == 412):
        assert loser.json()["reason"] == "precondition_failed", loser.text
    now = await client.get(
        f"/api/v1/libraries/{lid}/elements/{eid}",
        params={"selector": "representations"},
        headers=api_caller.headers,
    )
    assert now.headers["etag"] == winner.headers["etag"] != etag
    won = winner.json()["elements"][0]["representations"][0]["color#data"]
    assert now.json()["representations"][0]["color#data"] == won


async def test_concurrent_renames_with_one_etag_have_one_winner(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller, "Before")
    lid = library["id"]
    head = await client.get(f"/api/v1/libraries/{lid}", headers=api_caller.headers)
    headers = {**api_caller.headers, "If-Match": head.headers["etag"]}

    names = [f"After {i}" for i in range(20)]
    answers = await asyncio.gather(
        *(
            client.put(f"/api/v1/libraries/{lid}/metadata", json={"name": n}, headers=headers)
            for n in names
        )
    )

    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [204] + [412] * 19, [a.text for a in answers]
    winner = names[statuses.index(204)]
    now = await client.get(f"/api/v1/libraries/{lid}", headers=api_caller.headers)
    assert now.json()["name"] == winner
    assert now.json()["version"] == "2"
    assert now.headers["etag"] == answers[statuses.index(204)].headers["etag"]


# Uploads cut off ---------------------------------------------------------------------------


async def _assert_nothing_left(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, caller: ApiCaller, lid: str
) -> None:
    assert blob_files(settings) == []
    assert temporaries(settings) == []
    assert await asset_rows(app, lid) == []
    # The library still takes writes: the cut-off upload holds no lock and left no debris.
    await new_element(client, caller, lid, color_element("after the cut"))
    got = (await client.get(f"/api/v1/libraries/{lid}", headers=caller.headers)).json()
    assert (got["elements_count"], got["storage_used"]) == (1, 0)


async def test_an_upload_whose_body_ends_before_the_closing_boundary_leaves_nothing(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, api_caller: ApiCaller
) -> None:
    lid = (await new_library(client, api_caller, "Uploads"))["id"]

    answer = await client.post(
        upload_url(lid),
        content=upload_stream(FILE, stop_after=2),
        headers=upload_headers(api_caller),
    )

    assert answer.status_code == 400, answer.text
    await _assert_nothing_left(client, app, settings, api_caller, lid)


async def test_an_upload_whose_body_stream_raises_halfway_leaves_nothing(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, api_caller: ApiCaller
) -> None:
    lid = (await new_library(client, api_caller, "Uploads"))["id"]

    # In-process, the error surfaces inside the app's receive(): the route sees an exception
    # where a server would see a disconnect. Nobody is left to read the answer; what matters
    # is that the upload failed and left nothing.
    answer = await client.post(
        upload_url(lid),
        content=failing_stream(FILE, fail_after=2),
        headers=upload_headers(api_caller),
    )

    assert answer.status_code >= 400, answer.text
    await _assert_nothing_left(client, app, settings, api_caller, lid)


async def test_an_upload_whose_client_disconnects_halfway_leaves_nothing(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, api_caller: ApiCaller
) -> None:
    """What uvicorn does when the client goes away: ``http.disconnect`` from receive()."""
    lid = (await new_library(client, api_caller, "Uploads"))["id"]
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": _upload_head(), "more_body": True},
        *({"type": "http.request", "body": c, "more_body": True} for c in _chunks(FILE)[:2]),
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0)
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    headers = {**upload_headers(api_caller), "host": "testserver"}
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": upload_url(lid),
        "raw_path": upload_url(lid).encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("203.0.113.7", 40000),
        "server": ("testserver", 80),
    }

    await app(scope, receive, send)

    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    await _assert_nothing_left(client, app, settings, api_caller, lid)


# Uploads of the same content ---------------------------------------------------------------


async def test_concurrent_uploads_of_identical_content_share_one_blob(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, api_caller: ApiCaller
) -> None:
    lid = (await new_library(client, api_caller, "Same file"))["id"]

    answers = await asyncio.gather(*(upload(client, api_caller, lid, FILE) for _ in range(6)))

    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    bodies = [a.json() for a in answers]
    assert len({b["asset_id"] for b in bodies}) == 6  # one asset per upload
    assert len({(b["etag"], b["md5"], b["content_length"]) for b in bodies}) == 1
    (blob,) = blob_files(settings)  # one blob for all of them
    assert blob.read_bytes() == FILE
    assert temporaries(settings) == []
    rows = await asset_rows(app, lid)
    assert len(rows) == 6 and {r.blob_key for r in rows} == {blob.name}

    async def works(body: dict[str, Any]) -> None:
        got = await client.get(body["storage_href"], headers=api_caller.headers)
        assert got.status_code == 200 and got.content == FILE
        rep = {"type": "image/png", "relationship": "primary", "storage_href": body["storage_href"]}
        element = {"name": "img", "type": IMAGE, "client": CLIENT, "representations": [rep]}
        await new_element(client, api_caller, lid, element)

    await asyncio.gather(*(works(body) for body in bodies))
    got = (await client.get(f"/api/v1/libraries/{lid}", headers=api_caller.headers)).json()
    assert got["elements_count"] == 6
    assert got["storage_used"] == 6 * len(FILE)


async def test_an_upload_cut_off_while_the_same_content_completes_keeps_the_blob(
    client: httpx.AsyncClient, app: Starlette, settings: Settings, api_caller: ApiCaller
) -> None:
    """The cut-off body's bytes are a prefix, not the same content: its blob (if any) is
    another key, so releasing it cannot take the complete upload's blob away."""
    lid = (await new_library(client, api_caller, "Mixed"))["id"]
    cut_off = upload_stream(FILE, stop_after=3)

    done, cut = await asyncio.gather(
        upload(client, api_caller, lid, FILE),
        client.post(upload_url(lid), content=cut_off, headers=upload_headers(api_caller)),
    )

    assert (done.status_code, cut.status_code) == (200, 400), (done.text, cut.text)
    (blob,) = blob_files(settings)
    assert blob.read_bytes() == FILE
    assert len(await asset_rows(app, lid)) == 1
    got = await client.get(done.json()["storage_href"], headers=api_caller.headers)
    assert got.status_code == 200 and got.content == FILE


async def test_an_upload_of_content_being_released_keeps_its_blob(
    client: httpx.AsyncClient,
    app: Starlette,
    settings: Settings,
    api_caller: ApiCaller,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Library A holds the only asset of some content; an upload of the same content to
    library B has stored its bytes (the store found the blob already there) and is about to
    record its asset when A is deleted, which releases A's blobs."""
    old = (await new_library(client, api_caller, "Old"))["id"]
    new = (await new_library(client, api_caller, "New"))["id"]
    assert (await upload(client, api_caller, old, FILE)).status_code == 200
    blobs = app.state.cclibs.library_files.blobs
    put = blobs.put
    stored, go_on = asyncio.Event(), asyncio.Event()

    async def put_later(chunks: Any, *, max_size: int, commit: Any = None) -> Any:
        # The gap between the end of the stream and the asset's write transaction, which on
        # a busy server is the wait for the write lock.
        @contextlib.asynccontextmanager
        async def delayed(blob: Any) -> Any:
            stored.set()
            await go_on.wait()
            async with commit(blob):
                yield

        return await put(chunks, max_size=max_size, commit=delayed)

    monkeypatch.setattr(blobs, "put", put_later)
    uploading = asyncio.create_task(upload(client, api_caller, new, FILE))
    await stored.wait()
    deleted = await client.delete(f"/api/v1/libraries/{old}", headers=api_caller.headers)
    assert deleted.status_code == 204
    go_on.set()
    answer = await uploading

    assert answer.status_code == 200, answer.text
    got = await client.get(answer.json()["storage_href"], headers=api_caller.headers)
    assert (got.status_code, got.content) == (200, FILE), got.text
