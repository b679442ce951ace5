"""The storage contract of the Libraries API (implemented by ``cclibs.storage.libraries``).

A store is bound to one transaction: ``LibraryTransactions.read()`` gives one that only reads,
``write()`` one whose changes commit together when the block ends without an exception.
Every change to a library's elements also updates the library row (version, dates, counts), and
writers lock that row first (``library(..., lock=True)``), so concurrent writers to one library
take turns and none loses an update.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from cclibs.libraries.collaboration import Collaborator, Invitation, OwnerFilter
from cclibs.libraries.models import (
    Asset,
    Element,
    ElementFilter,
    Library,
    Ordering,
    Position,
    Upload,
    UploadPart,
)

__all__ = ["LibraryLookup", "LibraryStore", "LibraryTransactions"]


class LibraryStore(Protocol):
    # Libraries -----------------------------------------------------------------------------
    async def insert_library(self, library: Library) -> None: ...

    async def library(
        self, library_id: str, *, lock: bool = False, for_user: str | None = None
    ) -> Library | None:
        """The library by id, with ``shared``; ``lock`` holds its row until the transaction
        ends (PostgreSQL ``FOR UPDATE``; SQLite's write transactions are serial already);
        ``for_user``: with that user's ``membership`` if they collaborate on it, in the
        same query (``access.library_for`` asks so)."""
        ...

    async def update_library(self, library: Library) -> None:
        """Write every field of ``library`` (matched by id)."""
        ...

    async def delete_library(self, library_id: str) -> None:
        """Delete the library with its elements, their asset links and its assets."""
        ...

    async def list_libraries(
        self,
        user_id: str,
        ordering: Ordering,
        *,
        after: Position | None,
        offset: int,
        limit: int,
        owner: OwnerFilter = "all",
    ) -> list[Library]:
        """The libraries ``owner`` selects for the user (``OwnerFilter``), each with
        ``shared`` and the user's ``membership``, in ``ordering`` (ties by id), after
        ``after`` (keyset) or else skipping ``offset``, at most ``limit``."""
        ...

    async def count_libraries(self, user_id: str, owner: OwnerFilter = "all") -> int: ...

    # Sharing -------------------------------------------------------------------------------
    async def collaborators(self, library_id: str) -> list[Collaborator]:
        """Oldest first, with each user's email and name."""
        ...

    async def collaborator(self, library_id: str, user_id: str) -> Collaborator | None: ...

    async def put_collaborator(self, collaborator: Collaborator) -> None:
        """Insert, or replace the role and rights of, the (library, user) row."""
        ...

    async def delete_collaborator(self, library_id: str, user_id: str) -> bool:
        """Whether there was such a row."""
        ...

    async def user_by_email_key(self, email: str) -> tuple[str, str, str] | None:
        """(id, email, name) of the account whose address has this ``email_key``."""
        ...

    async def user_profile(self, user_id: str) -> tuple[str, str] | None:
        """(email, name) of the user."""
        ...

    async def verified_email(self, user_id: str) -> str | None:
        """The user's address once they have verified it; None before (or with no user)."""
        ...

    async def put_invitation(self, invitation: Invitation) -> Invitation:
        """Record it, replacing a pending one to the same (library, email); the stored one."""
        ...

    async def invitation(self, invitation_id: str) -> Invitation | None: ...

    async def library_invitations(self, library_id: str) -> list[Invitation]:
        """Pending, oldest first."""
        ...

    async def invitations_to(self, email: str) -> list[Invitation]:
        """Pending invitations to an ``email_key``, newest first, with the library's and the
        sender's names."""
        ...

    async def delete_invitation(self, invitation_id: str) -> bool: ...

    # Elements ------------------------------------------------------------------------------
    async def insert_element(self, element: Element) -> None:
        """Insert the element and link it to ``element.asset_ids``."""
        ...

    async def element(self, library_id: str, element_id: str) -> Element | None: ...

    async def elements(self, library_id: str, element_ids: Sequence[str]) -> list[Element]:
        """Those of the ids that exist in the library (archived or not), in the order given."""
        ...

    async def update_element(self, element: Element) -> None:
        """Write every field of ``element`` and replace its asset links."""
        ...

    async def delete_elements(self, library_id: str, element_ids: Sequence[str]) -> None:
        """Delete (purge) elements and their asset links."""
        ...

    async def list_elements(
        self,
        library_id: str,
        where: ElementFilter,
        ordering: Ordering,
        *,
        after: Position | None,
        offset: int,
        limit: int,
    ) -> list[Element]: ...

    async def count_elements(self, library_id: str, where: ElementFilter) -> int: ...

    async def element_type_counts(self, library_id: str) -> dict[str, int]:
        """Live (not archived) elements per element type."""
        ...

    # Uploaded assets -----------------------------------------------------------------------
    async def insert_asset(self, asset: Asset) -> None: ...

    async def asset(self, asset_id: str) -> Asset | None: ...

    async def unreferenced_assets(self, created_before_ms: int, limit: int) -> list[Asset]:
        """Assets no element links to, uploaded before the given time (garbage)."""
        ...

    async def delete_assets(self, asset_ids: Sequence[str]) -> None: ...

    async def library_blob_keys(self, library_id: str) -> set[str]:
        """The blobs the library's assets and upload parts name (read before deleting it)."""
        ...

    async def lock_blob(self, blob_key: str) -> None:
        """Hold the blob's lock until the transaction ends: whoever records a blob and
        whoever releases it take turns (PostgreSQL: an advisory lock; SQLite's writers are
        serial already)."""
        ...

    async def blob_in_use(self, blob_key: str) -> bool:
        """Whether any asset or upload part still names this blob."""
        ...

    # Chunked uploads -----------------------------------------------------------------------
    async def insert_upload(self, upload: Upload) -> None: ...

    async def upload(self, upload_id: str, *, lock: bool = False) -> Upload | None: ...

    async def put_part(self, upload_id: str, part: UploadPart) -> UploadPart | None:
        """Record a part, replacing one of the same number; returns the replaced one."""
        ...

    async def parts(self, upload_id: str) -> list[UploadPart]:
        """In number order."""
        ...

    async def delete_upload(self, upload_id: str) -> list[UploadPart]:
        """Forget the upload; returns its parts (whose blobs the caller releases)."""
        ...

    async def expired_uploads(self, created_before_ms: int, limit: int) -> list[Upload]: ...


class LibraryTransactions(Protocol):
    def read(self) -> AbstractAsyncContextManager[LibraryStore]: ...

    def write(self) -> AbstractAsyncContextManager[LibraryStore]: ...


LibraryLookup = Callable[[LibraryStore], Awaitable[Library]]
"""Reads the library a request names in a store's transaction, and checks it may be read
(``NotFound`` otherwise): ``access.library_for`` for a caller, ``public.published`` for anyone
through the public endpoints."""
