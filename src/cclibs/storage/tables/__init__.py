"""The declarative base and every table. Importing this package registers all tables."""

from cclibs.storage.tables._base import Base, UtcDateTime
from cclibs.storage.tables.accounts import LoginFailureRow, UserRow, WebSessionRow

__all__ = ["Base", "LoginFailureRow", "UserRow", "UtcDateTime", "WebSessionRow"]
