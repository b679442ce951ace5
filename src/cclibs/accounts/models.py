from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "NewUser",
    "SecondFactor",
    "SecondStepDue",
    "SessionListing",
    "SignedIn",
    "User",
    "UserPage",
    "WebSession",
]


@dataclass(frozen=True, slots=True)
class User:
    id: str
    """IMS-shaped user id: 24 upper-case hex digits and ``@AdobeID``."""
    email: str
    name: str
    password_hash: str
    is_admin: bool
    is_disabled: bool
    email_verified: bool
    created_at: datetime
    password_changed_at: datetime
    country: str | None = None
    """ISO 3166-1 alpha-2 code; IMS's ``address.country`` claim."""

    @property
    def given_name(self) -> str:
        return self.name.split(" ", 1)[0] if self.name else ""

    @property
    def family_name(self) -> str:
        parts = self.name.rsplit(" ", 1)
        return parts[1] if len(parts) == 2 else ""


@dataclass(frozen=True, slots=True)
class NewUser:
    id: str
    email: str
    name: str
    password_hash: str
    is_admin: bool
    created_at: datetime
    email_verified: bool = False


@dataclass(frozen=True, slots=True)
class WebSession:
    id: str
    """SHA-256 (hex) of the cookie token."""
    user_id: str
    created_at: datetime
    expires_at: datetime
    user_agent: str
    last_seen_at: datetime
    """When the browser last used the session, to within ``cclibs.accounts.sessions.SEEN_EVERY``."""
    address: str = ""
    """The client address the browser was last seen from ('' when it was not known)."""
    amr: tuple[str, ...] = ("pwd",)
    """How the browser signed in (RFC 8176): ``pwd``, then ``otp`` after a second step."""


@dataclass(frozen=True, slots=True)
class SessionListing:
    """One signed-in browser as the account page shows it."""

    handle: str
    """Names the session in the page's "Sign out" form; never its id (the hash the cookie is
    looked up by), which the page has no need to carry."""
    device: str
    """A short name of the browser and system ("Firefox on Windows")."""
    address: str
    signed_in_at: datetime
    last_seen_at: datetime
    two_step: bool
    """Whether the sign-in took a second step."""
    current: bool
    """Whether this is the browser looking at the list."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The result of a sign-in: the cookie token is returned once and stored only as a hash."""

    user: User
    session: WebSession
    token: str


@dataclass(frozen=True, slots=True)
class UserPage:
    """One page of the administrators' user list."""

    users: list[User]
    query: str
    """The email filter ('' for every user)."""
    page: int
    """1-based."""
    pages: int
    """How many pages the filter gives (at least 1)."""
    total: int


@dataclass(frozen=True, slots=True)
class SecondStepDue:
    """A right password for an account with two-step sign-in: a code must follow."""

    user: User


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """A user's TOTP authenticator (RFC 6238)."""

    user_id: str
    sealed_secret: str
    """The base32 secret, sealed (``cclibs.sealing``) with the user id as context."""
    last_step: int | None
    """The time step of the last code accepted; a code of that step or older is refused."""
    enabled_at: datetime
