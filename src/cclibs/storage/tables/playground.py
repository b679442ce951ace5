from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base, UtcDateTime


class PlaygroundSessionRow(Base):
    """One browser's playground: its settings, pending request and tokens, sealed (AES-GCM)
    under the server secret and bound to the hash of the browser's playground cookie."""

    __tablename__ = "playground_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
