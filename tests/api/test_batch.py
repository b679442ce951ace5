"""PATCH /api/v1/libraries/{id}: a batch of operations on one library, in order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api_auth import ApiCaller, ApiCallers

pytestmark = pytest.mark.anyio

OTHER_URN = "urn:aaid:sc:US:00000000-0000-0000-0000-000000000000"
CLIENT = {"app": "batch-test", "device": "laptop", "deviceId": "dev-1"}


def color(name: str, r: int = 10) -> dict[str, Any]:
    return {
        "name": name,
        "type": "application/vnd.adobe.element.color+dcx",
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.color+json",
                "relationship": "primary",
                "color#data": {"mode": "RGB", "value": {"r": r, "g": 20, "b": 30}},
            }
        ],
    }


async def new_library(client: httpx.AsyncClient, caller: ApiCaller) -> dict[str, Any]:
    answer = await client.post("/api/v1/libraries", headers=caller.headers, json={"name": "Batch"})
    assert answer.status_code == 201
    return dict(answer.json())


async def test_a_batch_creates_renames_and_archives_using_earlier_answers(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller)
    batch = {
        "requests": [
            {"method": "POST", "path": "/elements", "body": color("first")},
            {"method": "post", "path": "elements/", "body": color("second", 200)},
            {
                "method": "PUT",
                "path": "/elements/metadata",
                "body": {"elements": [{"id": "${0:/elements/0/id}", "name": "renamed"}]},
            },
            {"method": "DELETE", "path": "/elements/${1:/elements/0/id}"},
            {
                "method": "PUT",
                "path": f"/api/v1/libraries/{library['library_urn']}/metadata",
                "body": {"name": "Batch, renamed"},
            },
        ]
    }
    answer = await client.patch(
        f"/api/v1/libraries/{library['id']}", headers=api_caller.headers, json=batch
    )
    assert answer.status_code == 200, answer.text
    statuses = [r["status"] for r in answer.json()["responses"]]
    assert statuses == [201, 201, 204, 204, 204]
    first_id = answer.json()["responses"][0]["body"]["elements"][0]["id"]

    listing = await client.get(
        f"/api/v1/libraries/{library['id']}/elements", headers=api_caller.headers
    )
    assert [e["name"] for e in listing.json()["elements"]] == ["renamed"]
    assert listing.json()["elements"][0]["id"] == first_id
    after = await client.get(f"/api/v1/libraries/{library['id']}", headers=api_caller.headers)
    assert after.json()["name"] == "Batch, renamed"
    assert after.json()["elements_count"] == 1
    assert after.json()["removed_elements_count"] == 1
    assert after.headers["etag"] == answer.headers["etag"]


async def test_a_batch_stops_at_the_first_failure_and_reports_it_last(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    library = await new_library(client, api_caller)
    bad = color("bad")
    bad["representations"][0]["color#data"]["value"]["r"] = 999
    batch = {
        "requests": [
            {"method": "POST", "path": "/elements", "body": color("kept")},
            {"method": "POST", "path": "/elements", "body": bad},
            {"method": "POST", "path": "/elements", "body": color("never")},
        ]
    }
    answer = await client.patch(
        f"/api/v1/libraries/{library['id']}", headers=api_caller.headers, json=batch
    )
    assert answer.status_code == 200
    responses = answer.json()["responses"]
    assert [r["status"] for r in responses] == [201, 400]
    assert "color#data.value.r" in responses[1]["body"]["message"]
    listing = await client.get(
        f"/api/v1/libraries/{library['id']}/elements", headers=api_caller.headers
    )
    assert [e["name"] for e in listing.json()["elements"]] == ["kept"]


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"method": "DELETE", "path": "/"}, "cannot be part of a batch"),
        ({"method": "GET", "path": "/elements/${3:/elements/0/id}"}, "does not come before"),
        (
            {
                "method": "PUT",
                "path": f"/api/v1/libraries/{OTHER_URN}/metadata",
                "body": {"name": "x"},
            },
            "one library",
        ),
        ({"path": "/elements"}, "needs a method and a path"),
    ],
)
async def test_a_request_a_batch_cannot_run_is_a_400_in_its_response(
    client: httpx.AsyncClient, api_caller: ApiCaller, request_: dict[str, Any], named: str
) -> None:
    library = await new_library(client, api_caller)
    answer = await client.patch(
        f"/api/v1/libraries/{library['id']}",
        headers=api_caller.headers,
        json={"requests": [request_]},
    )
    assert answer.status_code == 200
    [response] = answer.json()["responses"]
    assert response["status"] == 400
    assert named in response["body"]["message"]


async def test_the_batch_itself_is_checked_before_anything_runs(
    client: httpx.AsyncClient, api_caller: ApiCaller, api_callers: ApiCallers
) -> None:
    library = await new_library(client, api_caller)
    path = f"/api/v1/libraries/{library['id']}"
    empty = await client.patch(path, headers=api_caller.headers, json={"requests": []})
    assert empty.status_code == 400
    assert empty.json()["reason"] == "bad_request"
    stale = await client.patch(
        path,
        headers={**api_caller.headers, "If-Match": '"not-the-etag"'},
        json={"requests": [{"method": "POST", "path": "/elements", "body": color("x")}]},
    )
    assert stale.status_code == 412
    other = await api_callers.user()
    foreign = await client.patch(
        path,
        headers=other.headers,
        json={"requests": [{"method": "POST", "path": "/elements", "body": color("x")}]},
    )
    assert foreign.status_code == 404
    listing = await client.get(f"{path}/elements", headers=api_caller.headers)
    assert listing.json()["total_count"] == 0
