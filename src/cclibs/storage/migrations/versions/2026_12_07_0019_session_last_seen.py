"""browser sessions remember when and where they were last used

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 22:50:00

The account page lists a user's signed-in browsers with the address and time each was last
seen from. Sessions from before were last seen, as far as anyone knows, when they began, from
an address nobody wrote down ('').
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("address", sa.String(length=64), nullable=True))
    op.execute("UPDATE web_sessions SET last_seen_at = created_at, address = ''")
    with op.batch_alter_table("web_sessions") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.alter_column("address", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("address")
        batch.drop_column("last_seen_at")
