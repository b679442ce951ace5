"""Search never shows what the caller may not read: random worlds of owners, collaborators,
published libraries and bookmarks, searched by every user under every ``owner`` filter.

A seeded random loop (hypothesis is not a dependency of the project): each round builds a new
world beside the earlier ones, which stay in the database as other users' data. Every answer
is compared with the policy written out here in Python; a failure prints the seed and round.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from cclibs.libraries.models import Element, Library
from tests.support.api_auth import ApiCaller, ApiCallers
from tests.support.search_data import COLOR, FONT, Seed, element, library, seed

pytestmark = pytest.mark.anyio

SEED = 20261206
ROUNDS = 4
USERS = 4
LIBRARIES = 12
VOCABULARY = ("amber", "basalt", "cobalt", "dune", "ember")
OWNERS = ("private", "incoming", "outgoing", "public", "all")


@dataclass
class World:
    users: list[ApiCaller]
    libraries: list[Library]
    elements: list[Element]
    collaborators: set[tuple[str, str]] = field(default_factory=set)
    """(library id, user id)"""
    bookmarks: set[tuple[str, str]] = field(default_factory=set)
    """(user id, library id)"""

    def shared(self, lib: Library) -> bool:
        return any(lib_id == lib.id for lib_id, _ in self.collaborators)

    def visible(self, user_id: str, owner: str) -> set[str]:
        """The policy, in Python: which of this world's libraries ``owner`` may show."""
        found = set()
        for lib in self.libraries:
            mine = lib.owner_id == user_id
            member = (lib.id, user_id) in self.collaborators
            show = {
                "private": mine and not self.shared(lib),
                "outgoing": mine and self.shared(lib),
                "incoming": member,
                "all": mine or member,
                "public": lib.published_ms is not None and (user_id, lib.id) in self.bookmarks,
            }[owner]
            if show:
                found.add(lib.id)
        return found

    def readable(self, user_id: str) -> set[str]:
        """What the user may read at all: owned, shared with them, or published."""
        return {
            lib.id
            for lib in self.libraries
            if lib.owner_id == user_id
            or (lib.id, user_id) in self.collaborators
            or lib.published_ms is not None
        }


async def build(app: Starlette, callers: ApiCallers, rng: random.Random) -> World:
    users = [await callers.user() for _ in range(USERS)]
    ids = [u.user_id for u in users if u.user_id is not None]
    libraries = [
        library(
            rng.choice(ids),
            f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}",
            ms=1_700_000_000_000 + rng.randrange(10**6),
            published=rng.random() < 0.3,
        )
        for _ in range(LIBRARIES)
    ]
    elements = [
        element(
            lib.id,
            f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}",
            type_=rng.choice((COLOR, FONT)),
            created_ms=1_700_000_000_000 + rng.randrange(10**6),
        )
        for lib in libraries
        for _ in range(rng.randrange(4))
    ]
    world = World(users, libraries, elements)
    for lib in libraries:
        for user_id in ids:
            if user_id != lib.owner_id and rng.random() < 0.25:
                world.collaborators.add((lib.id, user_id))
            elif user_id != lib.owner_id and rng.random() < 0.3:
                world.bookmarks.add((user_id, lib.id))
    await seed(
        app.state.cclibs.db,
        libraries,
        elements,
        Seed(sorted(world.collaborators), sorted(world.bookmarks)),
    )
    return world


async def everything(
    client: httpx.AsyncClient, caller: ApiCaller, payload: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    libraries: list[dict[str, Any]] = []
    elements: list[dict[str, Any]] = []
    start: str | None = None
    while True:
        body = {**payload, **({"start": start} if start else {}), "limit": 100}
        response = await client.post("/api/v1/search", json=body, headers=caller.headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        libraries += answer["libraries"]
        elements += answer["elements"]
        start = answer["_page"].get("next")
        if start is None:
            return libraries, elements, answer["total_items"]


async def test_nothing_unreadable_ever_appears(
    app: Starlette, client: httpx.AsyncClient, api_callers: ApiCallers
) -> None:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible test, not a secret
    worlds: list[World] = []
    for round_ in range(ROUNDS):
        worlds.append(await build(app, api_callers, rng))
        for world in worlds:
            for caller in world.users:
                assert caller.user_id is not None
                for owner in OWNERS:
                    payload: dict[str, Any] = {"owner": owner}
                    words = rng.choice([None, rng.choice(VOCABULARY), rng.choice(VOCABULARY)[:2]])
                    if words:
                        payload["query_string"] = words
                    if rng.random() < 0.3:
                        payload["type"] = [rng.choice((COLOR, FONT))]
                    where = f"seed {SEED}, round {round_}, {payload}"
                    libs, elems, total = await everything(client, caller, payload)
                    visible = world.visible(caller.user_id, owner)
                    readable = world.readable(caller.user_id)
                    others = {lib.id for w in worlds if w is not world for lib in w.libraries}
                    # The property: nothing outside what the policy lets this user read.
                    shown = {lib["id"] for lib in libs} | {
                        e["parent_id"].rsplit(":", 1)[1] for e in elems
                    }
                    assert shown <= readable, where
                    assert not shown & others, where
                    # And exactly what the filter asks for (a check of the filters too).
                    matches = _matches(words)
                    if "type" not in payload:
                        expected_libs = {
                            lib.id
                            for lib in world.libraries
                            if lib.id in visible and matches(lib.name)
                        }
                        assert {lib["id"] for lib in libs} == expected_libs, where
                    expected_elems = {
                        e.id
                        for e in world.elements
                        if e.library_id in visible
                        and matches(e.name)
                        and e.type in payload.get("type", [e.type])
                    }
                    assert {e["id"] for e in elems} == expected_elems, where
                    assert total == len(libs) + len(elems), where


def _matches(words: str | None) -> Any:
    def match(name: str) -> bool:
        return words is None or any(part.startswith(words) for part in name.split())

    return match
