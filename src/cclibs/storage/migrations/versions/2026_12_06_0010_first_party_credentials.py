"""first-party credentials: projects without an owner

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:50:00

The credentials cclibs ships (the command line's ``cclibs-cli``, oauth.first_party) live in a
project that belongs to nobody. ``migrate.upgrade`` and ``migrate.prepare`` register them once
the schema is at the head; this revision only allows the NULL owner.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.alter_column("owner_id", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    # An ownerless project cannot stay under NOT NULL: the first-party credentials go, with
    # their tokens (an older cclibs does not know them). Children first: the migrations'
    # connection runs SQLite without foreign keys, so nothing cascades.
    projects = sa.table("projects", sa.column("id"), sa.column("owner_id"))
    clients = sa.table("clients", sa.column("client_id"), sa.column("project_id"))
    grants = sa.table("grants", sa.column("id"), sa.column("client_id"))
    refresh = sa.table("refresh_tokens", sa.column("grant_id"))
    ownerless = sa.select(clients.c.client_id).where(
        clients.c.project_id.in_(sa.select(projects.c.id).where(projects.c.owner_id.is_(None)))
    )
    op.execute(
        sa.delete(refresh).where(
            refresh.c.grant_id.in_(sa.select(grants.c.id).where(grants.c.client_id.in_(ownerless)))
        )
    )
    for name in (
        "grants",
        "device_authorizations",
        "authorization_codes",
        "consents",
        "client_secrets",
        "clients",
    ):
        table = sa.table(name, sa.column("client_id"))
        op.execute(sa.delete(table).where(table.c.client_id.in_(ownerless)))
    op.execute(sa.delete(projects).where(projects.c.owner_id.is_(None)))
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.alter_column("owner_id", existing_type=sa.String(length=64), nullable=False)
