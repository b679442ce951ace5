"""SQL for sharing: libraries loaded with the caller's membership, the ``owner=`` filters, and
the collaborator and invitation rows (``cclibs.libraries.ports.LibraryStore``, sharing part).

A library is read with two extras in the one query: ``shared`` (an EXISTS on the collaborators'
primary key) and, for a user, their collaborator row (an outer join on the same key). Who may
read a library is ``readable_by``: other queries (search, for one) filter with it in SQL.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    Table,
    and_,
    delete,
    exists,
    insert,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from cclibs.libraries.collaboration import Collaborator, Invitation, OwnerFilter
from cclibs.libraries.models import Library, Membership
from cclibs.storage.bookmarks import public_bookmark_of
from cclibs.storage.library_rows import library_of
from cclibs.storage.tables import LibraryRow, UserRow
from cclibs.storage.tables.libraries import LibraryCollaboratorRow, LibraryInvitationRow

__all__ = [
    "SharingQueries",
    "UserRef",
    "library_query",
    "library_with",
    "owner_condition",
    "readable_by",
]

_Collab = LibraryCollaboratorRow

UserRef = str | ColumnElement[str]
"""A user's id in a condition: a value, or a bound parameter of a statement made once."""


_SHARED_WITH = aliased(LibraryCollaboratorRow, name="shared_with")
_MEMBER = aliased(LibraryCollaboratorRow, name="member")
# Aliases of their own: the outer query may join the collaborators' table too, and a subquery
# that auto-correlated it would have no FROM left. Made once: an alias adapts each column the
# first time it is used, which cost more than the rest of building a list query.


def _shared() -> ColumnElement[bool]:
    return exists().where(_SHARED_WITH.library_id == LibraryRow.id).correlate(LibraryRow)


def _member_of(user_id: UserRef) -> ColumnElement[bool]:
    return (
        exists()
        .where(_MEMBER.library_id == LibraryRow.id, _MEMBER.user_id == user_id)
        .correlate(LibraryRow)
    )


def readable_by(user_id: UserRef) -> ColumnElement[bool]:
    """Libraries the user may read through the private endpoints: owned or shared with them."""
    return or_(LibraryRow.owner_id == user_id, _member_of(user_id))


def owner_condition(user_id: UserRef, owner: OwnerFilter) -> ColumnElement[bool]:
    """The ``owner=`` filter of the library list, in SQL."""
    mine = LibraryRow.owner_id == user_id
    if owner == "private":
        return and_(mine, not_(_shared()))
    if owner == "outgoing":
        return and_(mine, _shared())
    if owner == "incoming":
        return _member_of(user_id)
    if owner == "public":
        return public_bookmark_of(user_id)
    return readable_by(user_id)


_LIBRARY_COLUMNS = tuple(cast(Table, LibraryRow.__table__).c)
_MEMBERSHIP_COLUMNS = (
    _Collab.user_id.label("member_user_id"),
    _Collab.role.label("member_role"),
    _Collab.can_share.label("member_can_share"),
    _Collab.can_comment.label("member_can_comment"),
)


def library_query(for_user: UserRef | None) -> Select[*tuple[Any, ...]]:
    """Rows of the library's columns, ``shared`` and, for a user, their collaborator row's
    ``member_*`` columns (NULL when not a collaborator). Columns, not ORM objects: a library
    list loads no instances into the session."""
    if for_user is None:
        return select(*_LIBRARY_COLUMNS, _shared().label("shared"))
    return (
        select(*_LIBRARY_COLUMNS, _shared().label("shared"), *_MEMBERSHIP_COLUMNS)
        .select_from(LibraryRow)
        .outerjoin(_Collab, and_(_Collab.library_id == LibraryRow.id, _Collab.user_id == for_user))
    )


def library_with(row: Row[Any]) -> Library:
    """The ``Library`` of one ``library_query`` row (other columns may follow)."""
    m = row._mapping
    membership = None
    member = m.get("member_user_id")
    if member is not None:
        membership = Membership(
            user_id=member,
            role="editor" if m["member_role"] == "editor" else "viewer",
            can_share=m["member_can_share"],
            can_comment=m["member_can_comment"],
        )
    return library_of(row, shared=bool(m["shared"]), membership=membership)


def _collaborator(row: Any) -> Collaborator:
    collab, email, name = row
    return Collaborator(
        library_id=collab.library_id,
        user_id=collab.user_id,
        email=email,
        name=name,
        role="editor" if collab.role == "editor" else "viewer",
        can_share=collab.can_share,
        can_comment=collab.can_comment,
        created_ms=collab.created_ms,
    )


def _invitation(row: LibraryInvitationRow, library_name: str = "", sender: str = "") -> Invitation:
    return Invitation(
        id=row.id,
        library_id=row.library_id,
        sender_id=row.sender_id,
        email=row.email,
        role="editor" if row.role == "editor" else "viewer",
        can_share=row.can_share,
        can_comment=row.can_comment,
        created_ms=row.created_ms,
        library_name=library_name,
        sender_name=sender,
    )


class SharingQueries:
    """The sharing half of ``SqlLibraryStore`` (it supplies the session)."""

    _s: AsyncSession

    def _collaborators_query(self) -> Select[*tuple[Any, ...]]:
        return select(_Collab, UserRow.email, UserRow.name).join(
            UserRow, UserRow.id == _Collab.user_id
        )

    async def collaborators(self, library_id: str) -> list[Collaborator]:
        query = (
            self._collaborators_query()
            .where(_Collab.library_id == library_id)
            .order_by(_Collab.created_ms, _Collab.user_id)
        )
        return [_collaborator(row) for row in (await self._s.execute(query)).all()]

    async def collaborator(self, library_id: str, user_id: str) -> Collaborator | None:
        query = self._collaborators_query().where(
            _Collab.library_id == library_id, _Collab.user_id == user_id
        )
        row = (await self._s.execute(query)).first()
        return _collaborator(row) if row else None

    async def put_collaborator(self, collaborator: Collaborator) -> None:
        await self.delete_collaborator(collaborator.library_id, collaborator.user_id)
        await self._s.execute(
            insert(_Collab).values(
                library_id=collaborator.library_id,
                user_id=collaborator.user_id,
                role=collaborator.role,
                can_share=collaborator.can_share,
                can_comment=collaborator.can_comment,
                created_ms=collaborator.created_ms,
            )
        )

    async def delete_collaborator(self, library_id: str, user_id: str) -> bool:
        result = await self._s.execute(
            delete(_Collab).where(_Collab.library_id == library_id, _Collab.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def user_by_email_key(self, email: str) -> tuple[str, str, str] | None:
        # Account addresses are stored as keys (cclibs.emails).
        query = select(UserRow.id, UserRow.email, UserRow.name).where(UserRow.email == email)
        row = (await self._s.execute(query)).first()
        return (str(row[0]), str(row[1]), str(row[2])) if row else None

    async def user_profile(self, user_id: str) -> tuple[str, str] | None:
        query = select(UserRow.email, UserRow.name).where(UserRow.id == user_id)
        row = (await self._s.execute(query)).first()
        return (str(row[0]), str(row[1])) if row else None

    async def verified_email(self, user_id: str) -> str | None:
        query = select(UserRow.email).where(UserRow.id == user_id, UserRow.email_verified)
        return await self._s.scalar(query)

    async def put_invitation(self, invitation: Invitation) -> Invitation:
        await self._s.execute(
            delete(LibraryInvitationRow).where(
                LibraryInvitationRow.library_id == invitation.library_id,
                LibraryInvitationRow.email == invitation.email,
            )
        )
        await self._s.execute(
            insert(LibraryInvitationRow).values(
                id=invitation.id,
                library_id=invitation.library_id,
                sender_id=invitation.sender_id,
                email=invitation.email,
                role=invitation.role,
                can_share=invitation.can_share,
                can_comment=invitation.can_comment,
                created_ms=invitation.created_ms,
            )
        )
        return invitation

    def _invitations_query(self) -> Select[*tuple[Any, ...]]:
        return (
            select(LibraryInvitationRow, LibraryRow.name, UserRow.name)
            .join(LibraryRow, LibraryRow.id == LibraryInvitationRow.library_id)
            .join(UserRow, UserRow.id == LibraryInvitationRow.sender_id)
        )

    async def _invitations(self, query: Select[*tuple[Any, ...]]) -> list[Invitation]:
        rows = (await self._s.execute(query.execution_options(populate_existing=True))).all()
        return [_invitation(row[0], row[1], row[2]) for row in rows]

    async def invitation(self, invitation_id: str) -> Invitation | None:
        found = await self._invitations(
            self._invitations_query().where(LibraryInvitationRow.id == invitation_id)
        )
        return found[0] if found else None

    async def library_invitations(self, library_id: str) -> list[Invitation]:
        return await self._invitations(
            self._invitations_query()
            .where(LibraryInvitationRow.library_id == library_id)
            .order_by(LibraryInvitationRow.created_ms, LibraryInvitationRow.id)
        )

    async def invitations_to(self, email: str) -> list[Invitation]:
        return await self._invitations(
            self._invitations_query()
            .where(LibraryInvitationRow.email == email)
            .order_by(LibraryInvitationRow.created_ms.desc(), LibraryInvitationRow.id)
        )

    async def delete_invitation(self, invitation_id: str) -> bool:
        result = await self._s.execute(
            delete(LibraryInvitationRow).where(LibraryInvitationRow.id == invitation_id)
        )
        return bool(getattr(result, "rowcount", 0))
