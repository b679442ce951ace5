"""``cclibs.sdk.AsyncClient`` against a live cclibs: the same operations as ``Client``,
awaited; lists as async iterators; files streamed both ways; errors and the refresh after
a 401 as in the synchronous client."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import httpx
import pytest

from cclibs.sdk import ApiUnreachable, AsyncClient, TokenCache, Tokens, TokenSource
from cclibs.sdk.errors import NotFound, PreconditionFailed, SdkError
from tests.sdk.client_server import ApiServer, server
from tests.support.servers import free_port

pytestmark = pytest.mark.anyio
__all__ = ["server"]  # the module's live server (a fixture)
MB = 1024 * 1024


def _client(server: ApiServer, **options: object) -> AsyncClient:
    caller = server.caller
    return AsyncClient.from_token(server.url, caller.access_token, caller.client_id, **options)


async def test_libraries_elements_and_paging(server: ApiServer) -> None:
    sent: list[httpx.Request] = []

    async def note(request: httpx.Request) -> None:
        sent.append(request)

    async with (
        httpx.AsyncClient(timeout=30, event_hooks={"request": [note]}) as http,
        _client(server, http=http, app="async-tests") as client,
    ):
        assert (await client.root())["api_version"] == "v1"
        library = await client.create_library("Async")
        library_id = library["id"]
        for n in range(12):
            await client.create_color(library_id, f"Color {n:02}", (n, n, n))
        theme = ["#111111", "#222222", "#333333", "#444444", "#555555"]
        await client.create_color_theme(library_id, "Theme", theme)
        sent.clear()
        names = [e["name"] async for e in client.elements(library_id, order_by="name", page_size=5)]
        assert names == [*(f"Color {n:02}" for n in range(12)), "Theme"]
        assert len(sent) == 3

        first = (await client.library(library_id))["manifest_etag"]
        await client.rename_library(library_id, "Renamed", if_match=first)
        with pytest.raises(PreconditionFailed):
            await client.rename_library(library_id, "Stale", if_match=first)
        ids = [e["id"] async for e in client.elements(library_id)]
        await client.archive_elements(library_id, ids[:2])
        archived = [e["id"] async for e in client.archived_elements(library_id)]
        assert sorted(archived) == sorted(ids[:2])
        await client.restore_elements(library_id, ids[:1])
        await client.archive_element(library_id, ids[2])
        await client.purge_archived(library_id)
        assert len([e async for e in client.elements(library_id)]) == 11

        await client.delete_library(library_id)
        with pytest.raises(NotFound) as gone:
            await client.library(library_id)
        assert gone.value.reason == "not_found" and gone.value.request_id
        with pytest.raises(SdkError, match="exactly 5 swatches"):
            await client.create_color_theme(library_id, "Short", theme[:3])


def _random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // MB):
            chunk = os.urandom(MB)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


async def test_files_stream_up_in_parts_and_back(server: ApiServer, tmp_path: Path) -> None:
    sent: list[str] = []

    async def note(request: httpx.Request) -> None:
        sent.append(request.method)

    async with (
        httpx.AsyncClient(timeout=30, event_hooks={"request": [note]}) as http,
        _client(server, http=http, chunked_above=MB, part_size=MB) as client,
    ):
        library_id = (await client.create_library("Async files"))["id"]
        data = tmp_path / "film.mp4"
        digest = _random_file(data, 3 * MB)
        reports: list[tuple[int, int | None]] = []
        threads: set[int] = set()

        def report(done: int, total: int | None) -> None:
            reports.append((done, total))
            threads.add(threading.get_ident())

        sent.clear()
        element = await client.create_file_element(
            library_id,
            "Film",
            data,
            element_type="application/vnd.adobe.element.video+dcx",
            progress=report,
        )
        assert sent == ["POST", "PUT", "PUT", "PUT", "POST", "POST"]  # ..., finalize, create
        assert reports[-1] == (3 * MB, 3 * MB)
        assert threads == {threading.get_ident()}  # reported on the event loop's thread
        primary = element["representations"][0]
        assert (primary["type"], primary["content_length"]) == ("video/mp4", 3 * MB)

        back = tmp_path / "back.mp4"
        reports.clear()
        threads.clear()
        written = await client.download(primary["storage_href"], back, progress=report)
        assert written == 3 * MB and reports[-1] == (3 * MB, 3 * MB)
        assert threads == {threading.get_ident()}
        with back.open("rb") as file:
            assert hashlib.file_digest(file, "sha256").hexdigest() == digest
        async with client.open_download(primary["storage_href"]) as (kind, length, chunks):
            total = 0
            async for chunk in chunks:
                total += len(chunk)
        assert (kind, length, total) == ("video/mp4", 3 * MB, 3 * MB)

        small = tmp_path / "note.txt"
        small.write_text("a note")
        uploaded = await client.upload(library_id, small)
        assert (uploaded["type"], uploaded["content_length"]) == ("text/plain", 6)


async def test_a_refused_connection_and_a_rejected_token(server: ApiServer, tmp_path: Path) -> None:
    async with AsyncClient(f"http://127.0.0.1:{free_port()}") as nowhere:
        with pytest.raises(ApiUnreachable, match="did not answer"):
            await nowhere.root()

    cache = TokenCache(tmp_path, server.profile.name)
    head, payload, signature = server.caller.access_token.split(".")
    broken = f"{head}.{payload}.{signature[::-1]}"
    refresh = server.caller.refresh_token
    cache.save(Tokens(access_token=broken, refresh_token=refresh, expires_at=4102444800.0))
    source = TokenSource(server.profile, directory=tmp_path)
    async with AsyncClient(server.url, auth=source.auth()) as client:
        library_id = (await client.create_library("Refreshed"))["id"]
        picture = tmp_path / "p.bin"
        picture.write_bytes(b"\0" * 1000)
        cache.save(Tokens(access_token=broken, refresh_token=refresh, expires_at=4102444800.0))
        fresh = TokenSource(server.profile, directory=tmp_path)
        async with AsyncClient(server.url, auth=fresh.auth()) as again:
            uploaded = await again.upload(library_id, picture)
        assert uploaded["content_length"] == 1000
    saved = cache.load()
    assert saved is not None and saved.access_token != broken
