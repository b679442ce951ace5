"""sharing: published libraries, collaborators and pending invitations

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:30:00

``libraries.published_ms`` is NULL for a library that is not public. A collaborator row says
what a user may do in a library someone else owns; an invitation is addressed to an email
(NFKC-normalised, casefolded), so one may wait for an account that does not exist yet.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLE = "role IN ('viewer', 'editor')"


def upgrade() -> None:
    # A nullable column without a default: a plain ALTER TABLE on both backends, no table copy.
    op.add_column("libraries", sa.Column("published_ms", sa.BigInteger(), nullable=True))

    op.create_table(
        "library_collaborators",
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("can_share", sa.Boolean(), nullable=False),
        sa.Column("can_comment", sa.Boolean(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_ROLE, name=op.f("ck_library_collaborators_role")),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_collaborators_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_library_collaborators_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("library_id", "user_id", name=op.f("pk_library_collaborators")),
    )
    op.create_index(
        op.f("ix_library_collaborators_user_library"),
        "library_collaborators",
        ["user_id", "library_id"],
    )

    op.create_table(
        "library_invitations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("sender_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("can_share", sa.Boolean(), nullable=False),
        sa.Column("can_comment", sa.Boolean(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(_ROLE, name=op.f("ck_library_invitations_role")),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_invitations_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_library_invitations_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_invitations")),
        sa.UniqueConstraint("library_id", "email", name=op.f("uq_library_invitations_library_id")),
    )
    op.create_index(op.f("ix_library_invitations_email"), "library_invitations", ["email"])
    op.create_index(op.f("ix_library_invitations_sender_id"), "library_invitations", ["sender_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_library_invitations_sender_id"), table_name="library_invitations")
    op.drop_index(op.f("ix_library_invitations_email"), table_name="library_invitations")
    op.drop_table("library_invitations")
    op.drop_index(op.f("ix_library_collaborators_user_library"), table_name="library_collaborators")
    op.drop_table("library_collaborators")
    # SQLite 3.35+ drops a column in place; a batch copy would re-create ``libraries`` and
    # cascade-delete every row that references it.
    op.drop_column("libraries", "published_ms")
