"""Plain request values for the endpoints: no web framework types cross into the core."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cclibs.oauth.errors import InvalidRequest

__all__ = ["MAX_PARAM_LENGTH", "OAuthRequest", "merge_params"]

MAX_PARAM_LENGTH = 8192
_MAX_PARAMS = 64


@dataclass(frozen=True, slots=True)
class OAuthRequest:
    """A request to a token-style endpoint: parameters from body and query, and the headers."""

    params: dict[str, str]
    authorization: str | None = None
    origin: str | None = None

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value != "" else None


def merge_params(*sources: Iterable[tuple[str, str]]) -> dict[str, str]:
    """One value per parameter from the body and the query string.

    RFC 6749 §3.2 forbids repeated parameters; IMS clients send ``grant_type`` twice (once in
    the query, once in the body, or twice in one), so a repeat with the same value is tolerated
    and a repeat with a different value is refused.
    """
    merged: dict[str, str] = {}
    count = 0
    for source in sources:
        for name, value in source:
            count += 1
            if count > _MAX_PARAMS:
                raise InvalidRequest(f"Too many parameters (at most {_MAX_PARAMS}).")
            if len(value) > MAX_PARAM_LENGTH or len(name) > 128:
                raise InvalidRequest(f"The parameter {name[:40]!r} is too long.")
            if "\x00" in value:
                raise InvalidRequest(f"The parameter {name[:40]!r} contains a NUL character.")
            if name in merged and merged[name] != value:
                raise InvalidRequest(
                    f"The parameter {name[:40]!r} was sent twice with different values."
                )
            merged[name] = value
    return merged
