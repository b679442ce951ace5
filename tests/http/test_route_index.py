"""The app's routes sit behind ``FirstSegmentIndex``, which tries only the routes whose first
path segment fits the request's. It must pick what trying every route in order picks: for a
path made from every route's template, with every method, the same route and the same kind of
match; and the app still answers a path no route has, and builds URLs by route name."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Match, Mount, Route

from cclibs.web.routing import FirstSegmentIndex

pytestmark = pytest.mark.anyio

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def index_of(app: Starlette) -> FirstSegmentIndex:
    (index,) = app.routes
    assert isinstance(index, FirstSegmentIndex)
    return index


def sample_paths(route: BaseRoute) -> list[str]:
    path = route.path if isinstance(route, Route | Mount) else None
    if path is None:
        return []
    filled = re.sub(r"\{[^}:]+:path\}", "a/b", path)
    filled = re.sub(r"\{[^}:]+:int\}", "7", filled)
    filled = re.sub(r"\{[^}]+\}", "x1", filled)
    if isinstance(route, Mount):
        filled += "/style.css"
    return [filled, filled.rstrip("/") + "/", filled.rstrip("/") or "/"]


def in_order(routes: list[BaseRoute], scope: dict[str, object]) -> tuple[Match, BaseRoute | None]:
    partial: BaseRoute | None = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return match, route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


async def test_the_index_picks_what_trying_every_route_in_order_picks(app: Starlette) -> None:
    index = index_of(app)
    paths = {p for route in index.routes for p in sample_paths(route)}
    paths |= {"/", "/nowhere", "/api", "/api/v1", "/api/v2/libraries", "/ims/unknown"}
    assert len(paths) > 150
    for path in sorted(paths):
        for method in METHODS:
            scope = {"type": "http", "path": path, "method": method, "headers": []}
            expected, expected_route = in_order(index.routes, scope)
            match, child = index.matches(scope)
            assert match is expected, (method, path)
            assert child.get("cclibs.route") is expected_route, (method, path)


async def test_unrouted_paths_and_named_urls_still_work(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/nowhere")).status_code == 404
    api = await client.get("/api/v1/nowhere")
    assert api.status_code == 404
    assert set(api.json()) >= {"reason", "message"}
    assert str(app.url_path_for("static", path="/app.css")) == "/static/app.css"
