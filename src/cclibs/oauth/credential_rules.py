"""The rules a credential's settings must follow, shared by creation and every later edit.

Each check returns the normalised value or raises ``RegistrationError`` naming the form field,
so the console can show the message beside it and the CLI can print it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cclibs.emails import email_key, looks_like_email
from cclibs.oauth.apis import available_scopes
from cclibs.oauth.clients import ClientType
from cclibs.oauth.redirects import RegistrationError, check_pattern, check_redirect_uri
from cclibs.oauth.scopes import SCOPES

__all__ = [
    "ACCESS_TOKEN_TTL_BOUNDS",
    "MAX_BETA_USERS",
    "MAX_NAME",
    "MAX_REDIRECT_URIS",
    "REFRESH_TOKEN_TTL_BOUNDS",
    "RedirectSettings",
    "check_access_ttl",
    "check_beta_users",
    "check_lifetimes",
    "check_name",
    "check_redirects",
    "check_refresh_ttl",
    "check_scopes",
]

MAX_NAME = 200
MAX_REDIRECT_URIS = 20
MAX_BETA_USERS = 100
ACCESS_TOKEN_TTL_BOUNDS = (5 * 60, 24 * 3600)
"""Five minutes to a day (a day is Adobe's lifetime for user access tokens)."""
REFRESH_TOKEN_TTL_BOUNDS = (3600, 90 * 24 * 3600)
"""An hour to 90 days (Adobe's refresh tokens live 14 days)."""


@dataclass(frozen=True, slots=True)
class RedirectSettings:
    uris: tuple[str, ...]
    default_uri: str | None
    pattern: str | None


def check_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise RegistrationError(f"A name of 1 to {MAX_NAME} characters is needed.", field)
    return name


def check_redirects(
    client_type: ClientType,
    uris: Sequence[str],
    default_uri: str | None,
    pattern: str | None,
) -> RedirectSettings:
    """An exact list of URIs, or (Web App and Single-Page App) a default URI with a pattern."""
    if pattern and client_type not in (ClientType.WEB, ClientType.SPA):
        raise RegistrationError(
            "Only Web App and Single-Page App credentials take a redirect URI pattern.",
            "redirect_uri_pattern",
        )
    if client_type is ClientType.SERVER:
        if uris or default_uri:
            raise RegistrationError("A Server-to-Server credential has no redirect URIs.")
        return RedirectSettings((), None, None)
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError(f"Register at most {MAX_REDIRECT_URIS} redirect URIs.")
    checked = tuple(dict.fromkeys(check_redirect_uri(u, client_type.value) for u in uris))
    if default_uri:
        try:
            default_uri = check_redirect_uri(default_uri, client_type.value)
        except RegistrationError as exc:
            raise RegistrationError(exc.message, "default_redirect_uri") from None
    if pattern:
        check_pattern(pattern)
        if not default_uri:
            raise RegistrationError(
                "A pattern needs a default redirect URI.", "default_redirect_uri"
            )
    if not checked and not default_uri:
        raise RegistrationError("Register at least one redirect URI.")
    return RedirectSettings(checked, default_uri or None, pattern or None)


def check_scopes(
    client_type: ClientType, scopes: Iterable[str], apis: Iterable[str]
) -> frozenset[str]:
    """Known scopes that the project's APIs make available; no refresh tokens for S2S."""
    chosen = frozenset(scopes)
    unknown = sorted(s for s in chosen if s not in SCOPES)
    if unknown:
        raise RegistrationError(f"Unknown scope: {', '.join(unknown)}.", "scopes")
    if client_type is ClientType.SERVER and "offline_access" in chosen:
        raise RegistrationError(
            "Server-to-Server credentials get no refresh tokens (offline_access).", "scopes"
        )
    closed = sorted(chosen - available_scopes(apis))
    if closed:
        raise RegistrationError(
            f"Add the API that provides {', '.join(closed)} to the project first.", "scopes"
        )
    return chosen


def check_access_ttl(access_ttl: int) -> int:
    low, high = ACCESS_TOKEN_TTL_BOUNDS
    if not low <= access_ttl <= high:
        raise RegistrationError(
            "An access token lives between 5 minutes and 24 hours.", "access_token_ttl"
        )
    return access_ttl


def check_refresh_ttl(refresh_ttl: int) -> int:
    low, high = REFRESH_TOKEN_TTL_BOUNDS
    if not low <= refresh_ttl <= high:
        raise RegistrationError(
            "A refresh token lives between 1 hour and 90 days.", "refresh_token_ttl"
        )
    return refresh_ttl


def check_lifetimes(access_ttl: int, refresh_ttl: int) -> tuple[int, int]:
    return check_access_ttl(access_ttl), check_refresh_ttl(refresh_ttl)


def check_beta_users(emails: Iterable[str]) -> tuple[str, ...]:
    """Distinct addresses as keys (``cclibs.emails``); the first malformed one is named."""
    found: dict[str, None] = {}
    for raw in emails:
        email = email_key(raw)
        if not email:
            continue
        if not looks_like_email(email):
            raise RegistrationError(f"{raw.strip()[:80]} is not an email address.", "beta_users")
        found.setdefault(email, None)
    if len(found) > MAX_BETA_USERS:
        raise RegistrationError(f"List at most {MAX_BETA_USERS} beta users.", "beta_users")
    return tuple(found)
