"""Logging configured for one test, with its writer thread stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cclibs.logs import configure_logging, stop_logging

__all__ = ["configured_logging"]


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
