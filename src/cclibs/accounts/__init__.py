"""Accounts: users, passwords (argon2id), browser sessions and sign-in throttling."""

from cclibs.accounts.errors import (
    AccountDisabled,
    AccountError,
    CannotDisableSelf,
    EmailTaken,
    InvalidCode,
    InvalidCredentials,
    InvalidField,
    SecondStepExpired,
    SignupClosed,
    Throttled,
    UnknownUser,
)
from cclibs.accounts.models import (
    NewUser,
    SecondFactor,
    SecondStepDue,
    SignedIn,
    User,
    UserPage,
    WebSession,
)
from cclibs.accounts.service import Accounts

__all__ = [
    "AccountDisabled",
    "AccountError",
    "Accounts",
    "CannotDisableSelf",
    "EmailTaken",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidField",
    "NewUser",
    "SecondFactor",
    "SecondStepDue",
    "SecondStepExpired",
    "SignedIn",
    "SignupClosed",
    "Throttled",
    "UnknownUser",
    "User",
    "UserPage",
    "WebSession",
]
