"""Who may do what to a library: one question, ``may(user, library, action)``.

Today a library is its owner's alone. Sharing (collaborators with viewer and editor roles,
public libraries) answers the same question with more rows, without touching the operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from cclibs.libraries.errors import Forbidden, NotFound
from cclibs.libraries.models import Library
from cclibs.libraries.payloads import parse_library_id

if TYPE_CHECKING:
    from cclibs.libraries.ports import LibraryStore

__all__ = ["Action", "Caller", "library_for", "may", "require"]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: the user, through the client the access token was issued to."""

    user_id: str
    client_id: str


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    """Change the library's name or its elements."""
    DELETE = "delete"
    """Delete the library itself."""


def may(user_id: str, library: Library, action: Action) -> bool:
    del action  # every action is the owner's, until roles come with sharing
    return library.owner_id == user_id


def require(user_id: str, library: Library | None, action: Action) -> Library:
    """The library when ``user_id`` may do ``action``. A library the user may not even read
    is ``NotFound``, the same answer as one that does not exist (its existence is private)."""
    if library is None or not may(user_id, library, Action.READ):
        raise NotFound("There is no library with this id.")
    if not may(user_id, library, action):
        raise Forbidden(f"You may not {action} this library.")
    return library


async def library_for(
    store: LibraryStore, caller: Caller, given_id: str, action: Action, *, lock: bool = False
) -> Library:
    """The library a path names (by id or URN) when ``caller`` may do ``action``; ``lock``
    holds its row for a writer (see ``LibraryStore.library``)."""
    return require(
        caller.user_id, await store.library(parse_library_id(given_id), lock=lock), action
    )
