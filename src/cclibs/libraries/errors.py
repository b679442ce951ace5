"""The Libraries API's errors: each carries its HTTP status and a short ``reason``.

Adobe's API answers every error with ``{"reason": ..., "message": ...}`` (compat reference
§1.11): ``reason`` is a short machine-readable word here, ``message`` says what to change.

LibraryError
 ├── BadRequest           400  a parameter or body that cannot be used
 │    └── InvalidElement  400  an element or representation breaks a rule; names the field
 ├── NotAuthorized        401  (raised by the web layer's bearer check; here for completeness)
 ├── Forbidden            403  a wrong API key, a missing scope, an action the role forbids
 ├── NotFound             404  a library, element or asset that is not there *for this caller*
 ├── Conflict             409  a request that contradicts the current state
 ├── PreconditionFailed   412  If-Match names an older version
 ├── PayloadTooLarge      413
 └── UnsupportedMedia     415
"""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "InvalidElement",
    "LibraryError",
    "NotAuthorized",
    "NotFound",
    "PayloadTooLarge",
    "PreconditionFailed",
    "UnsupportedMedia",
]


class LibraryError(Exception):
    status = 400
    reason = "bad_request"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def body(self) -> dict[str, str]:
        return {"reason": self.reason, "message": self.message}


class BadRequest(LibraryError):
    status = 400
    reason = "bad_request"


class InvalidElement(BadRequest):
    """A validation failure; ``field`` is the JSON path of the offending value."""

    reason = "invalid_element"

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class NotAuthorized(LibraryError):
    status = 401
    reason = "invalid_token"
    default_message = "The access token is missing or not valid."


class Forbidden(LibraryError):
    status = 403
    reason = "forbidden"
    default_message = "This request is not allowed."


class NotFound(LibraryError):
    status = 404
    reason = "not_found"
    default_message = "There is nothing at this address."


class Conflict(LibraryError):
    status = 409
    reason = "conflict"


class PreconditionFailed(LibraryError):
    status = 412
    reason = "precondition_failed"
    default_message = "The resource changed since the version named by If-Match."


class PayloadTooLarge(LibraryError):
    status = 413
    reason = "payload_too_large"


class UnsupportedMedia(LibraryError):
    status = 415
    reason = "unsupported_media_type"
