"""Uploads nobody took up are forgotten after the grace period, with their blobs; uploads an
element names stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from cclibs.config import Settings
from cclibs.web import app as app_module
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

CLIENT = {"app": "gc-test", "device": "laptop", "deviceId": "dev-1"}


def blob_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "blobs" / "sha256"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def uploaded(
    client: httpx.AsyncClient, caller: ApiCaller, library_id: str, content: bytes
) -> dict[str, Any]:
    answer = await client.post(
        f"/api/v1/libraries/{library_id}/representations/content",
        headers=caller.headers,
        files={
            "Representation-Content": ("asset", content, "application/octet-stream"),
            "Representation-Data": (None, '{"type": "application/pdf"}'),
        },
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_an_upload_no_element_took_up_goes_after_the_grace_period(
    client: httpx.AsyncClient,
    app: Starlette,
    settings: Settings,
    clock: FrozenClock,
    api_caller: ApiCaller,
) -> None:
    library = (
        await client.post("/api/v1/libraries", headers=api_caller.headers, json={"name": "GC"})
    ).json()
    kept = await uploaded(client, api_caller, library["id"], b"%PDF kept " * 100)
    lost = await uploaded(client, api_caller, library["id"], b"%PDF forgotten " * 100)
    element = await client.post(
        f"/api/v1/libraries/{library['id']}/elements",
        headers=api_caller.headers,
        json={
            "name": "Brief",
            "type": "application/vnd.adobe.element.template+dcx",
            "client": CLIENT,
            "representations": [
                {
                    "type": "application/pdf",
                    "relationship": "primary",
                    "storage_href": kept["storage_href"],
                }
            ],
        },
    )
    assert element.status_code == 201, element.text
    files = app.state.cclibs.library_files

    # Within the grace period, an upload may still be taken up by an element.
    assert await files.collect_garbage() == 0
    assert len(blob_files(settings)) == 2

    clock.advance(timedelta(hours=2))
    assert await files.collect_garbage() == 1

    assert len(blob_files(settings)) == 1
    gone = await client.get(lost["storage_href"], headers=api_caller.headers)
    assert gone.status_code == 404
    still = await client.get(kept["storage_href"], headers=api_caller.headers)
    assert still.status_code == 200
    assert still.content == b"%PDF kept " * 100


async def test_the_server_collects_garbage_on_its_own(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds = asyncio.Event()
    files = app.state.cclibs.library_files

    async def counted(**_: Any) -> int:
        rounds.set()
        return 0

    monkeypatch.setattr(app_module, "_GARBAGE_INTERVAL_S", 0.01)
    monkeypatch.setattr(files, "collect_garbage", counted)
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(rounds.wait(), timeout=5)
