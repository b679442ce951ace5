"""bookmarks: the libraries of others a user follows

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 07:45:00

One row per (user, library): a PUBLIC bookmark of a published library, or a COLLAB one of a
library shared with the user. Deleting the library or the user deletes its bookmarks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "library_bookmarks",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("type IN ('PUBLIC', 'COLLAB')", name=op.f("ck_library_bookmarks_type")),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_bookmarks_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_library_bookmarks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "library_id", name=op.f("pk_library_bookmarks")),
    )
    op.create_index(op.f("ix_library_bookmarks_library_id"), "library_bookmarks", ["library_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_library_bookmarks_library_id"), table_name="library_bookmarks")
    op.drop_table("library_bookmarks")
