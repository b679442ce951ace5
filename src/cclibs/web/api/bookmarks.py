"""``/api/v1/libraries/bookmarks``: a user's bookmarks of other people's libraries (compat
reference §1.2 rows 3 to 6, §1.5 ``DbLibraryBookmark``).

These routes must be registered before ``/libraries/{libraryId}``, which would otherwise take
``bookmarks`` for a library id: the package (``cclibs.web.api``) imports this module first.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.access import Caller
from cclibs.libraries.bookmarks import BookmarkKind, BookmarkService, HeldBookmark
from cclibs.storage.bookmarks import SqlBookmarkTransactions
from cclibs.web.api.auth import api_caller
from cclibs.web.api.http import json_body, json_response, operation
from cclibs.web.state import AppState, app_state

__all__ = ["bookmark_field", "bookmark_service", "bookmark_view"]

_BOOKMARKS = "Bookmarks"
_PATH = "/libraries/bookmarks"


def bookmark_service(state: AppState) -> BookmarkService:
    """The bookmarks over the app's database, on the app's clock (two small objects: made for
    each request rather than added to ``AppState``)."""
    return BookmarkService(SqlBookmarkTransactions(state.db), state.playground.clock)


def bookmark_view(held: HeldBookmark) -> dict[str, Any]:
    """``DbLibraryBookmark``: ``url`` for a public library, ``urn`` and the collaborator's
    rights for a shared one."""
    bookmark = held.bookmark
    view: dict[str, Any] = {
        "id": bookmark.library_id,
        "type": bookmark.kind.value,
        "created": bookmark.created_ms,
        "_fc": False,
    }
    if bookmark.kind is BookmarkKind.PUBLIC:
        view["url"] = bookmark.url
    else:
        view["urn"] = held.urn
    if held.membership is not None:
        view["role"] = held.membership.role
        view["can_share"] = held.membership.can_share
        view["can_comment"] = held.membership.can_comment
    return view


async def bookmark_field(state: AppState, caller: Caller, library_id: str) -> dict[str, Any]:
    """``{"bookmark": ...}`` when the caller's bookmark of the library stands, else empty
    (``DbLibraryInfo.bookmark``, compat reference §1.5)."""
    held = await bookmark_service(state).bookmark_of(caller, library_id)
    return {"bookmark": bookmark_view(held)} if held is not None else {}


def _answer(bookmarks: list[HeldBookmark], status: int = 200) -> Response:
    return json_response({"bookmarks": [bookmark_view(b) for b in bookmarks], "_fc": False}, status)


@operation(
    "GET",
    _PATH,
    "getBookmarks",
    "List the caller's bookmarks of public and shared libraries",
    tag=_BOOKMARKS,
    responses={200: "DbLibraryBookmarks"},
)
async def list_bookmarks(request: Request) -> Response:
    caller = await api_caller(request)
    return _answer(await bookmark_service(app_state(request)).list_bookmarks(caller))


@operation(
    "POST",
    _PATH,
    "addLibraryBookmarks",
    "Bookmark libraries (a library already bookmarked is left as it is)",
    tag=_BOOKMARKS,
    body="BookmarksPayload",
    responses={200: "DbLibraryBookmarks", 201: "DbLibraryBookmarks"},
)
async def add_bookmarks(request: Request) -> Response:
    caller = await api_caller(request)
    bookmarks, added = await bookmark_service(app_state(request)).add(
        caller, await json_body(request)
    )
    return _answer(bookmarks, 201 if added else 200)


@operation(
    "PUT",
    _PATH + "/{bookmarkId}",
    "putLibraryBookmark",
    "Change a bookmark's type or URL",
    tag=_BOOKMARKS,
    body="BookmarksPayload",
    responses={200: "DbLibraryBookmarks"},
)
async def put_bookmark(request: Request) -> Response:
    caller = await api_caller(request)
    held = await bookmark_service(app_state(request)).update(
        caller, request.path_params["bookmarkId"], await json_body(request)
    )
    return _answer([held])


@operation(
    "DELETE",
    _PATH + "/{bookmarkId}",
    "removeLibraryBookmark",
    "Remove a bookmark",
    tag=_BOOKMARKS,
    responses={204: None},
)
async def remove_bookmark(request: Request) -> Response:
    caller = await api_caller(request)
    await bookmark_service(app_state(request)).remove(caller, request.path_params["bookmarkId"])
    return Response(status_code=204)
