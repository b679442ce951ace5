"""Publishing a library (through the owner's API) and making a collaborator (written through
the storage layer, with a chosen role and rights), for tests of what reads them: bookmarks and
public libraries."""

from __future__ import annotations

import httpx
from sqlalchemy import delete
from starlette.applications import Starlette

from cclibs.storage.tables.libraries import LibraryCollaboratorRow
from tests.support.api_auth import ApiCaller

__all__ = ["add_collaborator", "publish", "remove_collaborator", "unpublish"]

_LIBRARIES = "/api/v1/libraries"


async def publish(client: httpx.AsyncClient, owner: ApiCaller, library_id: str) -> None:
    """Publish through the owner's ``PUT /api/v1/libraries/{id}/public``."""
    response = await client.put(f"{_LIBRARIES}/{library_id}/public", headers=owner.headers)
    assert response.status_code == 200, response.text


async def unpublish(client: httpx.AsyncClient, owner: ApiCaller, library_id: str) -> None:
    response = await client.delete(f"{_LIBRARIES}/{library_id}/public", headers=owner.headers)
    assert response.status_code == 204, response.text


async def add_collaborator(
    app: Starlette,
    library_id: str,
    user_id: str,
    *,
    role: str = "viewer",
    can_share: bool = False,
    can_comment: bool = False,
) -> None:
    """Make ``user_id`` a collaborator, or change their role and rights."""
    async with app.state.cclibs.db.write() as session:
        await session.execute(
            delete(LibraryCollaboratorRow).where(
                LibraryCollaboratorRow.library_id == library_id,
                LibraryCollaboratorRow.user_id == user_id,
            )
        )
        session.add(
            LibraryCollaboratorRow(
                library_id=library_id,
                user_id=user_id,
                role=role,
                can_share=can_share,
                can_comment=can_comment,
                created_ms=1_700_000_000_000,
            )
        )


async def remove_collaborator(app: Starlette, library_id: str, user_id: str) -> None:
    async with app.state.cclibs.db.write() as session:
        await session.execute(
            delete(LibraryCollaboratorRow).where(
                LibraryCollaboratorRow.library_id == library_id,
                LibraryCollaboratorRow.user_id == user_id,
            )
        )
