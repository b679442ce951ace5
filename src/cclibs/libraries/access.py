"""Who may do what to a library: one question, ``may(user, library, action)``.

The answer follows from the caller's role in the library alone: its owner, a collaborator
(editor or viewer, from the ``Membership`` loaded with the library), a reader through the
public endpoints of a published library, or a stranger. ``_ALLOWED`` is the whole policy:

- a viewer (and anyone reading a published library publicly) reads;
- an editor also writes: elements, representations, uploads, the archive and the library's
  name (Adobe counts the name as metadata, which editors change);
- only the owner deletes the library, purges archived elements, publishes it and manages
  its collaborators; a collaborator with ``can_share`` may invite, with a role no higher
  than their own; a collaborator (and only one) may leave.

A library the caller may not even read is ``NotFound``, the same answer as one that does not
exist, so its existence stays private; one they read but may not change is ``Forbidden``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from cclibs.libraries.errors import Forbidden, NotFound
from cclibs.libraries.models import Library
from cclibs.libraries.payloads import parse_library_id

if TYPE_CHECKING:
    from cclibs.libraries.ports import LibraryStore

__all__ = [
    "Action",
    "Caller",
    "Role",
    "library_for",
    "may",
    "may_grant",
    "require",
    "role_of",
]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: the user, through the client the access token was issued to."""

    user_id: str
    client_id: str


class Role(StrEnum):
    """What a user is to a library, from most to least (``_RANK``)."""

    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"
    PUBLIC = "public"
    """Anyone, through the public endpoints, when the owner published the library."""
    STRANGER = "stranger"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    """Change the library's name, its elements, their representations and the archive."""
    DELETE = "delete"
    """Delete the library itself."""
    PURGE = "purge"
    """Delete archived elements for good."""
    SHARE = "share"
    """Invite someone (``may_grant`` bounds the role they may be given)."""
    MANAGE = "manage"
    """Change a collaborator's role, remove a collaborator, withdraw an invitation."""
    PUBLISH = "publish"
    """Publish the library publicly, or unpublish it."""
    LEAVE = "leave"
    """Stop collaborating on the library."""


_RANK: Mapping[Role, int] = {
    Role.OWNER: 3,
    Role.EDITOR: 2,
    Role.VIEWER: 1,
    Role.PUBLIC: 0,
    Role.STRANGER: -1,
}

_ALLOWED: Mapping[Action, frozenset[Role]] = {
    Action.READ: frozenset({Role.OWNER, Role.EDITOR, Role.VIEWER, Role.PUBLIC}),
    Action.WRITE: frozenset({Role.OWNER, Role.EDITOR}),
    Action.DELETE: frozenset({Role.OWNER}),
    Action.PURGE: frozenset({Role.OWNER}),
    Action.SHARE: frozenset({Role.OWNER}),  # and collaborators with can_share, see may()
    Action.MANAGE: frozenset({Role.OWNER}),
    Action.PUBLISH: frozenset({Role.OWNER}),
    Action.LEAVE: frozenset({Role.EDITOR, Role.VIEWER}),
}


def role_of(user_id: str | None, library: Library, *, public: bool = False) -> Role:
    """The user's role; ``public``: asked through the public endpoints, where a published
    library is readable by anyone (``user_id`` None: no token)."""
    if user_id is not None and library.owner_id == user_id:
        return Role.OWNER
    member = library.membership
    if user_id is not None and member is not None and member.user_id == user_id:
        return Role(member.role)
    if public and library.published_ms is not None:
        return Role.PUBLIC
    return Role.STRANGER


def may(user_id: str | None, library: Library, action: Action, *, public: bool = False) -> bool:
    """The policy: whether ``user_id`` may do ``action`` to ``library``."""
    role = role_of(user_id, library, public=public)
    if role in _ALLOWED[action]:
        return True
    if action is Action.SHARE and role in (Role.EDITOR, Role.VIEWER):
        return library.membership is not None and library.membership.can_share
    return False


def may_grant(user_id: str, library: Library, role: str, *, can_share: bool) -> bool:
    """Whether ``user_id`` may invite someone as ``role`` (with ``can_share``): the owner
    gives any role; a collaborator who may share gives at most their own role."""
    if not may(user_id, library, Action.SHARE):
        return False
    mine = role_of(user_id, library)
    if mine is Role.OWNER:
        return True
    del can_share  # a collaborator with can_share may pass it on
    return role in (Role.EDITOR, Role.VIEWER) and _RANK[Role(role)] <= _RANK[mine]


def require(user_id: str, library: Library | None, action: Action) -> Library:
    """The library when ``user_id`` may do ``action``. A library the user may not even read
    is ``NotFound``, the same answer as one that does not exist (its existence is private)."""
    if library is None or not may(user_id, library, Action.READ):
        raise NotFound("There is no library with this id.")
    if not may(user_id, library, action):
        raise Forbidden(f"As {role_of(user_id, library)} of this library you may not {action} it.")
    return library


async def library_for(
    store: LibraryStore, caller: Caller, given_id: str, action: Action, *, lock: bool = False
) -> Library:
    """The library a path names (by id or URN) when ``caller`` may do ``action``, loaded
    with the caller's membership in the same query; ``lock`` holds its row for a writer
    (see ``LibraryStore.library``)."""
    library = await store.library(parse_library_id(given_id), lock=lock, for_user=caller.user_id)
    return require(caller.user_id, library, action)
