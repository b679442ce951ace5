"""``cclibs.sdk.Client`` against a live cclibs (SQLite and PostgreSQL): every operation of
the Libraries API that is not about files, paging over 250 elements, and the error tree."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import cclibs.sdk.api
from cclibs.sdk import (
    ApiError,
    ApiUnreachable,
    Client,
    LoginRequired,
    ProfileStore,
    SdkError,
    TokenCache,
    Tokens,
)
from cclibs.sdk.api._core import error_for
from cclibs.sdk.errors import (
    BadRequest,
    NotFound,
    PreconditionFailed,
    RateLimited,
    ServerError,
    Unauthorized,
    UntrustedOrigin,
)
from tests.sdk.client_server import ApiServer, server
from tests.support.servers import free_port

__all__ = ["server"]  # the module's live server (a fixture)
REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
def client(server: ApiServer, sent: list[httpx.Request]) -> Iterator[Client]:
    caller = server.caller
    with (
        httpx.Client(timeout=30, event_hooks={"request": [sent.append]}) as http,
        Client.from_token(
            server.url, caller.access_token, caller.client_id, http=http, app="sdk-tests"
        ) as client,
    ):
        yield client


def test_the_api_package_exports_the_clients_and_types() -> None:
    expected = {
        *("AsyncClient", "Client", "Download", "BatchResponse", "BatchResult"),
        *("Color", "Element", "Library", "Progress", "Representation", "UploadedFile"),
        *("representation_of", "rgb"),
    }
    assert set(cclibs.sdk.api.__all__) == expected
    assert all(hasattr(cclibs.sdk.api, name) for name in expected)


def test_libraries_create_read_rename_copy_and_delete(client: Client) -> None:
    assert client.root()["api_version"] == "v1"
    library = client.create_library("Brand")
    assert library["name"] == "Brand" and library["elements_count"] == 0
    by_urn = client.library(library["library_urn"], selector="details")
    assert by_urn["id"] == library["id"]

    client.rename_library(library["id"], "Brand 2026", if_match=library["manifest_etag"])
    renamed = client.library(library["id"])
    assert renamed["name"] == "Brand 2026"
    with pytest.raises(PreconditionFailed) as stale:
        client.rename_library(library["id"], "Too late", if_match=library["manifest_etag"])
    assert (stale.value.status, stale.value.reason) == (412, "precondition_failed")
    assert renamed["manifest_etag"] in stale.value.message

    client.create_color(library["id"], "Red", "#D7373F")
    copy = client.copy_library(library["id"], "Brand copy")
    assert (copy["name"], copy["elements_count"]) == ("Brand copy", 1)
    mine = {each["id"] for each in client.libraries(owner="private")}
    assert {library["id"], copy["id"]} <= mine

    client.delete_library(copy["id"], if_match=copy["manifest_etag"])
    client.delete_library(library["id"])
    with pytest.raises(NotFound) as gone:
        client.library(library["id"])
    error = gone.value
    assert (error.status, error.reason) == (404, "not_found")
    assert error.message == "There is no library with this id."
    assert error.request_id is not None and REQUEST_ID.match(error.request_id)
    assert str(error) == f"{error.message} (404 not_found, request id {error.request_id})"


def test_elements_create_read_update_and_replace_representations(client: Client) -> None:
    library_id = client.create_library("Elements")["id"]
    red = client.create_color(library_id, "Red", (215, 55, 63), alpha=0.5)
    assert red["library#createdData"]["app"] == "sdk-tests"
    assert red["library#createdData"]["device"] and red["library#createdData"]["deviceId"]
    color = red["representations"][0]["color#data"]
    assert color == {
        "mode": "RGB",
        "value": {"r": 215, "g": 55, "b": 63},
        "type": "process",
        "alpha": 0.5,
    }

    swatches = ["#000000", "#333", (102, 102, 102), "#999999", "#FFFFFF"]
    theme = client.create_color_theme(library_id, "Greys", swatches, rule="custom", mood="calm")
    data = theme["representations"][0]["colortheme#data"]
    assert [s[0]["value"]["r"] for s in data["swatches"]] == [0, 51, 102, 153, 255]
    assert (data["rule"], data["mood"]) == ("custom", "calm")

    font = client.create_element(
        library_id,
        name="Body",
        type="application/vnd.adobe.element.font+dcx",
        representations=[
            {
                "type": "application/vnd.adobe.font+json",
                "relationship": "primary",
                "font#data": {"name": "Source Sans", "family": "Source Sans"},
            }
        ],
        description="for paragraphs",
        source_ref="moodboard",
    )
    shown = client.element(library_id, font["id"], selector="full")
    assert shown["details"]["description"] == "for paragraphs"
    assert shown["sourceRef"] == "moodboard"

    client.update_elements(library_id, [{"id": red["id"], "name": "Crimson", "description": "x"}])
    assert client.element(library_id, red["id"])["name"] == "Crimson"

    current = client.element(library_id, red["id"])
    blue = {
        "type": "application/vnd.adobe.color+json",
        "relationship": "primary",
        "color#data": {"mode": "RGB", "value": {"r": 0, "g": 0, "b": 255}},
    }
    replaced = client.put_representations(
        library_id, red["id"], [blue], if_match=current["manifest_etag"]
    )
    assert replaced["representations"][0]["color#data"]["value"] == {"r": 0, "g": 0, "b": 255}
    with pytest.raises(PreconditionFailed):
        client.put_representations(library_id, red["id"], [blue], if_match=current["manifest_etag"])
    names = sorted(each["name"] for each in client.elements(library_id))
    assert names == ["Body", "Crimson", "Greys"]
    types = [e["name"] for e in client.elements(library_id, type=red["type"])]
    assert types == ["Crimson"]


def test_copy_move_archive_restore_and_purge(client: Client) -> None:
    source = client.create_library("Source")["id"]
    target = client.create_library("Target")["id"]
    ids = [client.create_color(source, f"C{n}", f"#0{n}0{n}0{n}")["id"] for n in range(4)]

    copies = client.copy_elements(target, source, ids[:2])
    assert sorted(c["name"] for c in copies) == ["C0", "C1"]
    moved = client.move_elements(target, source, [ids[3]])
    assert [m["name"] for m in moved] == ["C3"]
    assert sorted(e["name"] for e in client.elements(source)) == ["C0", "C1", "C2"]

    element = client.element(source, ids[0])
    client.archive_element(source, ids[0], if_match=element["manifest_etag"])
    client.archive_elements(source, ids[1:3])
    assert list(client.elements(source)) == []
    archived = sorted(e["name"] for e in client.archived_elements(source, page_size=2))
    assert archived == ["C0", "C1", "C2"]

    answer = client.restore_elements(source, [ids[1]])
    assert answer["status"] == "OK"
    assert [e["name"] for e in client.elements(source)] == ["C1"]

    client.purge_element(source, ids[0])
    assert sorted(e["id"] for e in client.archived_elements(source)) == [ids[2]]
    client.archive_elements(source, [ids[1]])
    client.purge_archived(source, [ids[1]])
    assert [e["id"] for e in client.archived_elements(source)] == [ids[2]]
    client.purge_archived(source)
    assert list(client.archived_elements(source)) == []
    assert client.library(source)["removed_elements_count"] == 0


def test_a_batch_runs_in_order_and_stops_at_the_first_failure(client: Client) -> None:
    library = client.create_library("Batch")
    color = {
        "type": "application/vnd.adobe.color+json",
        "relationship": "primary",
        "color#data": {"mode": "RGB", "value": {"r": 1, "g": 2, "b": 3}},
    }
    client_data = {"app": "sdk-tests", "device": "d", "deviceId": "i"}
    create = {
        "method": "POST",
        "path": "/elements",
        "body": {
            "name": "Batched",
            "type": "application/vnd.adobe.element.color+dcx",
            "client": client_data,
            "representations": [color],
        },
    }
    rename = {
        "method": "PUT",
        "path": "/elements/metadata",
        "body": {"elements": [{"id": "${0:/elements/0/id}", "name": "Renamed"}]},
    }
    result = client.batch(library["id"], [create, rename], if_match=library["manifest_etag"])
    assert [r["status"] for r in result["responses"]] == [201, 204]
    assert [e["name"] for e in client.elements(library["id"])] == ["Renamed"]

    missing = {"method": "GET", "path": "/elements/no-such-element"}
    result = client.batch(library["id"], [missing, create])
    assert [r["status"] for r in result["responses"]] == [404]
    with pytest.raises(PreconditionFailed):
        client.batch(library["id"], [create], if_match=library["manifest_etag"])


def _color_create(n: int) -> dict[str, object]:
    return {
        "method": "POST",
        "path": "/elements",
        "body": {
            "name": f"Swatch {n:03}",
            "type": "application/vnd.adobe.element.color+dcx",
            "client": {"app": "sdk-tests", "device": "d", "deviceId": "i"},
            "representations": [
                {
                    "type": "application/vnd.adobe.color+json",
                    "relationship": "primary",
                    "color#data": {"mode": "RGB", "value": {"r": n % 256, "g": 0, "b": 0}},
                }
            ],
        },
    }


def test_pagination_follows_next_links_over_250_elements(
    client: Client, sent: list[httpx.Request]
) -> None:
    library_id = client.create_library("Many")["id"]
    for first in range(0, 250, 100):  # a batch holds at most 100 operations
        result = client.batch(
            library_id, [_color_create(n) for n in range(first, min(first + 100, 250))]
        )
        assert {r["status"] for r in result["responses"]} == {201}
    sent.clear()
    names = [e["name"] for e in client.elements(library_id, order_by="name", page_size=100)]
    assert names == [f"Swatch {n:03}" for n in range(250)]
    pages = [r.url for r in sent]
    assert len(pages) == 3
    assert all(url.params["limit"] == "100" for url in pages)
    assert "start" not in pages[0].params and pages[1].params["start"] != pages[2].params["start"]

    sent.clear()
    # Without page_size the API's default (10 a page) applies: 25 requests, each item once.
    ids = [e["id"] for e in client.elements(library_id)]
    assert len(ids) == len(set(ids)) == 250 and len(sent) == 25

    made = {client.create_library(f"Paged {n}")["id"] for n in range(12)}
    seen = [lib["id"] for lib in client.libraries(order_by="name", page_size=5)]
    assert made <= set(seen) and len(seen) == len(set(seen))


def test_errors_carry_status_reason_message_and_request_id(
    client: Client, server: ApiServer, tmp_path: Path
) -> None:
    with pytest.raises(BadRequest) as bad:
        client.create_library("  ")
    assert (bad.value.status, bad.value.reason) == (400, "invalid_element")
    assert "name" in bad.value.message

    stranger = Client.from_token(server.url, "not-a-token", server.caller.client_id)
    with stranger, pytest.raises(Unauthorized) as refused:
        list(stranger.libraries())
    assert refused.value.status == 401 and refused.value.request_id

    # Not the API's JSON: still one line, and the right class.
    with pytest.raises(NotFound) as page:
        client.download("/no-such-page", tmp_path / "page.html")
    assert str(page.value).startswith("GET /no-such-page answered 404 Not Found")
    assert "\n" not in str(page.value) and "<html" not in str(page.value)
    assert not (tmp_path / "page.html").exists() and list(tmp_path.iterdir()) == []

    with pytest.raises(SdkError, match="not a color"):
        client.create_color("any", "Bad", "#12345")
    with pytest.raises(SdkError, match="exactly 5 swatches"):
        client.create_color_theme("any", "Short", ["#000"] * 4)


def test_a_refused_connection_is_api_unreachable() -> None:
    with (
        Client(f"http://127.0.0.1:{free_port()}") as client,
        pytest.raises(ApiUnreachable) as caught,
    ):
        client.root()
    error = caught.value
    assert not isinstance(error, ApiError)
    assert str(error).startswith("the Libraries API at http://127.0.0.1:")
    assert "\n" not in str(error) and error.__suppress_context__


def test_the_token_goes_to_no_other_origin(
    client: Client, server: ApiServer, tmp_path: Path
) -> None:
    with pytest.raises(UntrustedOrigin, match="does not send the access token"):
        client.download("https://storage.example.com/file?component_id=1", tmp_path / "f")
    other = server.url.replace("127.0.0.1", "localhost")
    with pytest.raises(UntrustedOrigin):
        client.download(f"{other}/api/v1", tmp_path / "f")
    assert list(tmp_path.iterdir()) == []


def test_from_profile_uses_the_profiles_cached_tokens(
    server: ApiServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCLIBS_CONFIG_DIR", str(tmp_path))
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "API_URL"):
        monkeypatch.delenv(f"CCLIBS_PROFILE_{name}", raising=False)
    caller = server.caller
    TokenCache(tmp_path, "work").save(
        Tokens(caller.access_token, expires_at=4102444800.0, refresh_token=caller.refresh_token)
    )
    ProfileStore().save(
        "work", {"issuer": server.url, "client_id": caller.client_id, "api_url": server.url}
    )
    with Client.from_profile("work") as client:
        assert client.source is not None and client.source.profile.name == "work"
        library = client.create_library("From a profile")
        assert client.library(library["id"])["name"] == "From a profile"
    with Client.from_profile(server.profile) as client, pytest.raises(LoginRequired):
        list(client.libraries())  # no token cached for this profile


def test_error_answers_without_the_apis_body() -> None:
    """The sans-IO error mapping on answers cclibs itself does not send (a proxy's)."""
    request = httpx.Request("GET", "https://api.example/api/v1/libraries")
    limited = httpx.Response(
        429,
        headers={"retry-after": "30", "x-request-id": "r1", "content-type": "text/plain"},
        text="slow down\nplease",
        request=request,
    )
    error = error_for(limited)
    assert isinstance(error, RateLimited) and error.retry_after == 30.0
    assert str(error) == (
        "GET /api/v1/libraries answered 429 slow down please (429 too_many_requests, request id r1)"
    )
    page = httpx.Response(
        503,
        headers={"content-type": "text/html"},
        text="<html>\n<b>down</b>\n</html>",
        request=request,
    )
    down = error_for(page)
    assert isinstance(down, ServerError) and down.request_id is None
    assert str(down) == (
        "GET /api/v1/libraries answered 503 Service Unavailable (503 service_unavailable)"
    )
    teapot = httpx.Response(
        418, json={"reason": "teapot", "message": "Short and stout."}, request=request
    )
    odd = error_for(teapot)
    assert type(odd) is ApiError
    assert (odd.status, odd.reason, odd.message) == (418, "teapot", "Short and stout.")


def test_sources_that_cannot_be_uploaded(client: Client, tmp_path: Path) -> None:
    with pytest.raises(SdkError, match="cannot read"):
        client.upload("any", tmp_path / "missing.png")
    read_end, write_end = os.pipe()
    os.close(write_end)
    with open(read_end, "rb") as pipe, pytest.raises(SdkError, match="seekable"):  # noqa: PTH123
        client.upload("any", pipe)
    with pytest.raises(SdkError, match="not a MIME type"):
        client.upload("any", io.BytesIO(b"x"), content_type="text/plain\r\nX-Evil: 1")
    with (tmp_path / "t.txt").open("w") as text, pytest.raises(SdkError, match="binary mode"):
        client.upload("any", text)  # type: ignore[arg-type]
