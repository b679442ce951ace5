"""Who may call the API, and what the others get back.

Compat reference §1.1 (``authorization`` and ``x-api-key`` on every operation, ``x-request-id``
echoed or made), §1.11 (401 when the token is not accepted, 403 when the API key is not, 404,
and ``{reason, message}`` bodies) and §1.14 (``cc_libraries``). A private library is its
owner's alone: to anybody else it does not exist, whatever the operation.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller, ApiCallers, new_web_app, user_token
from tests.support.elements import image_element_body

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}
PNG_1x1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)


def unauthorized(response: httpx.Response) -> JSON:
    body = error_of(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")
    return body


def color(name: str) -> JSON:
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


def multipart_upload() -> tuple[bytes, str]:
    boundary = "authz-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="Representation-Data"\r\n\r\n'
            '{"type": "image/png"}\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="Representation-Content"; filename="asset"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + PNG_1x1
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def owned_library(client: httpx.AsyncClient, owner: ApiCaller) -> JSON:
    """A library of ``owner`` with an image, a color and an archived color, and the ids."""
    headers = owner.headers
    library = (await client.post(LIBRARIES, json={"name": "Private"}, headers=headers)).json()
    href = f"{LIBRARIES}/{library['library_urn']}"
    body, content_type = multipart_upload()
    uploaded = await client.post(
        f"{href}/representations/content",
        content=body,
        headers={**headers, "Content-Type": content_type},
    )
    assert uploaded.status_code == 200, uploaded.text
    image = await client.post(
        f"{href}/elements",
        json=image_element_body("Picture", uploaded.json()["storage_href"], CLIENT),
        headers=headers,
    )
    assert image.status_code == 201, image.text
    red = await client.post(f"{href}/elements", json=color("Red"), headers=headers)
    gone = await client.post(f"{href}/elements", json=color("Gone"), headers=headers)
    archived = await client.delete(
        f"{href}/elements/{gone.json()['elements'][0]['id']}", headers=headers
    )
    assert archived.status_code == 204
    image_element = image.json()["elements"][0]
    return {
        "library": library,
        "image": image_element,
        "red": red.json()["elements"][0],
        "gone": gone.json()["elements"][0],
        "storage_href": uploaded.json()["storage_href"],
        "rendition": image_element["thumbnail"]["rendition"],
    }


@pytest.fixture
async def owner(api_callers: ApiCallers) -> ApiCaller:
    return await api_callers.user()


@pytest.fixture
async def intruder(api_callers: ApiCallers) -> ApiCaller:
    return await api_callers.user()


Call = Callable[[httpx.AsyncClient, dict[str, str], str, JSON], Awaitable[httpx.Response]]


def _every_operation(
    own_library: JSON,
) -> list[tuple[str, Callable[[httpx.AsyncClient, dict[str, str], str, JSON], Any]]]:
    """Every operation on a library (given by id or URN) and its contents."""

    def json_call(method: str, suffix: str, body: object = None) -> Any:
        async def call(
            client: httpx.AsyncClient, headers: dict[str, str], lib: str, ids: JSON
        ) -> httpx.Response:
            path = f"{LIBRARIES}/{lib}{suffix.format(**ids)}"
            payload = body(ids) if callable(body) else body
            if payload is None:
                return await client.request(method, path, headers=headers)
            return await client.request(method, path, json=payload, headers=headers)

        return call

    async def upload(
        client: httpx.AsyncClient, headers: dict[str, str], lib: str, ids: JSON
    ) -> httpx.Response:
        body, content_type = multipart_upload()
        return await client.post(
            f"{LIBRARIES}/{lib}/representations/content",
            content=body,
            headers={**headers, "Content-Type": content_type},
        )

    def elements(ids: JSON) -> JSON:
        return {"elements": [ids["red"]]}

    def copy_away(ids: JSON) -> JSON:
        return {"source": {"elements": [ids["red"]], "id": ids["library_urn"]}}

    def reps(ids: JSON) -> JSON:
        return {"representations": color("x")["representations"]}

    def copy_into_own(key: str) -> Any:
        async def call(
            client: httpx.AsyncClient, headers: dict[str, str], lib: str, ids: JSON
        ) -> httpx.Response:
            return await client.post(
                f"{LIBRARIES}/{own_library['library_urn']}/elements",
                json={key: {"elements": [ids["red"]], "id": lib}},
                headers=headers,
            )

        return call

    async def copy_library(
        client: httpx.AsyncClient, headers: dict[str, str], lib: str, ids: JSON
    ) -> httpx.Response:
        return await client.post(LIBRARIES, json={"source": lib}, headers=headers)

    return [
        ("get library", json_call("GET", "")),
        ("get library details", json_call("GET", "?selector=details,groups,rendition_grid")),
        ("head library", json_call("HEAD", "")),
        ("list elements", json_call("GET", "/elements")),
        ("get element", json_call("GET", "/elements/{red}")),
        ("head element", json_call("HEAD", "/elements/{red}")),
        ("list archive", json_call("GET", "/archive")),
        ("rename library", json_call("PUT", "/metadata", {"name": "Mine now"})),
        ("create element", json_call("POST", "/elements", color("Planted"))),
        ("copy within", json_call("POST", "/elements", copy_away)),
        ("copy into own library", copy_into_own("source")),
        ("move into own library", copy_into_own("self")),
        ("copy the library", copy_library),
        (
            "rename elements",
            json_call(
                "PUT",
                "/elements/metadata",
                lambda ids: {"elements": [{"id": ids["red"], "name": "x"}]},
            ),
        ),
        ("archive element", json_call("DELETE", "/elements/{red}")),
        ("archive elements", json_call("DELETE", "/elements", elements)),
        ("put representations", json_call("PUT", "/elements/{red}/representations", reps)),
        ("restore", json_call("POST", "/archive", lambda ids: {"elements": [ids["gone"]]})),
        ("purge some", json_call("DELETE", "/archive", lambda ids: {"elements": [ids["gone"]]})),
        ("purge one", json_call("DELETE", "/archive/{gone}")),
        ("purge all", json_call("DELETE", "/archive")),
        ("upload", upload),
        ("delete library", json_call("DELETE", "")),
    ]


@pytest.mark.parametrize("by", ["id", "urn"])
async def test_another_user_gets_404_on_every_operation(
    client: httpx.AsyncClient, owner: ApiCaller, intruder: ApiCaller, by: str
) -> None:
    made = await owned_library(client, owner)
    library = made["library"]
    given = library["id"] if by == "id" else library["library_urn"].lower()
    own = (await client.post(LIBRARIES, json={"name": "Own"}, headers=intruder.headers)).json()
    ids = {
        "red": made["red"]["id"],
        "gone": made["gone"]["id"],
        "library_urn": given,
    }
    for name, call in _every_operation(own):
        response = await call(client, intruder.headers, given, ids)
        if response.request.method == "HEAD":
            assert response.status_code == 404, name
            continue
        body = error_of(response, 404)
        assert library["id"] not in body["message"], name

    for href in (
        made["storage_href"],
        made["rendition"],
        made["rendition"].rsplit("/", 1)[0],
        made["rendition"].replace(library["id"], library["library_urn"]),
    ):
        error_of(await client.get(href, headers=intruder.headers), 404)
    # A representation of one's own element cannot point at another user's upload.
    planted = await client.post(
        f"{LIBRARIES}/{own['id']}/elements",
        json={
            "name": "Borrowed",
            "type": "application/vnd.adobe.element.image+dcx",
            "client": CLIENT,
            "representations": [{"type": "image/png", "storage_href": made["storage_href"]}],
        },
        headers=intruder.headers,
    )
    error_of(planted, 400, "storage_href")

    listed = await client.get(LIBRARIES, headers=intruder.headers)
    assert [lib["id"] for lib in listed.json()["libraries"]] == [own["id"]]
    assert (await client.get(f"{LIBRARIES}/{own['id']}/elements", headers=intruder.headers)).json()[
        "total_count"
    ] == 0

    # The owner's library is as it was.
    after = await client.get(
        f"{LIBRARIES}/{library['id']}", params={"selector": "details"}, headers=owner.headers
    )
    assert after.status_code == 200
    assert after.json()["name"] == "Private"
    assert after.json()["elements_count"] == 2
    assert after.json()["removed_elements_count"] == 1
    assert (
        after.json()["version"]
        == (await client.get(f"{LIBRARIES}/{library['id']}", headers=owner.headers)).json()[
            "version"
        ]
    )
    assert (await client.get(made["storage_href"], headers=owner.headers)).content == PNG_1x1


async def test_api_key_of_another_client_is_403(
    client: httpx.AsyncClient, api_callers: ApiCallers, api_caller: ApiCaller
) -> None:
    developer = await api_callers.developer()
    other_app = await new_web_app(api_callers.services, developer.id, name="Another app")
    response = await client.get(
        LIBRARIES,
        headers={**api_caller.headers, "x-api-key": other_app.client_id},
    )
    error_of(response, 403)
    # The other app's own token works with its own key.
    user = await api_callers.services.accounts.get(api_caller.user_id or "")
    assert user is not None
    other = await user_token(api_callers.services, other_app, user)
    assert (await client.get(LIBRARIES, headers=other.headers)).status_code == 200
    mixed = {"Authorization": other.headers["Authorization"], "x-api-key": api_caller.client_id}
    error_of(await client.get(LIBRARIES, headers=mixed), 403)


async def test_missing_api_key_is_403(client: httpx.AsyncClient, api_caller: ApiCaller) -> None:
    headers = {"Authorization": api_caller.headers["Authorization"]}
    error_of(await client.get(LIBRARIES, headers=headers), 403, "x-api-key")
    error_of(await client.post(LIBRARIES, json={"name": "x"}, headers=headers), 403)
    empty = {**headers, "x-api-key": ""}
    error_of(await client.get(LIBRARIES, headers=empty), 403)
    # Nothing was created.
    listed = await client.get(LIBRARIES, headers=api_caller.headers)
    assert listed.json()["total_count"] == 0


async def test_a_token_without_cc_libraries_is_403_insufficient_scope(
    client: httpx.AsyncClient, api_callers: ApiCallers
) -> None:
    caller = await api_callers.without_libraries()
    for response in (
        await client.get(LIBRARIES, headers=caller.headers),
        await client.post(LIBRARIES, json={"name": "x"}, headers=caller.headers),
    ):
        body = error_of(response, 403, "cc_libraries")
        assert body["reason"] == "insufficient_scope"


async def test_a_client_credentials_token_is_403(
    client: httpx.AsyncClient, api_callers: ApiCallers
) -> None:
    server = await api_callers.server()
    assert "cc_libraries" in server.scope
    error_of(await client.get(LIBRARIES, headers=server.headers), 403)
    error_of(await client.post(LIBRARIES, json={"name": "x"}, headers=server.headers), 403)


async def test_expired_and_revoked_tokens_are_401(
    client: httpx.AsyncClient, api_callers: ApiCallers
) -> None:
    revoked = await api_callers.revoked()
    expired = await api_callers.expired()
    for caller in (expired, revoked):
        body = unauthorized(await client.get(LIBRARIES, headers=caller.headers))
        assert body["reason"] == "invalid_token"
        assert (
            'error="invalid_token"'
            in (await client.get(LIBRARIES, headers=caller.headers)).headers["www-authenticate"]
        )
    fresh = await api_callers.token_for(revoked)
    assert (await client.get(LIBRARIES, headers=fresh.headers)).status_code == 200


def _forged(token: str, **claims: object) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    changed = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{changed}.{signature}"


async def test_forged_and_malformed_tokens_are_401(
    client: httpx.AsyncClient, owner: ApiCaller, intruder: ApiCaller
) -> None:
    library = (await client.post(LIBRARIES, json={"name": "Mine"}, headers=owner.headers)).json()
    as_owner = _forged(intruder.access_token, sub=owner.user_id)
    none_alg = ".".join(
        [
            base64.urlsafe_b64encode(b'{"alg":"none","typ":"at+jwt"}').rstrip(b"=").decode(),
            intruder.access_token.split(".")[1],
            "",
        ]
    )
    for token in (as_owner, none_alg, "not-a-jwt", intruder.access_token[:-4] + "AAAA"):
        headers = {"Authorization": f"Bearer {token}", "x-api-key": intruder.client_id}
        unauthorized(await client.get(f"{LIBRARIES}/{library['id']}", headers=headers))
    for authorization in ("Basic dXNlcjpwYXNz", "Bearer", "bearer", owner.access_token):
        headers = {"Authorization": authorization, "x-api-key": owner.client_id}
        unauthorized(await client.get(LIBRARIES, headers=headers))


async def test_a_missing_token_is_401(client: httpx.AsyncClient, api_caller: ApiCaller) -> None:
    headers = {"x-api-key": api_caller.client_id}
    for response in (
        await client.get(LIBRARIES, headers=headers),
        await client.post(LIBRARIES, json={"name": "x"}, headers=headers),
        await client.get(f"{LIBRARIES}/00000000-0000-4000-8000-000000000000", headers=headers),
        await client.get(LIBRARIES),
    ):
        unauthorized(response)


async def test_a_token_in_the_query_string_is_401(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    key = {"x-api-key": api_caller.client_id}
    query = {"access_token": api_caller.access_token}
    unauthorized(await client.get(LIBRARIES, params=query, headers=key))
    # Also when the header carries it too: the URL already leaked it.
    unauthorized(await client.get(LIBRARIES, params=query, headers=api_caller.headers))


async def test_errors_carry_the_request_id(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    made = await client.get(LIBRARIES)
    assert made.status_code == 401
    assert made.headers["x-request-id"]
    mine = "trace-0123456789abcdef"
    for response in (
        await client.get(LIBRARIES, headers={"x-request-id": mine}),
        await client.get(
            f"{LIBRARIES}/00000000-0000-4000-8000-000000000000",
            headers={**api_caller.headers, "x-request-id": mine},
        ),
        await client.get(
            LIBRARIES, params={"limit": "x"}, headers={**api_caller.headers, "x-request-id": mine}
        ),
        await client.get("/api/v1/nowhere", headers={"x-request-id": mine}),
    ):
        assert response.status_code >= 400
        assert response.headers["x-request-id"] == mine
    ok = await client.get(LIBRARIES, headers={**api_caller.headers, "x-request-id": mine})
    assert ok.status_code == 200 and ok.headers["x-request-id"] == mine


async def test_the_api_root_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"]
    assert body["api_version"] == "v1"
    assert body["server_version"]
    assert body["_links"]["libraries"]["href"] == LIBRARIES
    assert response.headers["x-request-id"]


async def test_unknown_api_paths_are_404_json(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    for path in (
        "/api/v1/nothing-here",
        "/api/v2/libraries",
        "/api/v1/libraries/x/elements/y/z/w",
        "/api/",
    ):
        for headers in ({}, api_caller.headers):
            body = error_of(await client.get(path, headers=headers), 404)
            assert body["reason"] == "not_found"


async def test_a_wrong_method_is_405_json(client: httpx.AsyncClient, api_caller: ApiCaller) -> None:
    library = (await client.post(LIBRARIES, json={"name": "x"}, headers=api_caller.headers)).json()
    for method, path in (
        ("PUT", LIBRARIES),
        ("DELETE", LIBRARIES),
        ("POST", f"{LIBRARIES}/{library['id']}/metadata"),
        ("GET", f"{LIBRARIES}/{library['id']}/metadata"),
        ("POST", "/api/v1"),
    ):
        response = await client.request(method, path, headers=api_caller.headers)
        body = error_of(response, 405)
        assert body["reason"] == "method_not_allowed"
        assert response.headers.get("allow"), (method, path)
