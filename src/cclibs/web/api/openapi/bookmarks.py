"""components.schemas of bookmarks (compat reference §1.5, ``DbLibraryBookmark``): what the
server answers, and what clients send."""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.libraries.bookmarks import MAX_BOOKMARKS
from cclibs.web.api.openapi._schema import MS, Schema, array, obj, ref, text

__all__ = ["BOOKMARK_ANSWERS", "BOOKMARK_PAYLOADS"]

_KIND = {
    "enum": ["PUBLIC", "COLLAB"],
    "description": "PUBLIC: a library its owner published; COLLAB: one shared with you.",
}
_FC = {"type": "boolean", "description": "Always false here."}

BOOKMARK_ANSWERS: Mapping[str, Schema] = {
    "DbLibraryBookmark": obj(
        {
            "id": text("The library's id."),
            "type": _KIND,
            "url": text("The public library's landing page, as it was given (PUBLIC)."),
            "urn": text("The library's URN (COLLAB)."),
            "role": {"enum": ["viewer", "editor"], "description": "Your role (COLLAB)."},
            "can_share": {"type": "boolean", "description": "You may invite others (COLLAB)."},
            "can_comment": {"type": "boolean", "description": "You may comment (COLLAB)."},
            "created": {**MS, "description": "When it was bookmarked (epoch ms; the server's)."},
            "_fc": _FC,
        },
        ("id", "type", "created"),
        description="A bookmark of someone else's library; role and rights are the "
        "collaborator's as they are now.",
    ),
    "DbLibraryBookmarks": obj(
        {"bookmarks": array(ref("DbLibraryBookmark"), "Oldest first."), "_fc": _FC},
        ("bookmarks",),
        description="Your bookmarks (after an addition: all of them).",
    ),
}

BOOKMARK_PAYLOADS: Mapping[str, Schema] = {
    "BookmarkPayload": {
        "type": "object",
        "description": "A library to bookmark, by id. Without a type, COLLAB when it is shared "
        "with you, else PUBLIC; created is set by the server.",
        "properties": {
            "id": text("The library's id (or URN).", minLength=1),
            "type": {**_KIND, "enum": ["PUBLIC", "COLLAB", "public", "collab"]},
            "url": text("The public library's landing page (required for PUBLIC).", minLength=1),
            "urn": text("The library's URN (required for COLLAB).", minLength=1),
        },
        "required": ["id"],
    },
    "BookmarksPayload": {
        "type": "object",
        "description": "Bookmarks to add (one to update); a library already bookmarked is "
        "left as it is.",
        "properties": {
            "bookmarks": array(
                ref("BookmarkPayload"), "The bookmarks.", minItems=1, maxItems=MAX_BOOKMARKS
            )
        },
        "required": ["bookmarks"],
    },
}
