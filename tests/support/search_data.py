"""Many libraries and elements at once, written through the storage layer's row builders in
batch inserts (the search tests need thousands; one HTTP call each would take minutes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert

from cclibs.libraries.models import Element, Library
from cclibs.storage.db import Database
from cclibs.storage.library_rows import element_columns, library_columns
from cclibs.storage.tables import LibraryElementRow, LibraryRow
from cclibs.storage.tables.bookmarks import LibraryBookmarkRow
from cclibs.storage.tables.libraries import LibraryCollaboratorRow

__all__ = ["COLOR", "FONT", "Seed", "element", "library", "seed"]

COLOR = "application/vnd.adobe.element.color+dcx"
FONT = "application/vnd.adobe.element.font+dcx"
_BATCH = 1000


def library(
    owner_id: str, name: str, *, ms: int = 1_700_000_000_000, published: bool = False
) -> Library:
    return Library(
        id=str(uuid.uuid4()),
        owner_id=owner_id,
        name=name,
        created_ms=ms,
        modified_ms=ms,
        version=1,
        elements_count=0,
        archived_count=0,
        storage_used=0,
        published_ms=ms if published else None,
    )


def element(
    library_id: str,
    name: str,
    *,
    type_: str = COLOR,
    created_ms: int = 1_700_000_000_000,
    modified_ms: int | None = None,
    archived: bool = False,
    groups: Sequence[str] = (),
) -> Element:
    return Element(
        id=str(uuid.uuid4()),
        library_id=library_id,
        name=name,
        type=type_,
        created_ms=created_ms,
        modified_ms=modified_ms if modified_ms is not None else created_ms,
        archived_ms=created_ms if archived else None,
        version=1,
        data={"groups": [{"id": g} for g in groups]} if groups else {},
        representations=(),
    )


@dataclass(frozen=True, slots=True)
class Seed:
    collaborators: Sequence[tuple[str, str]] = ()
    """(library id, user id)"""
    bookmarks: Sequence[tuple[str, str]] = ()
    """(user id, library id): PUBLIC bookmarks"""


async def seed(
    db: Database,
    libraries: Sequence[Library],
    elements: Sequence[Element],
    extra: Seed = Seed(),
) -> None:
    async with db.write() as session:
        if libraries:
            await session.execute(insert(LibraryRow), [library_columns(lib) for lib in libraries])
        for start in range(0, len(elements), _BATCH):
            batch = elements[start : start + _BATCH]
            await session.execute(insert(LibraryElementRow), [element_columns(e) for e in batch])
        if extra.collaborators:
            await session.execute(
                insert(LibraryCollaboratorRow),
                [
                    {
                        "library_id": lib,
                        "user_id": user,
                        "role": "viewer",
                        "can_share": False,
                        "can_comment": False,
                        "created_ms": 1,
                    }
                    for lib, user in extra.collaborators
                ],
            )
        if extra.bookmarks:
            await session.execute(
                insert(LibraryBookmarkRow),
                [
                    {
                        "user_id": user,
                        "library_id": lib,
                        "type": "PUBLIC",
                        "url": None,
                        "created_ms": 1,
                    }
                    for user, lib in extra.bookmarks
                ],
            )
