"""The authorization server's signing keys (see cclibs.oauth.keys for the lifecycle)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base, UtcDateTime


class SigningKeyRow(Base):
    """One JWS signing key. The private half is sealed (AES-256-GCM) with the server secret."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    # Output of cclibs.oauth.keys.seal_private_key; bound to kid, useless without the secret.
    sealed_private_key: Mapped[str] = mapped_column(Text)
    # The public JWK as JSON, so listings never need to open the sealed half.
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    not_before: Mapped[datetime] = mapped_column(UtcDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
