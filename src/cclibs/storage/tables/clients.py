from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base, UtcDateTime


class ProjectRow(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=True
    )
    """NULL only for the project of the credentials cclibs ships (``oauth.first_party``)."""
    name: Mapped[str] = mapped_column(String(200))
    apis: Mapped[str] = mapped_column(String(200), default="")
    """Space-delimited APIs added to the project (``cc_libraries``)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClientRow(Base):
    """A credential (OAuth client). JSON-encoded lists are kept as text for both backends."""

    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(16))
    redirect_uris: Mapped[str] = mapped_column(Text, default="[]")
    default_redirect_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    redirect_uri_pattern: Mapped[str | None] = mapped_column(String(512), nullable=True)
    scopes: Mapped[str] = mapped_column(Text)
    offline_access: Mapped[bool] = mapped_column(Boolean)
    access_token_ttl: Mapped[int] = mapped_column(Integer)
    refresh_token_ttl: Mapped[int] = mapped_column(Integer)
    in_production: Mapped[bool] = mapped_column(Boolean, default=False)
    beta_users: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClientSecretRow(Base):
    """A client secret, stored only as a keyed hash; at most two are active per client."""

    __tablename__ = "client_secrets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))
    """The last characters of the secret, so people can tell two secrets apart."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
