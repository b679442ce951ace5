"""Every operation of the API by every role (owner, editor, viewer, stranger, and anonymous with
only an API key), by id and by URN.

A viewer reads; an editor also writes; only the owner deletes, purges, publishes and manages
collaborators (``cclibs.libraries.access``). A stranger gets 404 everywhere, as if the library
did not exist; a collaborator asking for more than their role gets 403; a caller with an API
key and no token gets 401 (published libraries are read under /public, tested on their own).
Refused calls change nothing. The rows are checked against the route table (``OPERATIONS``): an
operation added without a row here, or a reason it has none, fails
``test_every_operation_has_a_row``.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.web.api.http import OPERATIONS
from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCallers
from tests.support.elements import image_element_body
from tests.support.sharing import LIBRARIES, Team, share, team

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
ROLES = ("owner", "editor", "viewer", "stranger")
CLIENT = {"deviceId": "matrix", "device": "pytest", "app": "cclibs-tests"}
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)

NOT_ON_A_LIBRARY: dict[str, str] = {
    # Not about one library the caller names: what they answer is the caller's own.
    "getApiRoot": "the API's root, public",
    "getOpenApiDocument": "the API's description, public",
    "getApiDocs": "the API's description, public",
    "getLibraries": "lists the caller's own and shared libraries (test_sharing: owner=)",
    "getInvitations": "the caller's own invitations (test_sharing)",
    "acceptInvitation": "named by an invitation to the caller's email (test_sharing: 404 else)",
    "declineInvitation": "named by an invitation to the caller's email (test_sharing: 404 else)",
    "search": "searches what the caller may read (tests of search)",
    "getBookmarks": "the caller's own bookmarks",
    "addLibraryBookmarks": "the caller's own bookmarks",
    "putLibraryBookmark": "the caller's own bookmarks",
    "removeLibraryBookmark": "the caller's own bookmarks",
    "getWebhooks": "the credential's own webhooks",
    "createWebhook": "the credential's own webhooks",
    "getWebhook": "the credential's own webhooks",
    "deleteWebhook": "the credential's own webhooks",
    "getWebhookDeliveries": "the credential's own webhooks",
    # The public endpoints answer by publication, not by role (tests of public libraries).
    "getPublicLibrary": "readable by anyone with an API key when published",
    "getPublicLibraryElements": "readable by anyone with an API key when published",
    "getPublicLibraryElement": "readable by anyone with an API key when published",
    "getPublicStoredFile": "readable by anyone with an API key when published",
    "getPublicElementFile": "readable by anyone with an API key when published",
    "getPublicElementRendition": "readable by anyone with an API key when published",
}


@dataclass
class World:
    """One shared library: its owner's, with an editor and a viewer; what is in it."""

    client: httpx.AsyncClient
    team: Team
    lib: str
    """The library as the path names it (id or URN)."""
    ids: JSON

    def href(self, suffix: str = "") -> str:
        return f"{LIBRARIES}/{self.lib}{suffix.format(**self.ids)}"


class Caller(Protocol):
    @property
    def headers(self) -> dict[str, str]: ...


@dataclass(frozen=True)
class Anonymous:
    """No token: only a credential's API key, as a public page would send."""

    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key}


Call = Callable[[World, Caller], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Row:
    operation: str
    name: str
    need: str
    """read, write, owner (delete, purge, publish, share, manage) or leave."""
    call: Call
    status_of: Callable[[httpx.Response], int] = lambda response: response.status_code


def expected(need: str, role: str) -> int | None:
    """The status class the role gets: 2 (success), or 403 / 404 / 409."""
    if role == "stranger":
        return 404
    if need == "leave":
        return 409 if role == "owner" else 2
    allowed = {"read": ROLES[:3], "write": ROLES[:2], "owner": ROLES[:1]}[need]
    return 2 if role in allowed else 403


def _json(method: str, suffix: str, body: Callable[[World], Any] | Any = None) -> Call:
    async def call(world: World, who: Caller) -> httpx.Response:
        payload = body(world) if callable(body) else body
        kwargs: JSON = {} if payload is None else {"json": payload}
        return await world.client.request(method, world.href(suffix), headers=who.headers, **kwargs)

    return call


def _upload_body() -> tuple[bytes, str]:
    boundary = "matrix-boundary"
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="Representation-Data"\r\n\r\n'
        '{"type": "image/png"}\r\n'
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="Representation-Content"; filename="a"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + PNG_1x1 + f"\r\n--{boundary}--\r\n".encode(), boundary


async def _upload(world: World, who: Caller) -> httpx.Response:
    body, boundary = _upload_body()
    return await world.client.post(
        world.href("/representations/content"),
        content=body,
        headers={**who.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )


def _absolute(key: str) -> Call:
    """A file link of the library (made with its URN), with the library as the path names it."""

    async def call(world: World, who: Caller) -> httpx.Response:
        href = str(world.ids[key]).replace(world.ids["urn"], world.lib)
        return await world.client.get(href, headers=who.headers)

    return call


def _chunked(method: str, suffix: str, **send: Any) -> Call:
    """An operation on a chunked upload with one part: the caller's own upload when they may
    start one, else the owner's (an upload is its starter's alone)."""

    async def call(world: World, who: Caller) -> httpx.Response:
        uploads = world.href("/representations/uploads")
        starter = who
        started = await world.client.post(uploads, json={"type": "image/png"}, headers=who.headers)
        if started.status_code != 201:
            starter = world.team.owner
            started = await world.client.post(
                uploads, json={"type": "image/png"}, headers=starter.headers
            )
        upload = f"{uploads}/{started.json()['upload_id']}"
        part = await world.client.put(f"{upload}/parts/1", content=PNG_1x1, headers=starter.headers)
        assert part.status_code == 200, part.text
        return await world.client.request(method, upload + suffix, headers=who.headers, **send)

    return call


def _into_own(key: str) -> Call:
    """Copy (source) or move (self) an element of the shared library into one's own."""

    async def call(world: World, who: Caller) -> httpx.Response:
        own = await world.client.post(LIBRARIES, json={"name": "Own"}, headers=who.headers)
        if own.status_code != 201:
            return own  # a caller without a token has no library of their own
        return await world.client.post(
            f"{LIBRARIES}/{own.json()['id']}/elements",
            json={key: {"elements": [world.ids["red"]], "id": world.lib}},
            headers=who.headers,
        )

    return call


async def _copy_library(world: World, who: Caller) -> httpx.Response:
    return await world.client.post(LIBRARIES, json={"source": world.lib}, headers=who.headers)


def _other_collaborator(method: str, body: Any = None) -> Call:
    """Change or remove a collaborator other than the caller (the viewer, or for the
    viewer the editor)."""

    async def call(world: World, who: Caller) -> httpx.Response:
        other = world.team.editor if who is world.team.viewer else world.team.viewer
        kwargs: JSON = {} if body is None else {"json": body}
        return await world.client.request(
            method, world.href(f"/collaborators/{other.id}"), headers=who.headers, **kwargs
        )

    return call


def _batch_status(response: httpx.Response) -> int:
    """A batch runs its requests as the caller; its first request's status is the answer."""
    if response.status_code != 200:
        return response.status_code
    return int(response.json()["responses"][0]["status"])


def _batch(request: Callable[[World], JSON]) -> Call:
    async def call(world: World, who: Caller) -> httpx.Response:
        return await world.client.patch(
            world.href(), json={"requests": [request(world)]}, headers=who.headers
        )

    return call


def _color(name: str) -> JSON:
    return {
        "name": name,
        "type": "application/vnd.adobe.element.color+dcx",
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": 1, "g": 2, "b": 3}},
            }
        ],
    }


ROWS: tuple[Row, ...] = (
    Row("getLibrary", "get", "read", _json("GET", "")),
    Row("getLibrary", "head", "read", _json("HEAD", "")),
    Row(
        "getLibrary",
        "with every selector",
        "read",
        _json("GET", "?selector=details,collaboration,groups,rendition_grid"),
    ),
    Row("deleteLibrary", "delete", "owner", _json("DELETE", "")),
    Row("updateLibrary", "rename", "write", _json("PUT", "/metadata", {"name": "Renamed"})),
    Row(
        "patchLibrary",
        "batch a write",
        "write",
        _batch(lambda w: {"method": "POST", "path": "/elements", "body": _color("B")}),
        _batch_status,
    ),
    Row(
        "patchLibrary",
        "batch a purge",
        "owner",
        _batch(lambda w: {"method": "DELETE", "path": f"/archive/{w.ids['gone']}"}),
        _batch_status,
    ),
    Row(
        "patchLibrary",
        "batch a read",
        "read",
        _batch(lambda w: {"method": "GET", "path": f"/elements/{w.ids['red']}"}),
        _batch_status,
    ),
    Row("getLibraryElements", "list", "read", _json("GET", "/elements")),
    Row("postLibraryElements", "create", "write", _json("POST", "/elements", _color("New"))),
    Row(
        "postLibraryElements",
        "copy within",
        "write",
        _json("POST", "/elements", lambda w: {"source": {"elements": [w.ids["red"]], "id": w.lib}}),
    ),
    Row("postLibraryElements", "copy into one's own", "read", _into_own("source")),
    Row("postLibraryElements", "move into one's own", "write", _into_own("self")),
    Row("createLibraries", "copy the library", "read", _copy_library),
    Row(
        "archiveLibraryElements",
        "archive some",
        "write",
        _json("DELETE", "/elements", lambda w: {"elements": [w.ids["red"]]}),
    ),
    Row(
        "updateLibraryElements",
        "rename elements",
        "write",
        _json(
            "PUT", "/elements/metadata", lambda w: {"elements": [{"id": w.ids["red"], "name": "x"}]}
        ),
    ),
    Row("getLibraryElement", "get", "read", _json("GET", "/elements/{red}")),
    Row("getLibraryElement", "head", "read", _json("HEAD", "/elements/{red}")),
    Row("archiveLibraryElement", "archive one", "write", _json("DELETE", "/elements/{red}")),
    Row(
        "putLibraryElementRepresentations",
        "replace representations",
        "write",
        _json(
            "PUT",
            "/elements/{red}/representations",
            {"representations": _color("x")["representations"]},
        ),
    ),
    Row("getArchivedElements", "list the archive", "read", _json("GET", "/archive")),
    Row(
        "unArchiveLibraryElements",
        "restore",
        "write",
        _json("POST", "/archive", lambda w: {"elements": [w.ids["gone"]]}),
    ),
    Row(
        "deleteLibraryElements",
        "purge some",
        "owner",
        _json("DELETE", "/archive", lambda w: {"elements": [w.ids["gone"]]}),
    ),
    Row("deleteLibraryElements", "purge all", "owner", _json("DELETE", "/archive")),
    Row("deleteLibraryElement", "purge one", "owner", _json("DELETE", "/archive/{gone}")),
    Row("postLibraryComponent", "upload", "write", _upload),
    Row("getStoredFile", "download", "read", _absolute("storage_href")),
    Row("getElementFile", "element file", "read", _absolute("file")),
    Row("getElementRendition", "rendition", "read", _absolute("rendition")),
    Row(
        "initiateUpload",
        "start an upload",
        "write",
        _json("POST", "/representations/uploads", {"type": "image/png"}),
    ),
    Row("getUpload", "upload status", "write", _chunked("GET", "")),
    Row("putUploadPart", "send a part", "write", _chunked("PUT", "/parts/2", content=PNG_1x1)),
    Row("finalizeUpload", "finish an upload", "write", _chunked("POST", "", json={"parts": [1]})),
    Row("abortUpload", "abandon an upload", "write", _chunked("DELETE", "")),
    Row("getLibraryCollaborators", "list collaborators", "read", _json("GET", "/collaborators")),
    Row(
        "inviteLibraryCollaborator",
        "invite",
        "owner",
        _json("POST", "/collaborators", {"email": "someone@example.com", "role": "viewer"}),
    ),
    Row(
        "updateLibraryCollaborator",
        "change a role",
        "owner",
        _other_collaborator("PATCH", {"role": "editor"}),
    ),
    Row("removeLibraryCollaborator", "remove someone", "owner", _other_collaborator("DELETE")),
    Row("removeLibraryCollaborator", "leave", "leave", _json("DELETE", "/collaborators/me")),
    Row("publishLibrary", "publish", "owner", _json("PUT", "/public")),
    Row("unpublishLibrary", "unpublish", "owner", _json("DELETE", "/public")),
)


async def _world(client: httpx.AsyncClient, people: Team, by: str) -> World:
    owner = people.owner
    made = (await client.post(LIBRARIES, json={"name": "Matrix"}, headers=owner.headers)).json()
    urn = made["library_urn"]
    href = f"{LIBRARIES}/{urn}"
    body, boundary = _upload_body()
    uploaded = await client.post(
        f"{href}/representations/content",
        content=body,
        headers={**owner.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    storage_href = uploaded.json()["storage_href"]
    image = await client.post(
        f"{href}/elements",
        json=image_element_body("Picture", storage_href, CLIENT),
        headers=owner.headers,
    )
    image_element = image.json()["elements"][0]
    red = (await client.post(f"{href}/elements", json=_color("Red"), headers=owner.headers)).json()
    gone = (
        await client.post(f"{href}/elements", json=_color("Gone"), headers=owner.headers)
    ).json()
    gone_id = gone["elements"][0]["id"]
    assert (
        await client.delete(f"{href}/elements/{gone_id}", headers=owner.headers)
    ).status_code == 204
    await share(client, owner, made["id"], people.editor, "editor")
    await share(client, owner, made["id"], people.viewer, "viewer")
    rendition = image_element["thumbnail"]["rendition"]
    return World(
        client,
        people,
        made["id"] if by == "id" else urn.lower(),
        {
            "urn": urn,
            "red": red["elements"][0]["id"],
            "gone": gone_id,
            "storage_href": storage_href,
            "rendition": rendition,
            "file": rendition.rsplit("/", 1)[0],
        },
    )


async def _state(world: World) -> JSON:
    """What a refused call must not change, as the owner sees it."""
    owner = world.team.owner.headers
    library = await world.client.get(
        f"{LIBRARIES}/{world.ids['urn']}", params={"selector": "collaboration"}, headers=owner
    )
    assert library.status_code == 200, library.text
    body = library.json()
    archived = await world.client.get(f"{LIBRARIES}/{world.ids['urn']}/archive", headers=owner)
    return {
        "version": body["version"],
        "name": body["name"],
        "counts": (body["elements_count"], body["removed_elements_count"]),
        "collaboration": body["collaboration"],
        "archived": [e["id"] for e in archived.json()["elements"]],
    }


async def test_every_operation_has_a_row(app: Starlette) -> None:
    del app  # the app registers every route module
    operations = {op.operation_id: op for op in OPERATIONS}
    covered = {row.operation for row in ROWS}
    assert not covered & set(NOT_ON_A_LIBRARY), "an operation with rows needs no reason"
    missing = set(operations) - covered - set(NOT_ON_A_LIBRARY)
    assert not missing, f"operations without a row in the roles matrix: {sorted(missing)}"
    assert not (covered | set(NOT_ON_A_LIBRARY)) - set(operations), "rows of no operation"
    for name in NOT_ON_A_LIBRARY:
        path = operations[name].path
        assert "{libraryId}" not in path or path.startswith("/public/"), name


# Names are resolved before storage is asked, so PostgreSQL runs the matrix by id only.
@pytest.mark.parametrize(
    ("database_url", "by"),
    [("sqlite", "id"), ("sqlite", "urn"), ("postgresql", "id")],
    indirect=["database_url"],
)
async def test_every_operation_by_every_role(
    client: httpx.AsyncClient, api_callers: ApiCallers, by: str
) -> None:
    people = await team(api_callers)
    for row in ROWS:
        where = f"{row.operation} ({row.name})"
        refused = [r for r in ROLES if expected(row.need, r) != 2]
        world = await _world(client, people, by)
        before = await _state(world)
        for role in refused:
            response = await row.call(world, people.by_role(role))
            status = row.status_of(response)
            want = expected(row.need, role)
            assert status == want, (where, role, response.status_code, response.text[:300])
            if response.request.method != "HEAD" and response.status_code == want:
                body = error_of(response, status)
                assert world.ids["urn"].rsplit(":", 1)[1] not in body["message"], (where, role)
        assert await _state(world) == before, f"{where}: a refused call changed the library"
        for role in ROLES:
            if role in refused:
                continue
            world = await _world(client, people, by)
            response = await row.call(world, people.by_role(role))
            status = row.status_of(response)
            assert 200 <= status < 300, (where, role, response.status_code, response.text[:300])


@pytest.mark.parametrize("by", ["id", "urn"])
async def test_an_api_key_without_a_token_is_asked_for_one(
    client: httpx.AsyncClient, api_callers: ApiCallers, by: str
) -> None:
    """Even on a published library: outside /public, every operation needs a token."""
    people = await team(api_callers)
    anonymous = Anonymous(people.owner.caller.client_id)
    world = await _world(client, people, by)
    published = await client.put(world.href("/public"), headers=people.owner.headers)
    assert published.status_code == 200, published.text
    before = await _state(world)
    for row in ROWS:
        response = await row.call(world, anonymous)
        where = f"{row.operation} ({row.name})"
        assert response.status_code == 401, (where, response.text[:300])
        assert "bearer" in response.headers["www-authenticate"].lower(), where
        if response.request.method != "HEAD":
            error_of(response, 401)
    assert await _state(world) == before, "a call without a token changed the library"
