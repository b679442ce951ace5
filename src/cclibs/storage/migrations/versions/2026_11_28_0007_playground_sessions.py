"""playground sessions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 16:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playground_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_playground_sessions")),
    )
    with op.batch_alter_table("playground_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playground_sessions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("playground_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_playground_sessions_expires_at"))
    op.drop_table("playground_sessions")
