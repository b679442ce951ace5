"""Sharing in tests: users with known emails, invitations sent and accepted over the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.api_auth import ApiCaller, ApiCallers

__all__ = ["LIBRARIES", "Person", "Team", "invite", "share", "team"]

LIBRARIES = "/api/v1/libraries"


@dataclass(frozen=True, slots=True)
class Person:
    caller: ApiCaller
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return self.caller.headers

    @property
    def id(self) -> str:
        assert self.caller.user_id is not None
        return self.caller.user_id


@dataclass(frozen=True, slots=True)
class Team:
    owner: Person
    editor: Person
    viewer: Person
    stranger: Person

    def by_role(self, role: str) -> Person:
        person: Person = getattr(self, role)
        return person


async def person(api_callers: ApiCallers, label: str) -> Person:
    email = f"{label}-{secrets.token_hex(4)}@example.com"
    return Person(await api_callers.user(email=email), email)


async def team(api_callers: ApiCallers) -> Team:
    return Team(
        owner=await person(api_callers, "owner"),
        editor=await person(api_callers, "editor"),
        viewer=await person(api_callers, "viewer"),
        stranger=await person(api_callers, "stranger"),
    )


async def invite(
    client: httpx.AsyncClient,
    sender: Person,
    library: str,
    email: str,
    role: str,
    **rights: bool,
) -> dict[str, Any]:
    response = await client.post(
        f"{LIBRARIES}/{library}/collaborators",
        json={"email": email, "role": role, **rights},
        headers=sender.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def share(
    client: httpx.AsyncClient,
    owner: Person,
    library: str,
    to: Person,
    role: str,
    **rights: bool,
) -> None:
    """``owner`` invites ``to`` as ``role``, and ``to`` accepts."""
    invitation = await invite(client, owner, library, to.email, role, **rights)
    accepted = await client.post(
        f"/api/v1/invitations/{invitation['id']}/accept", headers=to.headers
    )
    assert accepted.status_code == 200, accepted.text
