"""libraries, library elements, uploaded assets, element-asset links and chunked uploads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "libraries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("modified_ms", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("elements_count", sa.Integer(), nullable=False),
        sa.Column("archived_count", sa.Integer(), nullable=False),
        sa.Column("storage_used", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_libraries_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_libraries")),
    )
    op.create_index(
        op.f("ix_libraries_owner_modified"), "libraries", ["owner_id", "modified_ms", "id"]
    )
    op.create_index(op.f("ix_libraries_owner_name"), "libraries", ["owner_id", "name_key", "id"])

    op.create_table(
        "library_elements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("modified_ms", sa.BigInteger(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("archived_ms", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("storage_used", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("representations", sa.Text(), nullable=False),
        sa.Column("group_keys", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_elements_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_elements")),
    )
    for name, column in (
        ("modified", "modified_ms"),
        ("name", "name_key"),
        ("created", "created_ms"),
    ):
        op.create_index(
            op.f(f"ix_library_elements_{name}"),
            "library_elements",
            ["library_id", "archived", column, "id"],
        )
    op.create_index(
        op.f("ix_library_elements_type"), "library_elements", ["library_id", "archived", "type"]
    )

    op.create_table(
        "library_assets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("content_length", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_assets_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_library_assets_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_assets")),
    )
    for column in ("library_id", "owner_id", "blob_key", "created_ms"):
        op.create_index(op.f(f"ix_library_assets_{column}"), "library_assets", [column])

    op.create_table(
        "library_element_assets",
        sa.Column("element_id", sa.String(length=36), nullable=False),
        sa.Column("asset_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["element_id"],
            ["library_elements.id"],
            name=op.f("fk_library_element_assets_element_id_library_elements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["library_assets.id"],
            name=op.f("fk_library_element_assets_asset_id_library_assets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("element_id", "asset_id", name=op.f("pk_library_element_assets")),
    )
    op.create_index(
        op.f("ix_library_element_assets_asset_id"), "library_element_assets", ["asset_id"]
    )

    op.create_table(
        "library_uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("library_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_library_uploads_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_library_uploads_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_uploads")),
    )
    for column in ("library_id", "owner_id", "created_ms"):
        op.create_index(op.f(f"ix_library_uploads_{column}"), "library_uploads", [column])
    op.create_table(
        "library_upload_parts",
        sa.Column("upload_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("blob_key", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["library_uploads.id"],
            name=op.f("fk_library_upload_parts_upload_id_library_uploads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("upload_id", "number", name=op.f("pk_library_upload_parts")),
    )
    op.create_index(op.f("ix_library_upload_parts_blob_key"), "library_upload_parts", ["blob_key"])


def downgrade() -> None:
    op.drop_index(op.f("ix_library_upload_parts_blob_key"), table_name="library_upload_parts")
    op.drop_table("library_upload_parts")
    for column in ("created_ms", "owner_id", "library_id"):
        op.drop_index(op.f(f"ix_library_uploads_{column}"), table_name="library_uploads")
    op.drop_table("library_uploads")
    op.drop_index(op.f("ix_library_element_assets_asset_id"), table_name="library_element_assets")
    op.drop_table("library_element_assets")
    for column in ("created_ms", "blob_key", "owner_id", "library_id"):
        op.drop_index(op.f(f"ix_library_assets_{column}"), table_name="library_assets")
    op.drop_table("library_assets")
    for name in ("type", "created", "name", "modified"):
        op.drop_index(op.f(f"ix_library_elements_{name}"), table_name="library_elements")
    op.drop_table("library_elements")
    op.drop_index(op.f("ix_libraries_owner_name"), table_name="libraries")
    op.drop_index(op.f("ix_libraries_owner_modified"), table_name="libraries")
    op.drop_table("libraries")
