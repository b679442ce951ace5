"""Logging configured for one test, with its writer thread stopped afterwards; a stderr that
keeps what is written to it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cclibs.logs import configure_logging, stop_logging

__all__ = ["FakeStderr", "configured_logging"]


class FakeStderr:
    """A stderr that keeps each write; subclasses make writes wait (``before_write``)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def before_write(self) -> None:
        pass

    def write(self, text: str) -> int:
        self.before_write()
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        return "".join(self.parts)


@contextmanager
def configured_logging(*, json: bool, level: str = "INFO") -> Iterator[None]:
    """``configure_logging`` for the block; then the writer thread stops and later records are
    written at once.

    The configuration itself stays, as after any in-process command (``cclibs.cli`` configures
    logging too): structlog keeps the processors a logger was first used with, so putting the
    old root handlers back would leave those loggers writing nowhere.
    """
    configure_logging(json=json, level=level)
    try:
        yield
    finally:
        stop_logging()
