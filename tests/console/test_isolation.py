"""Nobody sees or changes another user's project: every console route answers 404 to a
stranger, GET and POST alike, so that ids are not even confirmed; and the owner's objects
are unchanged afterwards. The routes are taken from the routers, so a new route is covered.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Route

from cclibs.console import credential_settings, credentials, projects
from tests.console.conftest import Developer

pytestmark = pytest.mark.anyio

CONSOLE_ROUTES = [
    (method, route.path)
    for module in (projects, credentials, credential_settings)
    for route in module.router.routes
    # The project's routes; invitations (under /console/libraries) are the API's, tested
    # with other people's invitations in tests/api/test_sharing.py.
    if isinstance(route, Route) and route.path.startswith("/console/projects/")
    for method in sorted(route.methods or ())
    if method != "HEAD"
]


def test_the_route_table_is_not_empty() -> None:
    # If the console grew routes without ids this test would quietly check less; keep count.
    assert len(CONSOLE_ROUTES) >= 18


async def _alice_world(alice: Developer) -> dict[str, str]:
    project_id = await alice.create_project("Alice's secrets")
    await alice.add_libraries(project_id)
    client_id, _ = await alice.create_credential(
        project_id, "web", redirect_uris="https://alice.example.com/cb"
    )
    page = f"/console/projects/{project_id}/credentials/{client_id}"
    assert (await alice.post(page, f"{page}/secrets")).status_code == 303
    secrets_page = await alice.http.get(page)
    secret_id = secrets_page.text.split("/secrets/", 1)[1].split("/revoke", 1)[0]
    hooks = f"{page}/webhooks"
    hook = {"url": "https://93.184.216.34/hook", "event_library.created": "on"}
    assert (await alice.post(hooks, hooks, hook)).status_code == 303
    hooks_page = await alice.http.get(hooks)
    subscription_id = hooks_page.text.split("/webhooks/", 1)[1].split("/delete", 1)[0]
    return {
        "project_id": project_id,
        "client_id": client_id,
        "secret_id": secret_id,
        "subscription_id": subscription_id,
        "api": "cc_libraries",
    }


def _fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, path
    return path


async def _state(http: httpx.AsyncClient, ids: dict[str, str]) -> str:
    page = await http.get(_fill("/console/projects/{project_id}/credentials/{client_id}", ids))
    assert page.status_code == 200
    return page.text.split('<main id="main" class="wide">', 1)[1].split("csrf_token", 1)[0]


@pytest.mark.parametrize(
    ("method", "path"), CONSOLE_ROUTES, ids=[f"{m} {p}" for m, p in CONSOLE_ROUTES]
)
async def test_a_stranger_gets_404_on_every_console_route(
    alice: Developer, bob: Developer, method: str, path: str
) -> None:
    ids = await _alice_world(alice)
    before = await _state(alice.http, ids)
    url = _fill(path, ids)
    if method == "GET":
        response = await bob.http.get(url)
    else:
        # Bob's own valid CSRF token, and a form that would change something if allowed.
        response = await bob.post(
            "/console",
            url,
            {
                "name": "Bob was here",
                "api": "cc_libraries",
                "status": "production",
                "beta_users": "bob@example.com",
                "redirect_mode": "exact",
                "redirect_uris": "https://bob.example.com/cb",
                "access_token_minutes": "5",
                "refresh_token_days": "1",
                "type": "web",
                "scope_openid": "on",
            },
        )
    assert response.status_code == 404, response.text
    assert "Page not found" in response.text
    assert ids["client_id"] not in response.text
    assert await _state(alice.http, ids) == before


async def test_a_project_id_that_does_not_exist_is_the_same_404(bob: Developer) -> None:
    mine = await bob.create_project()
    unknown = "0" * 32
    assert mine != unknown
    stranger = await bob.http.get(f"/console/projects/{unknown}")
    assert stranger.status_code == 404
    credential = await bob.http.get(f"/console/projects/{mine}/credentials/{unknown}")
    assert credential.status_code == 404


async def test_a_credential_is_found_only_under_its_own_project(alice: Developer) -> None:
    first = await alice.create_project("First")
    second = await alice.create_project("Second")
    client_id, _ = await alice.create_credential(first, "server", name="Robot")
    assert (
        await alice.http.get(f"/console/projects/{first}/credentials/{client_id}")
    ).status_code == 200
    moved = await alice.http.get(f"/console/projects/{second}/credentials/{client_id}")
    assert moved.status_code == 404


async def test_every_console_page_needs_sign_in(client: httpx.AsyncClient) -> None:
    for path in ("/console", "/console/projects/abc", "/console/projects/abc/credentials/new"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=%2Fconsole")
    posted = await client.post("/console/projects", data={"name": "x"})
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/signin")
