"""A user's bookmarks of libraries someone else owns (compat reference §1.5, ``DbLibraryBookmark``).

One row per (user, library): Adobe discards a second bookmark of the same library. The row
holds only what the user chose (the kind, the landing-page URL, when); what the user may do
in a shared library is the collaborator row's, read with the bookmark, never copied into it.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base

__all__ = ["LibraryBookmarkRow"]


class LibraryBookmarkRow(Base):
    __tablename__ = "library_bookmarks"
    # The primary key serves "my bookmarks"; the library_id index serves the libraries.id
    # foreign key's cascade (a deleted library takes its bookmarks with it).
    __table_args__ = (CheckConstraint("type IN ('PUBLIC', 'COLLAB')", name="type"),)

    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    type: Mapped[str] = mapped_column(String(8))
    """``PUBLIC`` (a published library) or ``COLLAB`` (one shared with the user)."""
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The public library's landing-page URL the client gave (PUBLIC only)."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
