"""Accounts: users, passwords (argon2id), browser sessions and sign-in throttling."""

from cclibs.accounts.errors import (
    AccountDisabled,
    AccountError,
    CannotDisableSelf,
    EmailTaken,
    InvalidCredentials,
    InvalidField,
    SignupClosed,
    Throttled,
    UnknownUser,
)
from cclibs.accounts.models import NewUser, SignedIn, User, UserPage, WebSession
from cclibs.accounts.service import Accounts

__all__ = [
    "AccountDisabled",
    "AccountError",
    "Accounts",
    "CannotDisableSelf",
    "EmailTaken",
    "InvalidCredentials",
    "InvalidField",
    "NewUser",
    "SignedIn",
    "SignupClosed",
    "Throttled",
    "UnknownUser",
    "User",
    "UserPage",
    "WebSession",
]
