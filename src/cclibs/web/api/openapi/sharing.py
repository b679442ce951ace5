"""components for cclibs' sharing extension: collaborators, invitations, publication
(``cclibs.libraries.sharing_wire`` builds the answers; ``cclibs.libraries.sharing`` checks
the bodies)."""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.web.api.openapi._schema import MS, Schema, array, count, obj, ref, text

__all__ = ["SHARING_ANSWERS", "SHARING_PARAMETERS", "SHARING_PAYLOADS", "SHARING_TAG"]

SHARING_TAG = (
    "cclibs' extension (Adobe's public API cannot share): invite people to a library as "
    "viewers (who read) or editors (who also write); only its owner deletes it, purges its "
    "archive, publishes it and manages its collaborators. A collaborator leaves with DELETE "
    ".../collaborators/me."
)

_ROLE = {"enum": ["viewer", "editor"], "description": "viewer reads; editor also writes."}
_SHARE = {"type": "boolean", "description": "May invite others, up to their own role."}
_COMMENT = {"type": "boolean", "description": "May comment."}


def _links(*names: str) -> Schema:
    return obj({n: ref("Link") for n in names}, names, description="Related addresses.")


SHARING_ANSWERS: Mapping[str, Schema] = {
    "LibraryCollaborator": obj(
        {
            "user_id": text("The collaborator's user id."),
            "email": text("Their account's email."),
            "name": text("Their name."),
            "role": _ROLE,
            "can_share": _SHARE,
            "can_comment": _COMMENT,
            "created_date": {**MS, "description": "Since when (epoch ms)."},
            "_links": _links("self", "library"),
        },
        ("user_id", "email", "name", "role", "can_share", "can_comment", "created_date"),
        description="Someone a library is shared with.",
    ),
    "SharingInvitation": obj(
        {
            "id": text("The invitation's id."),
            "library_id": text("The library's id."),
            "library_urn": text("The library's URN."),
            "library_name": text("The library's name."),
            "recipient_email": text("Who is invited (normalised: NFKC, casefolded)."),
            "sender_id": text("Who invited: a user id."),
            "sender_name": text("Who invited: their name."),
            "role": _ROLE,
            "can_share": _SHARE,
            "can_comment": _COMMENT,
            "created_date": {**MS, "description": "When (epoch ms)."},
            "_links": _links("accept", "decline", "library"),
        },
        ("id", "library_id", "library_urn", "recipient_email", "role", "created_date"),
        description="A pending invitation to collaborate on a library.",
    ),
    "LibrarySharing": obj(
        {
            "library_urn": text("The library's URN."),
            "owner": obj(
                {
                    "user_id": text("The owner's user id."),
                    "email": text("Their email."),
                    "name": text("Their name."),
                },
                ("user_id", "email", "name"),
                description="The library's owner.",
            ),
            "public": {"type": "boolean", "description": "Whether the owner published it."},
            "total_count": count("Collaborators (the owner not counted)."),
            "collaborators": array(ref("LibraryCollaborator"), "Oldest first."),
            "invitations": array(
                ref("SharingInvitation"),
                "Pending, oldest first; empty for those who may not share.",
            ),
            "_links": _links("self", "library"),
        },
        ("library_urn", "owner", "public", "total_count", "collaborators", "invitations"),
        description="Who shares a library.",
    ),
    "SharingInvitations": obj(
        {
            "total_count": count("Your pending invitations."),
            "invitations": array(ref("SharingInvitation"), "Newest first."),
            "_links": _links("self"),
        },
        ("total_count", "invitations"),
        description="Invitations to your account's email.",
    ),
    "LibraryPublication": obj(
        {
            "library_urn": text("The library's URN."),
            "public": {"type": "boolean"},
            "published_date": {**MS, "type": ["integer", "null"]},
            "_links": _links("library", "public"),
        },
        ("library_urn", "public", "published_date"),
        description="Whether, and since when, a library is public.",
    ),
}

SHARING_PAYLOADS: Mapping[str, Schema] = {
    "InvitationPayload": obj(
        {
            "email": text("Whom to invite; they need no account yet.", format="email"),
            "role": _ROLE,
            "can_share": {**_SHARE, "default": False},
            "can_comment": {**_COMMENT, "default": True},
        },
        ("email", "role"),
        description="An invitation; inviting the same address again replaces it.",
    ),
    "CollaboratorPayload": obj(
        {"role": _ROLE, "can_share": _SHARE, "can_comment": _COMMENT},
        description="What to change; what is left out stays.",
    ),
}

SHARING_PARAMETERS: Mapping[str, Schema] = {
    "collaborator": {
        "name": "collaborator",
        "in": "path",
        "required": True,
        "description": "A collaborator's user id or email, an invited email, or me (leave).",
        "schema": {"type": "string"},
    },
    "invitationId": {
        "name": "invitationId",
        "in": "path",
        "required": True,
        "description": "The invitation's id.",
        "schema": {"type": "string"},
    },
}
