"""The JSON of cclibs' sharing extension: collaborators, invitations and publication, in the
API's own style (snake_case as in Adobe's bookmarks, epoch-millisecond ``*_date`` fields,
relative ``_links``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cclibs.libraries.collaboration import Collaborator, Invitation
from cclibs.libraries.models import Library
from cclibs.libraries.sharing import Sharing

__all__ = [
    "collaborator_view",
    "invitation_view",
    "invitations_view",
    "publication_view",
    "sharing_view",
]

_JSON = "application/json"


def _link(href: str) -> dict[str, str]:
    return {"href": href, "type": _JSON}


def _library_href(library_id: str) -> str:
    return f"/api/v1/libraries/{library_id}"


def collaborator_view(collaborator: Collaborator, library: Library) -> dict[str, Any]:
    href = f"{_library_href(library.urn)}/collaborators/{quote(collaborator.user_id)}"
    return {
        "user_id": collaborator.user_id,
        "email": collaborator.email,
        "name": collaborator.name,
        "role": collaborator.role,
        "can_share": collaborator.can_share,
        "can_comment": collaborator.can_comment,
        "created_date": collaborator.created_ms,
        "_links": {"self": _link(href), "library": _link(_library_href(library.urn))},
    }


def invitation_view(invitation: Invitation) -> dict[str, Any]:
    href = f"/api/v1/invitations/{invitation.id}"
    library = f"urn:aaid:sc:US:{invitation.library_id}"
    return {
        "id": invitation.id,
        "library_id": invitation.library_id,
        "library_urn": library,
        "library_name": invitation.library_name,
        "recipient_email": invitation.email,
        "sender_id": invitation.sender_id,
        "sender_name": invitation.sender_name,
        "role": invitation.role,
        "can_share": invitation.can_share,
        "can_comment": invitation.can_comment,
        "created_date": invitation.created_ms,
        "_links": {
            "accept": _link(f"{href}/accept"),
            "decline": _link(f"{href}/decline"),
            "library": _link(_library_href(library)),
        },
    }


def sharing_view(sharing: Sharing) -> dict[str, Any]:
    library = sharing.library
    owner_id, owner_email, owner_name = sharing.owner
    return {
        "library_urn": library.urn,
        "owner": {"user_id": owner_id, "email": owner_email, "name": owner_name},
        "public": library.published_ms is not None,
        "total_count": len(sharing.collaborators),
        "collaborators": [collaborator_view(c, library) for c in sharing.collaborators],
        "invitations": [invitation_view(i) for i in sharing.invitations],
        "_links": {
            "self": _link(f"{_library_href(library.urn)}/collaborators"),
            "library": _link(_library_href(library.urn)),
        },
    }


def invitations_view(invitations: list[Invitation]) -> dict[str, Any]:
    return {
        "total_count": len(invitations),
        "invitations": [invitation_view(i) for i in invitations],
        "_links": {"self": _link("/api/v1/invitations")},
    }


def publication_view(library: Library) -> dict[str, Any]:
    return {
        "library_urn": library.urn,
        "public": library.published_ms is not None,
        "published_date": library.published_ms,
        "_links": {
            "library": _link(_library_href(library.urn)),
            "public": _link(f"/api/v1/public/libraries/{library.id}"),
        },
    }
