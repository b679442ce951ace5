"""The operations "Try the API" offers: the identity endpoints and the Libraries API's 27.

Paths are relative to the API base (this server, or ``https://cc-libraries.adobe.io``). The page
asks for each ``{libraryId}``-style part, pre-filled from earlier responses, and the proxy
refuses a path still holding one. The 27 are those of Adobe's published OpenAPI file for the
Libraries API (version 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OPERATIONS", "Operation"]


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    body: str = ""

    def public(self) -> dict[str, str]:
        return {
            "method": self.method,
            "path": self.path,
            "summary": self.summary,
            "body": self.body,
        }


_LIBRARY = '{\n  "name": "My library"\n}'
_ELEMENTS = '{\n  "elements": []\n}'
_SEARCH = '{\n  "query": "blue"\n}'
_BOOKMARK = '{\n  "id": "LIBRARY-ID"\n}'

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/ims/userinfo/v2", "Who am I (OpenID Connect userinfo)"),
    Operation("GET", "/api/v1/libraries", "List libraries"),
    Operation("POST", "/api/v1/libraries", "Create a library", _LIBRARY),
    Operation("GET", "/api/v1/libraries/bookmarks", "List bookmarks"),
    Operation("POST", "/api/v1/libraries/bookmarks", "Bookmark a library", _BOOKMARK),
    Operation("PUT", "/api/v1/libraries/bookmarks/{bookmarkId}", "Change a bookmark", _BOOKMARK),
    Operation("DELETE", "/api/v1/libraries/bookmarks/{bookmarkId}", "Remove a bookmark"),
    Operation("GET", "/api/v1/libraries/{libraryId}", "Get a library"),
    Operation("HEAD", "/api/v1/libraries/{libraryId}", "Check a library"),
    Operation("DELETE", "/api/v1/libraries/{libraryId}", "Delete a library"),
    Operation("PATCH", "/api/v1/libraries/{libraryId}", "Change a library in a batch", "[]"),
    Operation(
        "POST", "/api/v1/libraries/{libraryId}/archive", "Restore archived elements", _ELEMENTS
    ),
    Operation(
        "DELETE", "/api/v1/libraries/{libraryId}/archive", "Purge archived elements", _ELEMENTS
    ),
    Operation(
        "DELETE", "/api/v1/libraries/{libraryId}/archive/{elementId}", "Purge one archived element"
    ),
    Operation("GET", "/api/v1/libraries/{libraryId}/elements", "List elements"),
    Operation(
        "POST", "/api/v1/libraries/{libraryId}/elements", "Create, copy or move elements", _ELEMENTS
    ),
    Operation("DELETE", "/api/v1/libraries/{libraryId}/elements", "Archive elements", _ELEMENTS),
    Operation(
        "PUT",
        "/api/v1/libraries/{libraryId}/elements/metadata",
        "Change elements' metadata",
        _ELEMENTS,
    ),
    Operation("GET", "/api/v1/libraries/{libraryId}/elements/{elementId}", "Get an element"),
    Operation("DELETE", "/api/v1/libraries/{libraryId}/elements/{elementId}", "Archive an element"),
    Operation(
        "PUT",
        "/api/v1/libraries/{libraryId}/elements/{elementId}/representations",
        "Replace an element's representations",
        _ELEMENTS,
    ),
    Operation("PUT", "/api/v1/libraries/{libraryId}/metadata", "Rename a library", _LIBRARY),
    Operation(
        "POST",
        "/api/v1/libraries/{libraryId}/representations/content",
        "Upload a representation (multipart)",
    ),
    Operation("GET", "/api/v1/public/libraries/{libraryId}", "Get a public library"),
    Operation("HEAD", "/api/v1/public/libraries/{libraryId}", "Check a public library"),
    Operation(
        "GET", "/api/v1/public/libraries/{libraryId}/elements", "List a public library's elements"
    ),
    Operation(
        "GET",
        "/api/v1/public/libraries/{libraryId}/elements/{elementId}",
        "Get a public library's element",
    ),
    Operation("POST", "/api/v1/search", "Search libraries and elements", _SEARCH),
)
