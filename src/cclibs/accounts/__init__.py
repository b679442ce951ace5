"""Accounts: users, passwords (argon2id), browser sessions and sign-in throttling."""

from cclibs.accounts.errors import (
    AccountDisabled,
    AccountError,
    EmailTaken,
    InvalidCredentials,
    InvalidField,
    SignupClosed,
    Throttled,
)
from cclibs.accounts.models import NewUser, SignedIn, User, WebSession
from cclibs.accounts.service import Accounts

__all__ = [
    "AccountDisabled",
    "AccountError",
    "Accounts",
    "EmailTaken",
    "InvalidCredentials",
    "InvalidField",
    "NewUser",
    "SignedIn",
    "SignupClosed",
    "Throttled",
    "User",
    "WebSession",
]
