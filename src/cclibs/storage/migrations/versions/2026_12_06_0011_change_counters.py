"""change counters for the in-process credential caches

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 03:20:00

Every process caches clients, their secret hashes, live grants and the access-token deny-list
(``cclibs.storage.credential_cache``). A change to any of them bumps a counter in the same
transaction; every process reads the counter at most every half second and drops its caches
when it moved. The row is created by the first change (an upsert), so no data is needed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )


def downgrade() -> None:
    op.drop_table("change_counters")
