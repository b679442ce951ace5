"""What the SDK commands share: the chosen profile's token source and one-line failures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import typer

from cclibs.cli._common import fail
from cclibs.sdk import (
    AccessDenied,
    InvalidClient,
    ProfileStore,
    SdkError,
    TokenSource,
)
from cclibs.sdk.errors import ApiError, Forbidden, Unauthorized

__all__ = ["ProfileOption", "failures_as_lines", "open_source"]

T = TypeVar("T")

ProfileOption = typer.Option(
    None, "--profile", "-p", help="Profile (default: CCLIBS_PROFILE or local)."
)


def _line(exc: SdkError) -> str:
    if isinstance(exc, AccessDenied):
        return f"access denied: {exc.description or 'the request was refused'}"
    if isinstance(exc, InvalidClient):
        return (
            "the server refused the client id or client secret of this profile "
            f"(invalid_client: {exc.description or 'client authentication failed'})"
        )
    if isinstance(exc, Unauthorized):
        return f"the Libraries API refused the token: {exc}; run cclibs login"
    if isinstance(exc, Forbidden):
        return f"the Libraries API refused: {exc}"
    if isinstance(exc, ApiError):
        return f"the Libraries API answered: {exc}"
    # ApiUnreachable and the others say what failed; a message is one line, whatever it holds.
    return " ".join(str(exc).splitlines())


@contextmanager
def failures_as_lines() -> Iterator[None]:
    """Any SDK error becomes one line on stderr and exit status 1."""
    try:
        yield
    except SdkError as exc:
        fail(_line(exc))


@contextmanager
def open_source(profile: str | None) -> Iterator[TokenSource]:
    with failures_as_lines():
        source = TokenSource(ProfileStore().load(profile))
        try:
            yield source
        finally:
            source.close()


def run(function: Callable[[], T]) -> T:
    with failures_as_lines():
        return function()
