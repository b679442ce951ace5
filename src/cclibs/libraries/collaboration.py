"""The values of sharing: collaborators, invitations, and what a library list shows.

An invitation is addressed to an email, not to an account: whoever signs in with that
address (compared after ``email_key``) sees it and may accept it, so one can wait for an
account that does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cclibs.emails import email_key

__all__ = [
    "OWNER_FILTERS",
    "Collaborator",
    "CollaboratorRole",
    "Invitation",
    "OwnerFilter",
    "email_key",
]

CollaboratorRole = Literal["viewer", "editor"]

OwnerFilter = Literal["all", "private", "outgoing", "incoming", "public"]
"""What ``GET /libraries?owner=`` lists (compat reference §1.3): ``private`` the caller's
libraries shared with nobody, ``outgoing`` theirs shared with someone, ``incoming`` those
shared with them, ``all`` all three; ``public`` the published libraries the caller bookmarked
(``cclibs.libraries.bookmarks``), which ``all`` leaves out."""
OWNER_FILTERS: frozenset[str] = frozenset({"all", "private", "outgoing", "incoming", "public"})


@dataclass(frozen=True, slots=True)
class Collaborator:
    library_id: str
    user_id: str
    email: str
    name: str
    role: CollaboratorRole
    can_share: bool
    can_comment: bool
    created_ms: int


@dataclass(frozen=True, slots=True)
class Invitation:
    id: str
    library_id: str
    sender_id: str
    email: str
    """The recipient, as ``email_key`` gives it."""
    role: CollaboratorRole
    can_share: bool
    can_comment: bool
    created_ms: int
    library_name: str = ""
    """Loaded with it for the recipient's list (never written)."""
    sender_name: str = ""
    """Loaded with it (never written)."""
