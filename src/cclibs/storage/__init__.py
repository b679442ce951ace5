"""Storage: SQLAlchemy tables, the SQL implementations of the ports, and the migrations."""

from cclibs.storage.db import Database

__all__ = ["Database"]
