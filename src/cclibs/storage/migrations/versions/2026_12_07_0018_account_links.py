"""account links: single-use links sent by mail (verify an address, reset a password);
addresses stored as keys

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:00:00

A link's token is stored only as a keyed hash. Existing addresses (users, the tester lists of
credentials) become keys, the one spelling every comparison uses (``cclibs.emails``: NFKC,
casefolded); an address whose key another account already holds stays as it was, for an
administrator to settle.
"""

import json
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(raw: str) -> str:
    # The rule of cclibs.emails.email_key, fixed here as this revision applies it.
    return unicodedata.normalize("NFKC", raw.strip()).casefold()


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
    )
    op.create_index(op.f("ix_account_links_user_id"), "account_links", ["user_id"], unique=False)
    op.create_index(
        op.f("ix_account_links_expires_at"), "account_links", ["expires_at"], unique=False
    )
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.String), sa.column("email", sa.String))
    rows = bind.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        key = _key(email)
        if key != email and key not in taken:
            bind.execute(users.update().where(users.c.id == user_id).values(email=key))
            taken.add(key)
    clients = sa.table(
        "clients", sa.column("client_id", sa.String), sa.column("beta_users", sa.Text)
    )
    for client_id, listed in bind.execute(
        sa.select(clients.c.client_id, clients.c.beta_users)
    ).all():
        before = json.loads(listed)
        after = list(dict.fromkeys(_key(email) for email in before))
        if after != before:
            bind.execute(
                clients.update()
                .where(clients.c.client_id == client_id)
                .values(beta_users=json.dumps(after))
            )


def downgrade() -> None:
    op.drop_index(op.f("ix_account_links_expires_at"), table_name="account_links")
    op.drop_index(op.f("ix_account_links_user_id"), table_name="account_links")
    op.drop_table("account_links")
