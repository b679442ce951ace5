"""OAuth 2.0 and OpenID Connect errors: one class per error code.

Each error knows its code (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3.1; RFC 8628 §3.5; OIDC Core
§3.1.2.6), the HTTP status of a direct response, and whether it may travel back on a redirect.
Errors that concern the client or the redirect URI itself are never redirected (RFC 6749
§4.1.2.1; RFC 9700 §4.11: no open redirector): they are shown as a page.

OAuthError
 ├── InvalidRequest           400
 ├── InvalidClient            401  (WWW-Authenticate: Basic when Basic was tried)
 ├── InvalidGrant             400
 ├── UnauthorizedClient       400
 ├── UnsupportedGrantType     400
 ├── UnsupportedResponseType  400
 ├── InvalidScope             400
 ├── UnsupportedTokenType     400  (revocation, RFC 7009 §2.2.1)
 ├── AccessDenied             403
 ├── ServerError              500
 ├── TemporarilyUnavailable   503
 ├── LoginRequired / ConsentRequired / InteractionRequired   (prompt=none, redirect only)
 ├── InvalidToken             401  (bearer token errors, RFC 6750)
 │    └── MissingToken         401  no token: a challenge without an error code
 ├── InsufficientScope        403
 ├── AuthorizationPending / SlowDown / ExpiredToken          400 (device flow)
 └── InvalidRedirectTarget    400  never redirected: unknown client or unregistered redirect_uri
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AuthorizationPending",
    "ConsentRequired",
    "ExpiredToken",
    "InsufficientScope",
    "InteractionRequired",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRedirectTarget",
    "InvalidRequest",
    "InvalidScope",
    "InvalidToken",
    "LoginRequired",
    "MissingToken",
    "OAuthError",
    "ServerError",
    "SlowDown",
    "TemporarilyUnavailable",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "UnsupportedTokenType",
]


class OAuthError(Exception):
    error: str = "invalid_request"
    status: int = 400
    redirectable: bool = True
    default_description: str = "The request is invalid."

    def __init__(self, description: str | None = None) -> None:
        self.description = description or self.default_description
        super().__init__(f"{self.error}: {self.description}")

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    error = "invalid_request"


class InvalidClient(OAuthError):
    error = "invalid_client"
    status = 401
    redirectable = False
    default_description = "Client authentication failed."

    def __init__(self, description: str | None = None, *, basic_challenge: bool = False) -> None:
        super().__init__(description)
        self.basic_challenge = basic_challenge


class InvalidGrant(OAuthError):
    error = "invalid_grant"
    default_description = "The grant is invalid, expired or revoked."


class UnauthorizedClient(OAuthError):
    error = "unauthorized_client"
    default_description = "This client may not use this grant or response type."


class UnsupportedGrantType(OAuthError):
    error = "unsupported_grant_type"
    default_description = "The grant type is not supported."


class UnsupportedResponseType(OAuthError):
    error = "unsupported_response_type"
    default_description = "The response type is not supported."


class UnsupportedTokenType(OAuthError):
    error = "unsupported_token_type"
    redirectable = False
    default_description = "This kind of token cannot be revoked."


class InvalidScope(OAuthError):
    error = "invalid_scope"
    default_description = "The requested scope is invalid or not allowed."


class AccessDenied(OAuthError):
    error = "access_denied"
    status = 403
    default_description = "The resource owner denied the request."


class ServerError(OAuthError):
    error = "server_error"
    status = 500
    default_description = "The server could not complete the request."


class TemporarilyUnavailable(OAuthError):
    error = "temporarily_unavailable"
    status = 503
    default_description = "The server is temporarily unavailable."


class LoginRequired(OAuthError):
    error = "login_required"
    default_description = "The user is not signed in and prompt=none forbids asking."


class ConsentRequired(OAuthError):
    error = "consent_required"
    default_description = "Consent is needed and prompt=none forbids asking."


class InteractionRequired(OAuthError):
    error = "interaction_required"
    default_description = "User interaction is needed and prompt=none forbids it."


class InvalidToken(OAuthError):
    error = "invalid_token"
    status = 401
    redirectable = False
    default_description = "The access token is invalid, expired or revoked."


class MissingToken(InvalidToken):
    """No bearer token at all: RFC 6750 §3.1 says the challenge then names no error."""

    default_description = "An access token is required (Authorization: Bearer ...)."


class InsufficientScope(OAuthError):
    error = "insufficient_scope"
    status = 403
    redirectable = False
    default_description = "The access token lacks the scope this request needs."


class AuthorizationPending(OAuthError):
    error = "authorization_pending"
    redirectable = False
    default_description = "The user has not yet approved the device."


class SlowDown(OAuthError):
    error = "slow_down"
    redirectable = False
    default_description = "Polling too fast; wait longer between requests."


class ExpiredToken(OAuthError):
    error = "expired_token"
    redirectable = False
    default_description = "The device code has expired."


class InvalidRedirectTarget(OAuthError):
    """The client or redirect URI cannot be trusted: show a page, never redirect."""

    error = "invalid_request"
    redirectable = False
