"""The SDK's one error hierarchy: every failure a caller can act on, with a one-line message.

``SdkError`` is the root. ``OAuthServerError`` carries the server's ``error`` and
``error_description`` (RFC 6749 §5.2); the subclasses name the cases a person must hear about
differently: a refused consent, a login that must be done again, a wrong client secret.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "ApiError",
    "ApiUnreachable",
    "AuthorizationResponseError",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "Forbidden",
    "IdTokenError",
    "InvalidClient",
    "IssuerUnreachable",
    "LoginRequired",
    "NotFound",
    "OAuthServerError",
    "PayloadTooLarge",
    "PreconditionFailed",
    "RateLimited",
    "SdkError",
    "ServerError",
    "Unauthorized",
    "UntrustedOrigin",
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


# The Libraries API (cclibs.sdk.api) ------------------------------------------------------


class ApiError(SdkError):
    """An error answer of the Libraries API: its ``{reason, message}`` body (compat reference
    §1.11), the HTTP status and the ``x-request-id`` the server logged it under."""

    def __init__(
        self, status: int, reason: str, message: str, request_id: str | None = None
    ) -> None:
        self.status = status
        self.reason = reason
        self.message = message
        self.request_id = request_id
        super().__init__(status, reason, message, request_id)

    def __str__(self) -> str:
        where = f", request id {self.request_id}" if self.request_id else ""
        return f"{self.message} ({self.status} {self.reason}{where})"


class BadRequest(ApiError):
    """400: a parameter or body the API cannot use (``message`` names the field)."""


class Unauthorized(ApiError):
    """401: the token was refused, even after a refresh."""


class Forbidden(ApiError):
    """403: a wrong API key, a missing scope, or an action the caller may not take."""


class NotFound(ApiError):
    """404: no such library, element or file for this caller."""


class Conflict(ApiError):
    """409: the request contradicts the current state."""


class PreconditionFailed(ApiError):
    """412: ``if_match`` names an older version; get the resource again."""


class PayloadTooLarge(ApiError):
    """413: the file or body is larger than the server takes."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` is the wait the server asked for, in seconds."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, reason, message, request_id)
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx: the server failed; the request id is what its logs know it by."""


class ApiUnreachable(SdkError):
    """The Libraries API did not answer: connection refused, DNS, TLS, timeout, cut off."""


class UntrustedOrigin(SdkError):
    """A link points at another origin than the API's: the SDK will not send it the token."""
