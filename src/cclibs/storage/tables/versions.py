"""Counters of changes that in-process caches must see (see ``cclibs.storage.versions``)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from cclibs.storage.tables._base import Base


class ChangeCounterRow(Base):
    """One counter per kind of cached data, bumped in the transaction of every change to it."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
