"""Concurrent edits of one credential do not undo each other (the rows are locked while a
change is read and written; SQLite's write transactions are serial anyway)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.oauth.clients import ClientType, SecretHasher
from cclibs.oauth.ports import Project
from cclibs.oauth.projects import ProjectRegistry
from cclibs.oauth.registration import ClientRegistry
from cclibs.storage.clients import SqlClientStore
from cclibs.storage.transactions import SqlTransactions
from tests.storage.test_client_registry import OWNER, World
from tests.storage.test_client_registry import world as world  # the same fixture

pytestmark = pytest.mark.anyio


class _GatedStore(SqlClientStore):
    """Waits at its first read of a project until the test opens the gate."""

    gate: asyncio.Event
    reached: asyncio.Event

    async def project(self, project_id: str, *, for_update: bool = False) -> Project | None:
        self.reached.set()
        await self.gate.wait()
        return await super().project(project_id, for_update=for_update)


async def test_removing_an_api_during_a_rename_is_not_undone(world: World) -> None:
    projects = ProjectRegistry(world.tx, world.clock)
    project = await projects.create(OWNER, "Swatches")
    await projects.add_api(OWNER, project.id, "cc_libraries")
    created = await world.registry.create(
        owner_id=OWNER,
        client_type=ClientType.SERVER,
        name="Robot",
        project_id=project.id,
    )
    assert "cc_libraries" in created.client.allowed_scopes

    gate, reached = asyncio.Event(), asyncio.Event()

    def gated(session: AsyncSession) -> SqlClientStore:
        store = _GatedStore(session)
        store.gate, store.reached = gate, reached
        return store

    renaming = ClientRegistry(
        SqlTransactions(world.db, gated),  # type: ignore[arg-type]
        SecretHasher(b"k" * 32),
        world.clock,
    )
    # The rename has read (and, on PostgreSQL, locked) the credential when the API goes.
    rename = asyncio.create_task(renaming.rename(OWNER, created.client.client_id, "Robot 2"))
    await asyncio.wait_for(reached.wait(), 10)
    removal = asyncio.create_task(projects.remove_api(OWNER, project.id, "cc_libraries"))
    await asyncio.sleep(0.3)  # the removal waits for the rename's lock (or write transaction)
    gate.set()
    await asyncio.wait_for(asyncio.gather(rename, removal), 20)

    after = await world.registry.get(created.client.client_id)
    assert after is not None
    assert after.name == "Robot 2"
    assert "cc_libraries" not in after.allowed_scopes
    assert "cc_files" not in after.allowed_scopes
    overview = await projects.owned(OWNER, project.id)
    assert overview.project.apis == frozenset()
