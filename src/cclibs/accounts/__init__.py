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
    SessionListing,
    SignedIn,
    User,
    UserPage,
    WebSession,
)
from cclibs.accounts.service import Accounts
from cclibs.accounts.sessions import BrowserSessions

__all__ = [
    "AccountDisabled",
    "AccountError",
    "Accounts",
    "BrowserSessions",
    "CannotDisableSelf",
    "EmailTaken",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidField",
    "NewUser",
    "SecondFactor",
    "SecondStepDue",
    "SecondStepExpired",
    "SessionListing",
    "SignedIn",
    "SignupClosed",
    "Throttled",
    "UnknownUser",
    "User",
    "UserPage",
    "WebSession",
]
