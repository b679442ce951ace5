"""issuer binding and access token deny-list

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 23:21:09.228279
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_access_tokens")),
    )
    with op.batch_alter_table("revoked_access_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_access_tokens_expires_at"), ["expires_at"], unique=False
        )

    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.String(length=2048), nullable=True))

    with op.batch_alter_table("device_authorizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.String(length=2048), nullable=True))

    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer", sa.String(length=2048), nullable=True))
        batch_op.create_index(batch_op.f("ix_grants_revoked_at"), ["revoked_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_revoked_at"))
        batch_op.drop_column("issuer")

    with op.batch_alter_table("device_authorizations", schema=None) as batch_op:
        batch_op.drop_column("issuer")

    with op.batch_alter_table("authorization_codes", schema=None) as batch_op:
        batch_op.drop_column("issuer")

    with op.batch_alter_table("revoked_access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_access_tokens_expires_at"))

    op.drop_table("revoked_access_tokens")
