"""SQL implementation of ``cclibs.libraries.bookmarks.BookmarkStore``.

A bookmark is read with what makes it stand: the library's ``published_ms`` (``PUBLIC``) and
the user's collaborator row (``COLLAB``), in one query, so a bookmark never shows a role the
owner has since changed or a library that is no longer public.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from cclibs.libraries.bookmarks import (
    Bookmark,
    BookmarkKind,
    HeldBookmark,
    Standing,
)
from cclibs.libraries.models import Membership
from cclibs.storage.db import Database
from cclibs.storage.tables import LibraryBookmarkRow, LibraryRow
from cclibs.storage.tables.libraries import LibraryCollaboratorRow
from cclibs.storage.transactions import SqlTransactions

__all__ = ["SqlBookmarkStore", "SqlBookmarkTransactions", "public_bookmark_of"]

_B = LibraryBookmarkRow
_C = LibraryCollaboratorRow


def public_bookmark_of(user_id: str | ColumnElement[str]) -> ColumnElement[bool]:
    """A condition on ``libraries`` rows: published, and bookmarked ``PUBLIC`` by the user
    (``owner=public`` of the libraries list, compat reference §1.3). The bookmarks' primary
    key (user, library) answers the EXISTS."""
    bookmarked = (
        exists()
        .where(
            _B.user_id == user_id,
            _B.library_id == LibraryRow.id,
            _B.type == BookmarkKind.PUBLIC.value,
        )
        .correlate(LibraryRow)
    )
    return and_(LibraryRow.published_ms.is_not(None), bookmarked)


def _membership(
    user_id: str, role: str | None, can_share: bool, can_comment: bool
) -> Membership | None:
    if role is None:
        return None
    return Membership(
        user_id=user_id,
        role="editor" if role == "editor" else "viewer",
        can_share=can_share,
        can_comment=can_comment,
    )


def _bookmark(row: LibraryBookmarkRow) -> Bookmark:
    return Bookmark(row.library_id, BookmarkKind(row.type), row.url, row.created_ms)


class SqlBookmarkStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def bookmarks(self, user_id: str, library_id: str | None = None) -> list[HeldBookmark]:
        query = (
            select(_B, _C.role, _C.can_share, _C.can_comment)
            .join(LibraryRow, LibraryRow.id == _B.library_id)
            .outerjoin(_C, and_(_C.library_id == _B.library_id, _C.user_id == _B.user_id))
            .where(
                _B.user_id == user_id,
                *([_B.library_id == library_id] if library_id is not None else []),
                or_(
                    and_(
                        _B.type == BookmarkKind.PUBLIC.value, LibraryRow.published_ms.is_not(None)
                    ),
                    and_(_B.type == BookmarkKind.COLLAB.value, _C.user_id.is_not(None)),
                ),
            )
            .order_by(_B.created_ms, _B.library_id)
            .execution_options(populate_existing=True)
        )
        rows = (await self._s.execute(query)).all()
        return [
            HeldBookmark(
                _bookmark(row[0]),
                _membership(user_id, *row[1:])
                if row[0].type == BookmarkKind.COLLAB.value
                else None,
            )
            for row in rows
        ]

    async def standing(self, user_id: str, library_id: str) -> Standing | None:
        query = (
            select(LibraryRow.published_ms, _C.role, _C.can_share, _C.can_comment)
            .outerjoin(_C, and_(_C.library_id == LibraryRow.id, _C.user_id == user_id))
            .where(LibraryRow.id == library_id)
        )
        row = (await self._s.execute(query)).first()
        if row is None:
            return None
        return Standing(
            published=row.published_ms is not None, membership=_membership(user_id, *row[1:])
        )

    async def put_bookmark(self, user_id: str, bookmark: Bookmark) -> None:
        # An upsert: two requests bookmarking the same library at once both succeed.
        dialect = self._s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "type": bookmark.kind.value,
            "url": bookmark.url,
            "created_ms": bookmark.created_ms,
        }
        await self._s.execute(
            insert(_B)
            .values(user_id=user_id, library_id=bookmark.library_id, **values)
            .on_conflict_do_update(index_elements=[_B.user_id, _B.library_id], set_=values)
        )

    async def delete_bookmark(self, user_id: str, library_id: str) -> bool:
        result = await self._s.execute(
            delete(_B).where(_B.user_id == user_id, _B.library_id == library_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_bookmarks(self, user_id: str) -> int:
        query = select(func.count()).select_from(_B).where(_B.user_id == user_id)
        return int(await self._s.scalar(query) or 0)


class SqlBookmarkTransactions(SqlTransactions[SqlBookmarkStore]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, SqlBookmarkStore)
