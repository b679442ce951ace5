"""Account errors. Each carries the HTTP status it maps to and a message safe to show the user.

AccountError
 ├── InvalidField        400  form fields are malformed (names each, with its own message)
 ├── CannotDisableSelf   400  an administrator tried to disable their own account
 ├── SecondStepExpired   400  the sign-in waited too long for its second step
 ├── InvalidCredentials  401  unknown email or wrong password: one message for both
 ├── InvalidCode         401  a wrong, used or replayed second-step code
 ├── AccountDisabled     403  right password, disabled account
 ├── SignupClosed        403  sign-up is off on this server
 ├── UnknownUser         404  no account with that id or email
 ├── EmailTaken          409  sign-up with an email that has an account
 └── Throttled           429  too many failures (sign-in, device codes); carries retry_after
"""

from __future__ import annotations

__all__ = [
    "AccountDisabled",
    "AccountError",
    "CannotDisableSelf",
    "EmailTaken",
    "InvalidCode",
    "InvalidCredentials",
    "InvalidField",
    "SecondStepExpired",
    "SignupClosed",
    "Throttled",
    "UnknownUser",
]


class AccountError(Exception):
    status: int = 400
    message: str = "The request could not be completed."
    field: str | None = None

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        if field is not None:
            self.field = field

    @property
    def field_errors(self) -> dict[str, str]:
        """Messages to show beside fields, by field name."""
        return {self.field: self.message} if self.field else {}


class InvalidField(AccountError):
    status = 400

    @classmethod
    def of(cls, problems: dict[str, str]) -> InvalidField:
        """One error for several fields, so that a form shows every problem at once."""
        first_field, first_message = next(iter(problems.items()))
        error = cls(first_message, field=first_field)
        error._problems = dict(problems)
        return error

    _problems: dict[str, str] | None = None

    @property
    def field_errors(self) -> dict[str, str]:
        return dict(self._problems) if self._problems else super().field_errors


class InvalidCredentials(AccountError):
    status = 401
    message = "Incorrect email or password."


class InvalidCode(AccountError):
    status = 401
    message = "That code is not right, or it was already used. Try the next code."
    field = "code"


class SecondStepExpired(AccountError):
    status = 400
    message = "This sign-in took too long. Enter your email and password again."


class AccountDisabled(AccountError):
    status = 403
    message = "This account is disabled. Ask an administrator to enable it."


class SignupClosed(AccountError):
    status = 403
    message = "Sign-up is closed on this server. Ask an administrator for an account."


class CannotDisableSelf(AccountError):
    status = 400
    message = "You cannot disable your own account. Ask another administrator."


class UnknownUser(AccountError):
    status = 404
    message = "There is no such account."


class EmailTaken(AccountError):
    status = 409
    message = "An account with this email already exists. Sign in instead."
    field = "email"


class LinkInvalid(AccountError):
    status = 400
    message = "This link has expired or was already used."


class Throttled(AccountError):
    status = 429

    def __init__(self, retry_after: int, *, what: str = "failed sign-in attempts") -> None:
        super().__init__(f"Too many {what}. Try again in {_how_long(retry_after)}.")
        self.retry_after = retry_after


def _how_long(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = round(seconds / 60)
    return f"about {minutes} minute{'' if minutes == 1 else 's'}"
