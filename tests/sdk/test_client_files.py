"""Files through ``cclibs.sdk.Client`` against a live cclibs (SQLite and PostgreSQL): the
multipart upload, a 20 MB upload streamed through the chunked upload API, downloads written
atomically, renditions, the origin rule, and the token refreshed after a 401, for uploads
too (the body is sent again from disk, never held in memory)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from cclibs.sdk import Client, TokenCache, Tokens, TokenSource
from cclibs.sdk.errors import NotFound, SdkError, UntrustedOrigin
from tests.sdk.client_server import ApiServer, server

__all__ = ["server"]  # the module's live server (a fixture)
MB = 1024 * 1024


@pytest.fixture
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
def http(sent: list[httpx.Request]) -> Iterator[httpx.Client]:
    """An httpx client that notes every request it sends."""
    with httpx.Client(timeout=60, event_hooks={"request": [sent.append]}) as http:
        yield http


@pytest.fixture
def client(server: ApiServer, http: httpx.Client) -> Iterator[Client]:
    caller = server.caller
    with Client.from_token(server.url, caller.access_token, caller.client_id, http=http) as client:
        yield client


def _random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes a megabyte at a time; returns their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for start in range(0, size, MB):
            chunk = os.urandom(min(MB, size - start))
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _png(path: Path) -> bytes:
    Image.new("RGB", (300, 150), (215, 55, 63)).save(path, format="PNG")
    return path.read_bytes()


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))


def test_a_small_file_goes_up_in_one_multipart_request_and_comes_back(
    client: Client, sent: list[httpx.Request], tmp_path: Path
) -> None:
    library_id = client.create_library("Files")["id"]
    picture = tmp_path / "logo.png"
    content = _png(picture)
    progress = Progress()
    sent.clear()
    uploaded = client.upload(library_id, picture, progress=progress)
    assert [(r.method, r.url.path.rsplit("/", 1)[-1]) for r in sent] == [("POST", "content")]
    assert sent[0].headers["content-type"].startswith("multipart/form-data; boundary=")
    assert uploaded["type"] == "image/png"  # guessed from the name
    assert uploaded["content_length"] == len(content)
    assert uploaded["md5"] == base64.b64encode(hashlib.md5(content).digest()).decode()  # noqa: S324
    assert progress.calls[-1] == (len(content), len(content))

    saved = tmp_path / "back.png"
    progress = Progress()
    assert client.download(uploaded["storage_href"], saved, progress=progress) == len(content)
    assert saved.read_bytes() == content
    assert progress.calls[-1] == (len(content), len(content))
    relative = uploaded["storage_href"].removeprefix(client.api_url)
    buffer = io.BytesIO()
    assert client.download(relative, buffer) == len(content)
    assert buffer.getvalue() == content
    with client.open_download(uploaded["storage_href"]) as (kind, length, chunks):
        assert (kind, length, b"".join(chunks)) == ("image/png", len(content), content)

    given = io.BytesIO(b"plain words")
    text = client.upload(library_id, given, content_type="text/plain")
    assert (text["type"], text["content_length"]) == ("text/plain", 11)


def test_a_file_element_and_its_renditions(client: Client, tmp_path: Path) -> None:
    library_id = client.create_library("Pictures")["id"]
    picture = tmp_path / "banner.png"
    content = _png(picture)
    element = client.create_file_element(library_id, "Banner", picture)
    primary = element["representations"][0]
    assert (element["type"], primary["relationship"]) == (
        "application/vnd.adobe.element.image+dcx",
        "primary",
    )
    assert primary["type"] == "image/png" and primary["content_length"] == len(content)

    full = tmp_path / "full.png"
    assert client.rendition(library_id, element["id"], full) == len(content)
    assert full.read_bytes() == content
    thumb = tmp_path / "thumb.png"
    client.rendition(library_id, element["id"], thumb, size=60)
    with Image.open(thumb) as image:
        assert (image.format, max(image.size)) == ("PNG", 60)


def test_20_mb_go_up_streamed_in_parts_and_come_back_identical(
    client: Client, sent: list[httpx.Request], tmp_path: Path
) -> None:
    library_id = client.create_library("Big")["id"]
    big = tmp_path / "film.mp4"
    size = 20 * MB
    digest = _random_file(big, size)
    progress = Progress()
    sent.clear()
    tracemalloc.start()
    try:
        uploaded = client.upload(library_id, big, progress=progress)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Client and server (same process) together never held a quarter of the file.
    assert peak < size // 4, peak
    steps = [(r.method, r.url.path.split("/representations/")[1]) for r in sent]
    upload_id = steps[0][1] and sent[1].url.path.split("/uploads/")[1].split("/")[0]
    assert steps == [
        ("POST", "uploads"),
        ("PUT", f"uploads/{upload_id}/parts/1"),
        ("PUT", f"uploads/{upload_id}/parts/2"),
        ("PUT", f"uploads/{upload_id}/parts/3"),
        ("POST", f"uploads/{upload_id}"),
    ]
    assert [int(r.headers["content-length"]) for r in sent[1:4]] == [8 * MB, 8 * MB, 4 * MB]
    assert (uploaded["type"], uploaded["content_length"]) == ("video/mp4", size)
    done = [d for d, _ in progress.calls]
    assert done == sorted(done) and progress.calls[-1] == (size, size)
    assert len(progress.calls) == 20  # one report a megabyte read

    back = tmp_path / "back.mp4"
    progress = Progress()
    tracemalloc.start()
    try:
        assert client.download(uploaded["storage_href"], back, progress=progress) == size
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < size // 4, peak
    assert _sha256(back) == digest and progress.calls[-1] == (size, size)


def test_a_failed_chunked_upload_is_aborted(
    server: ApiServer, sent: list[httpx.Request], http: httpx.Client, tmp_path: Path
) -> None:
    caller = server.caller
    small_parts = {"chunked_above": MB, "part_size": MB, "http": http}
    with Client.from_token(
        server.url, caller.access_token, caller.client_id, **small_parts
    ) as client:
        library_id = client.create_library("Aborted")["id"]
        source = tmp_path / "data.bin"
        _random_file(source, 3 * MB)

        def stop_after_a_part(done: int, total: int | None) -> None:
            if done > MB:
                raise KeyboardInterruptLike("stopped by the user")

        with pytest.raises(KeyboardInterruptLike):
            client.upload(library_id, source, progress=stop_after_a_part)
        assert [r.method for r in sent[-3:]] == ["PUT", "PUT", "DELETE"]
        upload_path = sent[-1].url.path
        status = http.get(server.url + upload_path, headers=caller.headers)
        assert status.status_code == 404  # abandoned at once, not left for a day


class KeyboardInterruptLike(Exception):
    """What a progress callback raises to stop an upload (a cancel button, say)."""


def test_a_download_replaces_the_file_only_when_complete(client: Client, tmp_path: Path) -> None:
    library_id = client.create_library("Atomic")["id"]
    kept = tmp_path / "kept.txt"
    kept.write_text("the old content")
    with pytest.raises(NotFound):
        client.download(f"/api/v1/storage/id/{library_id}?component_id=nothing", kept)
    assert kept.read_text() == "the old content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]
    with pytest.raises(SdkError, match="cannot write"):
        client.download("/api/v1", tmp_path / "no-such-dir" / "f")


def test_links_to_another_origin_need_trusting(
    server: ApiServer, client: Client, tmp_path: Path
) -> None:
    library_id = client.create_library("Origins")["id"]
    uploaded = client.upload(library_id, io.BytesIO(b"x" * 100), content_type="text/plain")
    elsewhere = uploaded["storage_href"].replace("127.0.0.1", "localhost")
    with pytest.raises(UntrustedOrigin):
        client.download(elsewhere, tmp_path / "f")
    caller = server.caller
    trusting = Client.from_token(
        server.url,
        caller.access_token,
        caller.client_id,
        trusted_origins=[server.url.replace("127.0.0.1", "localhost")],
    )
    with trusting:
        assert trusting.download(elsewhere, tmp_path / "f") == 100


def _rejected(server: ApiServer, directory: Path) -> TokenSource:
    """A TokenSource whose cached access token the server rejects (its signature broken)
    while its refresh token still works. The first call rotates the refresh token, so the
    caller's next token comes from this source's cache."""
    cache = TokenCache(directory, server.profile.name)
    current = cache.load()
    access, refresh = (
        (current.access_token, current.refresh_token)
        if current
        else (server.caller.access_token, server.caller.refresh_token)
    )
    head, payload, signature = access.split(".")
    broken = f"{head}.{payload}.{signature[::-1]}"
    cache.save(Tokens(access_token=broken, refresh_token=refresh, expires_at=4102444800.0))
    return TokenSource(server.profile, directory=directory)


def test_a_rejected_token_is_refreshed_once_even_for_streamed_uploads(
    server: ApiServer,
    sent: list[httpx.Request],
    http: httpx.Client,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # One token cache per server: the refresh token rotates with each refresh.
    directory = tmp_path_factory.getbasetemp() / f"tokens-{server.url.rsplit(':', 1)[1]}"
    files = tmp_path_factory.mktemp("refresh")

    # A plain call: 401, refresh, the same call again; the cache holds the new tokens.
    source = _rejected(server, directory)
    broken = source.cache.load()
    assert broken is not None
    with Client(server.url, auth=source.auth(), http=http) as client:
        library_id = client.create_library("Refreshed")["id"]
    renewed = source.cache.load()
    assert renewed is not None
    assert renewed.access_token != broken.access_token
    assert renewed.refresh_token != broken.refresh_token  # rotated, and saved

    # A multipart upload: the whole body is read from disk a second time.
    picture = files / "again.png"
    content = _png(picture)
    source = _rejected(server, directory)
    progress = Progress()
    sent.clear()
    with Client(server.url, auth=source.auth(), http=http) as client:
        uploaded = client.upload(library_id, picture, progress=progress)
        statuses = [r.url.path.rsplit("/", 1)[-1] for r in sent]
        assert statuses == ["content", "content"]
        done = [d for d, _ in progress.calls]
        assert done[0] == len(content) and done[-1] == len(content)
        assert min(done[1:]) < len(content)  # the resend counted from the start again
        back = io.BytesIO()
        client.download(uploaded["storage_href"], back)
        assert back.getvalue() == content

    # A part of a chunked upload: the token is refused on that PUT alone.
    def refuse_first_part(request: httpx.Request) -> None:
        if request.method == "PUT" and not refused:
            refused.append(request.headers["authorization"])
            request.headers["authorization"] = "Bearer refused"

    refused: list[str] = []
    source = TokenSource(server.profile, directory=directory)
    before = source.cache.load()
    assert before is not None
    data = files / "parts.bin"
    digest = _random_file(data, 3 * MB)
    sent.clear()
    hooks = {"request": [refuse_first_part, sent.append]}
    with (
        httpx.Client(timeout=30, event_hooks=hooks) as chunked,
        Client(
            server.url, auth=source.auth(), chunked_above=MB, part_size=MB, http=chunked
        ) as client,
    ):
        uploaded = client.upload(library_id, data)
        assert [r.method for r in sent] == ["POST", "PUT", "PUT", "PUT", "PUT", "POST"]
        assert sent[1].url == sent[2].url  # part 1 twice
        out = files / "parts.back"
        client.download(uploaded["storage_href"], out)
        assert _sha256(out) == digest
    after = source.cache.load()
    assert after is not None and after.access_token != before.access_token
