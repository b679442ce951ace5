"""Sharing a library: invitations by email, collaborators and their roles, leaving, and
publishing (cclibs' extension; Adobe's public API has no way to share, compat reference §1.5).

Every operation loads the library with the caller's membership and asks ``access`` first.
Changes lock the library row, so an invitation accepted while the owner removes the sender,
or two role changes at once, take turns.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cclibs.clock import Clock
from cclibs.libraries.access import Action, Caller, Role, library_for, may, may_grant, role_of
from cclibs.libraries.bookkeeping import now_ms
from cclibs.libraries.collaboration import (
    Collaborator,
    CollaboratorRole,
    Invitation,
    email_key,
)
from cclibs.libraries.errors import Conflict, Forbidden, InvalidElement, NotFound
from cclibs.libraries.models import Library
from cclibs.libraries.payloads import need_object
from cclibs.libraries.ports import LibraryStore, LibraryTransactions

__all__ = ["ME", "Sharing", "SharingService", "collaboration_view"]

ME = "me"
"""``DELETE .../collaborators/me``: the caller leaves the library."""

_MAX_EMAIL = 320


@dataclass(frozen=True, slots=True)
class Sharing:
    """Who shares a library: its collaborators, and its pending invitations when the caller
    may see them (whoever may share)."""

    library: Library
    owner: tuple[str, str, str]
    """(id, email, name) of the owner."""
    collaborators: list[Collaborator]
    invitations: list[Invitation]


def _role(value: object, field: str = "role") -> CollaboratorRole:
    if value == "viewer":
        return "viewer"
    if value == "editor":
        return "editor"
    raise InvalidElement(field, "must be viewer or editor")


def _flag(payload: Mapping[str, Any], field: str, default: bool) -> bool:
    value = payload.get(field, default)
    if not isinstance(value, bool):
        raise InvalidElement(field, "must be true or false")
    return value


def _email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidElement("email", "must be the address to invite")
    key = email_key(value)
    local, at, domain = key.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in key):
        raise InvalidElement("email", "is not an email address")
    if len(key) > _MAX_EMAIL:
        raise InvalidElement("email", f"is longer than {_MAX_EMAIL} characters")
    return key


async def _profile(store: LibraryStore, user_id: str) -> tuple[str, str, str]:
    found = await store.user_profile(user_id)
    if found is None:  # pragma: no cover - the users.id foreign keys keep them
        raise NotFound("There is no such user.")
    return (user_id, *found)


async def collaboration_view(
    store: LibraryStore, caller: Caller, library: Library
) -> dict[str, Any]:
    """``DbLibraryCollaborationData`` (compat reference §1.5) for ``selector=collaboration``:
    the owner first, then the collaborators; invitations only for whoever may share."""
    owner = await _profile(store, library.owner_id)
    people = [
        {
            "collaborator": owner[0],
            "email": owner[1],
            "displayName": owner[2],
            "role": "owner",
            "canShare": True,
            "canComment": True,
        }
    ]
    direct = [
        {
            "collaborator": c.user_id,
            "email": c.email,
            "displayName": c.name,
            "role": c.role,
            "canShare": c.can_share,
            "canComment": c.can_comment,
        }
        for c in await store.collaborators(library.id)
    ]
    invitations: list[dict[str, Any]] = []
    if may(caller.user_id, library, Action.SHARE):
        invitations = [
            {
                "id": i.id,
                "recipientEmail": i.email,
                "senderName": i.sender_name,
                "created": str(i.created_ms),
                "role": i.role,
                "canShare": i.can_share,
                "canComment": i.can_comment,
            }
            for i in await store.library_invitations(library.id)
        ]
    return {
        "rootURN": library.urn,
        "ownerId": library.owner_id,
        "state": "shared" if direct else "private",
        "collaborators": people + direct,
        "directCollaborators": direct,
        "invitations": invitations,
        "public": library.published_ms is not None,
        "hasAdmin": False,
    }


class SharingService:
    def __init__(self, transactions: LibraryTransactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock

    # The library's side ------------------------------------------------------------------

    async def sharing(self, caller: Caller, given_id: str) -> Sharing:
        async with self._tx.read() as store:
            library = await library_for(store, caller, given_id, Action.READ)
            invitations: list[Invitation] = []
            if may(caller.user_id, library, Action.SHARE):
                invitations = await store.library_invitations(library.id)
            return Sharing(
                library,
                await _profile(store, library.owner_id),
                await store.collaborators(library.id),
                invitations,
            )

    async def invite(self, caller: Caller, given_id: str, body: object) -> Invitation:
        payload = need_object(body, '{"email": ..., "role": "viewer" | "editor"}')
        email = _email(payload.get("email"))
        role = _role(payload.get("role"))
        can_share = _flag(payload, "can_share", False)
        can_comment = _flag(payload, "can_comment", True)
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.SHARE, lock=True)
            if not may_grant(caller.user_id, library, role, can_share=can_share):
                raise Forbidden(
                    f"As {role_of(caller.user_id, library)} you may not invite an {role}."
                )
            await self._check_not_in(store, library, email)
            invitation = Invitation(
                id=str(uuid.uuid4()),
                library_id=library.id,
                sender_id=caller.user_id,
                email=email,
                role=role,
                can_share=can_share,
                can_comment=can_comment,
                created_ms=now_ms(self._clock),
            )
            await store.put_invitation(invitation)
            stored = await store.invitation(invitation.id)
        return stored or invitation

    @staticmethod
    async def _check_not_in(store: LibraryStore, library: Library, email: str) -> None:
        """Someone already in the library is not invited again (change their role)."""
        user = await store.user_by_email_key(email)
        if user is None:
            return
        if user[0] == library.owner_id:
            raise Conflict("This address is the library's owner's.")
        if await store.collaborator(library.id, user[0]) is not None:
            raise Conflict(
                "This address's user already collaborates on the library; change their role."
            )

    async def change(self, caller: Caller, given_id: str, who: str, body: object) -> Collaborator:
        payload = need_object(body, '{"role": ..., "can_share": ..., "can_comment": ...}')
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.MANAGE, lock=True)
            current = await self._collaborator(store, library, who)
            changed = replace(
                current,
                role=_role(payload["role"]) if "role" in payload else current.role,
                can_share=_flag(payload, "can_share", current.can_share),
                can_comment=_flag(payload, "can_comment", current.can_comment),
            )
            await store.put_collaborator(changed)
            await self._void_invitations_of(store, library.id, changed.user_id)
        return changed

    async def remove(self, caller: Caller, given_id: str, who: str) -> None:
        """Remove a collaborator (by user id or email), withdraw an invitation (by email),
        or, for ``me`` or the caller's own id, leave the library."""
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.READ, lock=True)
            if who == ME or who == caller.user_id:
                if not may(caller.user_id, library, Action.LEAVE):
                    raise Conflict(
                        "The owner cannot leave their library; delete it, or copy it first."
                    )
                await store.delete_collaborator(library.id, caller.user_id)
                await self._void_invitations_of(store, library.id, caller.user_id)
                return
            if not may(caller.user_id, library, Action.MANAGE):
                raise Forbidden(f"As {role_of(caller.user_id, library)} you may not remove others.")
            if await store.delete_collaborator(library.id, who):
                await self._void_invitations_of(store, library.id, who)
                return
            key = email_key(who)
            for invitation in await store.library_invitations(library.id):
                if invitation.email == key:
                    await store.delete_invitation(invitation.id)
                    return
            collaborator = await self._collaborator(store, library, who)
            await store.delete_collaborator(library.id, collaborator.user_id)
            await self._void_invitations_of(store, library.id, collaborator.user_id)

    @staticmethod
    async def _void_invitations_of(store: LibraryStore, library_id: str, sender_id: str) -> None:
        """Withdraw the pending invitations ``sender_id`` sent that they could no longer send
        (they left, were removed, or lost the role or the right to share)."""
        as_sender = await store.library(library_id, for_user=sender_id)
        for invitation in await store.library_invitations(library_id):
            if invitation.sender_id != sender_id:
                continue
            if as_sender is None or not may_grant(
                sender_id, as_sender, invitation.role, can_share=invitation.can_share
            ):
                await store.delete_invitation(invitation.id)

    @staticmethod
    async def _collaborator(store: LibraryStore, library: Library, who: str) -> Collaborator:
        """By user id, or else by email (user ids hold an ``@`` too: ``...@AdobeID``)."""
        found = await store.collaborator(library.id, who)
        if found is None and "@" in who:
            user = await store.user_by_email_key(email_key(who))
            found = await store.collaborator(library.id, user[0]) if user else None
        if found is None:
            raise NotFound(f"Nobody collaborates on this library as {who!r}.")
        return found

    async def publish(self, caller: Caller, given_id: str, public: bool) -> Library:
        """Publish the library (anyone with an API key reads it through the public
        endpoints) or unpublish it; publishing twice keeps the first date."""
        async with self._tx.write() as store:
            library = await library_for(store, caller, given_id, Action.PUBLISH, lock=True)
            published = library.published_ms if public else None
            if public and published is None:
                published = now_ms(self._clock)
            if published != library.published_ms:
                library = replace(library, published_ms=published)
                await store.update_library(library)
        return library

    # The recipient's side ----------------------------------------------------------------

    async def my_invitations(self, caller: Caller) -> list[Invitation]:
        async with self._tx.read() as store:
            email = await self._my_email(store, caller)
            return await store.invitations_to(email)

    async def accept(self, caller: Caller, invitation_id: str) -> Library:
        """Become a collaborator as the invitation says; the library, as the caller now
        sees it."""
        async with self._tx.write() as store:
            invitation = await self._mine(store, caller, invitation_id)
            library = await store.library(invitation.library_id, lock=True, for_user=caller.user_id)
            if library is None:  # pragma: no cover - the invitation cascades with it
                raise NotFound("There is no invitation with this id for you.")
            await store.delete_invitation(invitation.id)
            if role_of(caller.user_id, library) is Role.OWNER:
                raise Conflict("You own this library already.")
            await store.put_collaborator(
                Collaborator(
                    library_id=library.id,
                    user_id=caller.user_id,
                    email="",
                    name="",
                    role=invitation.role,
                    can_share=invitation.can_share,
                    can_comment=invitation.can_comment,
                    created_ms=now_ms(self._clock),
                )
            )
            accepted = await store.library(library.id, for_user=caller.user_id)
        assert accepted is not None
        return accepted

    async def decline(self, caller: Caller, invitation_id: str) -> None:
        async with self._tx.write() as store:
            invitation = await self._mine(store, caller, invitation_id)
            await store.delete_invitation(invitation.id)

    async def _mine(self, store: LibraryStore, caller: Caller, invitation_id: str) -> Invitation:
        """The invitation when it is addressed to the caller's email; anyone else's is
        ``NotFound``, like one that does not exist."""
        email = await self._my_email(store, caller)
        invitation = await store.invitation(invitation_id.strip().lower())
        if invitation is None or invitation.email != email:
            raise NotFound("There is no invitation with this id for you.")
        return invitation

    @staticmethod
    async def _my_email(store: LibraryStore, caller: Caller) -> str:
        """The caller's address, which invitations are to. Only a verified one counts: an
        invitation to an address is for whoever can read its mail, not for anyone who signs
        up with it."""
        email = await store.verified_email(caller.user_id)
        if email is None:
            raise Forbidden(
                "Verify your email address first: invitations are for the owner of an address "
                "(the link is in the message sent at sign-up; the account page sends a new one)."
            )
        return email_key(email)
