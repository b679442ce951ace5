"""two-step sign-in: TOTP authenticators, recovery codes, and how each sign-in was made

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 20:40:00

A user may add a TOTP authenticator (its secret sealed) and ten single-use recovery codes
(keyed hashes). Browser sessions, authorization codes, grants and device authorizations
remember the RFC 8176 methods of the sign-in behind them, so that ID tokens carry ``amr``;
rows from before say ``pwd``, the only method there was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WITH_AMR = ("web_sessions", "authorization_codes", "grants", "device_authorizations")


def upgrade() -> None:
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_second_factors_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], unique=False)
    for table in _WITH_AMR:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("amr", sa.String(length=32), server_default="pwd", nullable=False)
            )


def downgrade() -> None:
    for table in reversed(_WITH_AMR):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("amr")
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_table("second_factors")
