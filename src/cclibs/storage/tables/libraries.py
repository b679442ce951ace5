"""The Libraries API's tables: libraries, their elements, uploaded assets and the links between.

Dates are epoch milliseconds (BigInteger), as on the wire. JSON values are Text written by
``json.dumps``, identical on SQLite and PostgreSQL. Listings are keyset-paginated, so each
ordering has an index that starts with the listing's equality columns and ends with ``id``:
the last page of 100,000 elements costs what the first does.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base


class LibraryRow(Base):
    __tablename__ = "libraries"
    # Both lead with owner_id, so they also serve the users.id foreign key's cascade.
    __table_args__ = (
        Index("ix_libraries_owner_modified", "owner_id", "modified_ms", "id"),
        Index("ix_libraries_owner_name", "owner_id", "name_key", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(64), ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    """``name.casefold()``: what ordering by name sorts by."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
    modified_ms: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(BigInteger)
    elements_count: Mapped[int] = mapped_column(Integer)
    archived_count: Mapped[int] = mapped_column(Integer)
    storage_used: Mapped[int] = mapped_column(BigInteger)
    published_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """When the owner published the library publicly; ``None``: not public."""


class LibraryCollaboratorRow(Base):
    """A user the owner shared the library with, and what that user may do in it."""

    __tablename__ = "library_collaborators"
    # The primary key serves "who shares this library"; the index serves "what is shared with
    # me" and the users.id foreign key's cascade.
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor')", name="role"),
        Index("ix_library_collaborators_user_library", "user_id", "library_id"),
    )

    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8))
    can_share: Mapped[bool] = mapped_column(Boolean)
    can_comment: Mapped[bool] = mapped_column(Boolean)
    created_ms: Mapped[int] = mapped_column(BigInteger)


class LibraryInvitationRow(Base):
    """A pending invitation: accepting it makes a collaborator row, answering it removes it."""

    __tablename__ = "library_invitations"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor')", name="role"),
        # At most one pending invitation per (library, email).
        UniqueConstraint("library_id", "email"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE")
    )
    sender_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    """The recipient's address, NFKC-normalised and casefolded (``accounts`` matches users so)."""
    role: Mapped[str] = mapped_column(String(8))
    can_share: Mapped[bool] = mapped_column(Boolean)
    can_comment: Mapped[bool] = mapped_column(Boolean)
    created_ms: Mapped[int] = mapped_column(BigInteger)


class LibraryElementRow(Base):
    __tablename__ = "library_elements"
    # Partial indexes differ by backend; a boolean ``archived`` column in each index does not.
    # All lead with library_id, so they also serve the libraries.id foreign key's cascade.
    __table_args__ = (
        Index("ix_library_elements_modified", "library_id", "archived", "modified_ms", "id"),
        Index("ix_library_elements_name", "library_id", "archived", "name_key", "id"),
        Index("ix_library_elements_created", "library_id", "archived", "created_ms", "id"),
        Index("ix_library_elements_type", "library_id", "archived", "type"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(Text)
    """``name.casefold()``: what ordering by name sorts by."""
    type: Mapped[str] = mapped_column(String(255))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    modified_ms: Mapped[int] = mapped_column(BigInteger)
    archived: Mapped[bool] = mapped_column(Boolean)
    """``archived_ms is not None``, as a column the indexes can lead with."""
    archived_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    version: Mapped[int] = mapped_column(BigInteger)
    storage_used: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[str] = mapped_column(Text)
    """JSON object: ``Element.data``."""
    representations: Mapped[str] = mapped_column(Text)
    """JSON list: ``Element.representations``."""
    group_keys: Mapped[str] = mapped_column(Text)
    """`` k1 k2 `` (each key between spaces; ``' '`` for none), so a group filter is one LIKE."""


class LibraryAssetRow(Base):
    """An uploaded file; its bytes are the blob ``blob_key``, which other assets may share."""

    __tablename__ = "library_assets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    blob_key: Mapped[str] = mapped_column(String(64), index=True)
    type: Mapped[str] = mapped_column(String(255))
    content_length: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    created_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class LibraryElementAssetRow(Base):
    """An element's representation that names an uploaded asset."""

    __tablename__ = "library_element_assets"

    element_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("library_elements.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(
        String(36),
        ForeignKey("library_assets.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    )


class LibraryUploadRow(Base):
    """A chunked upload in progress: its parts are blobs until it is finalized."""

    __tablename__ = "library_uploads"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    library_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("libraries.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(255))
    created_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class LibraryUploadPartRow(Base):
    __tablename__ = "library_upload_parts"

    upload_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("library_uploads.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    blob_key: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
