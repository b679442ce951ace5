"""The SDK's one error hierarchy: every failure a caller can act on, with a one-line message.

``SdkError`` is the root. ``OAuthServerError`` carries the server's ``error`` and
``error_description`` (RFC 6749 §5.2); the subclasses name the cases a person must hear about
differently: a refused consent, a login that must be done again, a wrong client secret.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AuthorizationResponseError",
    "ConfigurationError",
    "IdTokenError",
    "InvalidClient",
    "IssuerUnreachable",
    "LoginRequired",
    "OAuthServerError",
    "SdkError",
]


class SdkError(Exception):
    """Something the SDK could not do; ``str(error)`` is one line meant for a person."""


class ConfigurationError(SdkError):
    """A profile is unknown, incomplete (no client id) or malformed."""


class IssuerUnreachable(SdkError):
    """The identity server did not answer (connection refused, DNS, timeout, not JSON)."""


class OAuthServerError(SdkError):
    """An OAuth error response: ``error`` and ``error_description`` as the server sent them."""

    def __init__(self, error: str, description: str | None = None, status: int = 400) -> None:
        self.error = error
        self.description = description
        self.status = status
        text = f"{error}: {description}" if description else error
        super().__init__(text)


class AccessDenied(OAuthServerError):
    """The user (or the server) refused the authorization (``access_denied``)."""


class InvalidClient(OAuthServerError):
    """The client id is unknown or the client secret is wrong (``invalid_client``)."""


class LoginRequired(SdkError):
    """No usable token: never logged in, or the refresh token expired or was revoked."""


class AuthorizationResponseError(SdkError):
    """The authorization response failed a check: ``state`` or ``iss`` does not match."""


class IdTokenError(SdkError):
    """The ID token failed verification (signature, ``iss``, ``aud``, ``nonce``, expiry)."""
