"""Chunked uploads: initiate, send parts (any order, again), finalize into one file."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from cclibs.config import Settings
from tests.support.api_auth import ApiCaller, ApiCallers

pytestmark = pytest.mark.anyio


async def new_library(client: httpx.AsyncClient, caller: ApiCaller) -> dict[str, Any]:
    answer = await client.post("/api/v1/libraries", headers=caller.headers, json={"name": "Big"})
    assert answer.status_code == 201
    return dict(answer.json())


async def initiate(
    client: httpx.AsyncClient, caller: ApiCaller, library: dict[str, Any], kind: str = "video/mp4"
) -> dict[str, Any]:
    answer = await client.post(
        f"/api/v1/libraries/{library['library_urn']}/representations/uploads",
        headers=caller.headers,
        json={"type": kind},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def blob_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "blobs"
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


async def test_parts_sent_out_of_order_and_again_finalize_into_one_downloadable_file(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller)
    upload = await initiate(client, api_caller, library)
    href = upload["_links"]["self"]["href"]
    parts = [bytes([n]) * (300_000 + n) for n in range(1, 4)]
    for number in (3, 1, 2):
        answer = await client.put(
            f"{href}/parts/{number}", headers=api_caller.headers, content=parts[number - 1]
        )
        assert answer.status_code == 200
        assert answer.json()["size"] == len(parts[number - 1])
    # A retried part replaces the first attempt.
    parts[1] = b"retried" * 1000
    again = await client.put(f"{href}/parts/2", headers=api_caller.headers, content=parts[1])
    assert again.status_code == 200

    status = await client.get(href, headers=api_caller.headers)
    assert [p["part_number"] for p in status.json()["parts"]] == [1, 2, 3]

    done = await client.post(href, headers=api_caller.headers, json={"parts": [1, 2, 3]})
    assert done.status_code == 200, done.text
    whole = b"".join(parts)
    flat = done.json()
    assert flat["type"] == "video/mp4"
    assert flat["content_length"] == len(whole)
    assert (
        flat["md5"] == base64.b64encode(hashlib.md5(whole, usedforsecurity=False).digest()).decode()
    )

    download = await client.get(flat["storage_href"], headers=api_caller.headers)
    assert download.status_code == 200
    assert download.content == whole

    element = await client.post(
        f"/api/v1/libraries/{library['id']}/elements",
        headers=api_caller.headers,
        json={
            "name": "clip",
            "type": "application/vnd.adobe.element.video+dcx",
            "client": {"app": "a", "device": "d", "deviceId": "i"},
            "representations": [
                {
                    "type": "video/mp4",
                    "relationship": "primary",
                    "storage_href": flat["storage_href"],
                }
            ],
        },
    )
    assert element.status_code == 201, element.text
    # The upload is finished: it cannot be finalized twice.
    twice = await client.post(href, headers=api_caller.headers)
    assert twice.status_code == 404


async def test_a_gap_or_an_unlisted_part_refuses_to_finalize(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller)
    upload = await initiate(client, api_caller, library)
    href = upload["_links"]["self"]["href"]
    for number in (1, 3):
        await client.put(f"{href}/parts/{number}", headers=api_caller.headers, content=b"x" * 10)
    gap = await client.post(href, headers=api_caller.headers)
    assert gap.status_code == 409
    assert "Part 2 is missing" in gap.json()["message"]
    unlisted = await client.post(href, headers=api_caller.headers, json={"parts": [1]})
    assert unlisted.status_code == 409
    missing = await client.post(href, headers=api_caller.headers, json={"parts": [1, 2, 3]})
    assert missing.status_code == 409
    assert "Part 2 has not arrived" in missing.json()["message"]


@pytest.mark.parametrize(
    ("number", "content", "status"),
    [("0", b"x", 400), ("10001", b"x", 400), ("one", b"x", 400), ("1", b"", 400)],
)
async def test_bad_parts_are_refused(
    client: httpx.AsyncClient,
    api_caller: ApiCaller,
    number: str,
    content: bytes,
    status: int,
) -> None:
    library = await new_library(client, api_caller)
    upload = await initiate(client, api_caller, library)
    href = upload["_links"]["self"]["href"]
    answer = await client.put(f"{href}/parts/{number}", headers=api_caller.headers, content=content)
    assert answer.status_code == status
    assert set(answer.json()) == {"reason", "message"}


async def test_abandoning_an_upload_removes_its_parts(
    client: httpx.AsyncClient, api_caller: ApiCaller, settings: Settings
) -> None:
    library = await new_library(client, api_caller)
    before = blob_files(settings)
    upload = await initiate(client, api_caller, library)
    href = upload["_links"]["self"]["href"]
    await client.put(f"{href}/parts/1", headers=api_caller.headers, content=b"part one" * 999)
    assert len(blob_files(settings)) == len(before) + 1
    gone = await client.delete(href, headers=api_caller.headers)
    assert gone.status_code == 204
    assert blob_files(settings) == before
    assert (await client.get(href, headers=api_caller.headers)).status_code == 404


async def test_another_user_cannot_see_or_feed_an_upload(
    client: httpx.AsyncClient, api_caller: ApiCaller, api_callers: ApiCallers
) -> None:
    library = await new_library(client, api_caller)
    upload = await initiate(client, api_caller, library)
    href = upload["_links"]["self"]["href"]
    other = await api_callers.user()
    assert (await client.get(href, headers=other.headers)).status_code == 404
    put = await client.put(f"{href}/parts/1", headers=other.headers, content=b"intruder")
    assert put.status_code == 404
    own = await new_library(client, other)
    foreign = f"/api/v1/libraries/{own['id']}/representations/uploads/{upload['upload_id']}"
    assert (await client.get(foreign, headers=other.headers)).status_code == 404


async def test_initiate_needs_a_concrete_type(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller)
    answer = await client.post(
        f"/api/v1/libraries/{library['id']}/representations/uploads",
        headers=api_caller.headers,
        json={"type": "video/*"},
    )
    assert answer.status_code == 400
    assert "type" in answer.json()["message"]


async def test_the_server_sweeps_temporaries_a_crash_left_at_start(
    settings: Settings, app: Any
) -> None:
    temporaries = settings.data_dir / "blobs" / "tmp"
    temporaries.mkdir(parents=True, exist_ok=True)
    stale, fresh = temporaries / "blob-crashed.part", temporaries / "blob-live.part"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"an upload in progress")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))

    async with app.router.lifespan_context(app):
        pass

    assert not stale.exists()
    assert fresh.exists()
