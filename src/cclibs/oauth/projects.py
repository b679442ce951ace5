"""Projects: the containers of credentials, and the APIs that open scopes to them.

Adding an API to a project adds its scopes to the project's credentials (each can then
narrow them); removing it takes them away, as Adobe's console does.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

from cclibs.clock import Clock
from cclibs.oauth.apis import APIS
from cclibs.oauth.clients import Client
from cclibs.oauth.credential_rules import check_name
from cclibs.oauth.ports import ClientStore, ClientTransactions, Project
from cclibs.oauth.redirects import RegistrationError
from cclibs.oauth.registration import NotFound

__all__ = ["MAX_PROJECTS", "ProjectOverview", "ProjectRegistry"]

MAX_PROJECTS = 100


@dataclass(frozen=True, slots=True)
class ProjectOverview:
    project: Project
    credentials: list[Client]


class ProjectRegistry:
    def __init__(self, transactions: ClientTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    async def create(self, owner_id: str, name: str) -> Project:
        name = check_name(name)
        async with self._tx.write() as store:
            if len(await store.projects_of(owner_id)) >= MAX_PROJECTS:
                raise RegistrationError(f"You can have at most {MAX_PROJECTS} projects.", "name")
            project = Project(
                id=secrets.token_hex(16),
                owner_id=owner_id,
                name=name,
                apis=frozenset(),
                created_at=self._clock.now(),
            )
            await store.add_project(project)
        return project

    async def list_for(self, owner_id: str) -> list[ProjectOverview]:
        """The owner's projects, newest first, each with its credentials."""
        async with self._tx.read() as store:
            projects = await store.projects_of(owner_id)
            clients = await store.clients_of(owner_id)
        by_project: dict[str, list[Client]] = {p.id: [] for p in projects}
        for client in clients:
            by_project.setdefault(client.project_id, []).append(client)
        return [ProjectOverview(p, by_project[p.id]) for p in reversed(projects)]

    async def owned(self, owner_id: str, project_id: str) -> ProjectOverview:
        async with self._tx.read() as store:
            project = await _owned(store, owner_id, project_id)
            return ProjectOverview(project, await store.clients_in(project_id))

    async def rename(self, owner_id: str, project_id: str, name: str) -> Project:
        name = check_name(name)
        async with self._tx.write() as store:
            owned = await _owned(store, owner_id, project_id, for_update=True)
            project = replace(owned, name=name)
            await store.update_project(project)
        return project

    async def add_api(self, owner_id: str, project_id: str, api: str) -> Project:
        if api not in APIS:
            raise RegistrationError("There is no such API.", "api")
        async with self._tx.write() as store:
            project = await _owned(store, owner_id, project_id, for_update=True)
            if api in project.apis:
                return project
            project = replace(project, apis=project.apis | {api})
            await store.update_project(project)
            for client in await store.clients_in(project_id, for_update=True):
                await store.update_client(
                    replace(client, allowed_scopes=client.allowed_scopes | APIS[api].scopes)
                )
        return project

    async def remove_api(self, owner_id: str, project_id: str, api: str) -> Project:
        async with self._tx.write() as store:
            project = await _owned(store, owner_id, project_id, for_update=True)
            if api not in project.apis:
                raise NotFound("The project does not use this API.")
            project = replace(project, apis=project.apis - {api})
            await store.update_project(project)
            for client in await store.clients_in(project_id, for_update=True):
                await store.update_client(
                    replace(client, allowed_scopes=client.allowed_scopes - APIS[api].scopes)
                )
        return project

    async def delete(self, owner_id: str, project_id: str) -> None:
        """Delete the project with its credentials; every token issued to them stops working."""
        async with self._tx.write() as store:
            await _owned(store, owner_id, project_id)
            await store.delete_project(project_id)


async def _owned(
    store: ClientStore, owner_id: str, project_id: str, *, for_update: bool = False
) -> Project:
    if len(project_id) > 32:
        raise NotFound("No such project.")
    project = await store.project(project_id, for_update=for_update)
    if project is None or project.owner_id != owner_id:
        raise NotFound("No such project.")
    return project
