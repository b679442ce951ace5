"""Registered clients (console "credentials") and what each type may do.

| type   | console name     | confidential | PKCE     | grants                                    |
|--------|------------------|--------------|----------|-------------------------------------------|
| web    | Web App          | yes (secret) | optional | authorization_code, refresh_token         |
| spa    | Single-Page App  | no           | required | authorization_code (+ refresh by setting) |
| native | Native App       | no           | required | authorization_code, refresh_token, device |
| server | Server-to-Server | yes (secret) | n/a      | client_credentials                        |

The client_id is also the API key (``x-api-key``). Secrets are shown once and stored as
HMAC-SHA256 under a key derived from the server secret: a slow hash would throttle the token
endpoint, and a keyed hash of a 256-bit random value cannot be brute-forced offline.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cclibs.emails import email_key
from cclibs.oauth.redirects import RedirectPolicy

__all__ = [
    "Client",
    "ClientType",
    "SecretHasher",
    "generate_client_id",
    "generate_secret",
]

SECRET_PREFIX = "p8e-"  # noqa: S105 - a public prefix, not a secret


class ClientType(StrEnum):
    WEB = "web"
    SPA = "spa"
    NATIVE = "native"
    SERVER = "server"

    @property
    def label(self) -> str:
        return {
            "web": "Web App",
            "spa": "Single-Page App",
            "native": "Native App",
            "server": "Server-to-Server",
        }[self.value]

    @property
    def confidential(self) -> bool:
        return self in (ClientType.WEB, ClientType.SERVER)


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    project_id: str
    owner_id: str | None
    """The owning account; None for the credentials cclibs ships (``oauth.first_party``)."""
    name: str
    type: ClientType
    redirect_uris: tuple[str, ...]
    default_redirect_uri: str | None
    redirect_uri_pattern: str | None
    allowed_scopes: frozenset[str]
    """Scopes this credential may be granted (its project's APIs plus identity scopes)."""
    offline_access: bool
    """Whether refresh tokens may be issued when ``offline_access`` is granted."""
    access_token_ttl: int
    refresh_token_ttl: int
    in_production: bool
    beta_users: tuple[str, ...]
    """Emails that may authorize a credential still in development (besides its owner)."""
    created_at: datetime
    owner_disabled: bool = False
    """Whether an administrator disabled the owner's account: the credential is refused then."""

    @property
    def first_party(self) -> bool:
        """Shipped with cclibs (the CLI's credential): nobody's to change or delete."""
        return self.owner_id is None

    @property
    def is_public(self) -> bool:
        return not self.type.confidential

    @property
    def redirect_policy(self) -> RedirectPolicy:
        return RedirectPolicy(
            client_type=self.type.value,
            uris=self.redirect_uris,
            default_uri=self.default_redirect_uri,
            pattern=self.redirect_uri_pattern,
        )

    @property
    def grant_types(self) -> frozenset[str]:
        if self.type is ClientType.SERVER:
            return frozenset({"client_credentials"})
        grants = {"authorization_code", "refresh_token"}
        if self.type is ClientType.NATIVE:
            grants.add("urn:ietf:params:oauth:grant-type:device_code")
        return frozenset(grants)

    @property
    def requires_pkce(self) -> bool:
        return self.is_public

    def may_be_authorized_by(self, user_id: str, email: str, *, email_verified: bool) -> bool:
        """A credential in development serves only its owner and its beta users, who are
        named by email: an address counts only once its owner has verified it, or anyone could
        sign up with a tester's address and pass."""
        if self.in_production or user_id == self.owner_id:
            return True
        return email_verified and email_key(email) in self.beta_users

    def refusal_for(self, email: str) -> str:
        """Why ``may_be_authorized_by`` said no: not a tester, or a tester's address that its
        account has not verified yet."""
        if email_key(email) in self.beta_users:
            return (
                "This application is in development; verify your email address to use it as "
                "one of its testers."
            )
        return "This application is in development; only its developers may use it."


def generate_client_id() -> str:
    """32 lower-case hex digits, the shape of an Adobe API key."""
    return secrets.token_hex(16)


def generate_secret() -> str:
    """A client secret with 256 bits of entropy; the prefix lets secret scanners find leaks."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class SecretHasher:
    """Keyed hashes of client secrets (and other high-entropy tokens) for storage at rest."""

    def __init__(self, server_secret: bytes, purpose: bytes = b"client-secret") -> None:
        self._key = hmac.new(server_secret, b"cclibs-hash\x00" + purpose, hashlib.sha256).digest()

    def hash(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def matches(self, value: str, stored_hash: str) -> bool:
        return hmac.compare_digest(self.hash(value), stored_hash)
