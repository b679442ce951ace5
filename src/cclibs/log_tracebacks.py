"""Tracebacks for the log: file, line and code of each frame, and never a local variable.

Locals are where request data lives (a submitted password, a token, the ASGI scope with its
cookies), and rendering them (rich, better-exceptions) took seconds per error. So the frames are
Python's plain summary, only cclibs's own and the innermost few (the others are the same
framework and driver code on every request), and the messages, which can quote SQL parameters
or a URL with a code in it, go through ``scrub_text``. The whole is bounded in length.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

from structlog.typing import EventDict

from cclibs.log_redaction import bound_text, scrub_text

__all__ = ["capture_exc_info", "exc_info_of", "format_exception", "render_exception"]

_MAX_FRAMES = 40
_INNERMOST = 12
_OUTERMOST = 2
_PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
_MAX_CHAIN = 5
_MAX_GROUP = 5
_MAX_LENGTH = 16_000
_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def exc_info_of(value: Any) -> ExcInfo | None:
    """An ``exc_info`` tuple from what a caller passed as ``exc_info`` (True, an exception, a
    tuple). Must run on the thread that logs: ``True`` means *its* current exception."""
    if isinstance(value, BaseException):
        return (type(value), value, value.__traceback__)
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return (type(value[1]), value[1], value[2])
    if value:
        current = sys.exc_info()
        if current[1] is not None:
            return (type(current[1]), current[1], current[2])
    return None


def capture_exc_info(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """structlog processor, on the logging thread: resolve ``exc_info=True`` while the
    exception is still current (the writer thread has none)."""
    if "exc_info" in event:
        found = exc_info_of(event["exc_info"])
        if found is None:
            del event["exc_info"]
        else:
            event["exc_info"] = found
    return event


def format_exception(exc: BaseException) -> str:
    """The exception and its causes as Python prints them, minus locals, bounded."""
    return bound_text(_format_chain(exc, 0).rstrip("\n"), _MAX_LENGTH)


def _format_chain(exc: BaseException, depth: int) -> str:
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link = ""
    while current is not None and id(current) not in seen and len(chain) < _MAX_CHAIN:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, _CONTEXT
        else:
            current = None
    parts: list[str] = []
    # Python prints the root cause first and the exception that was raised last.
    for index, (item, _link) in enumerate(reversed(chain)):
        if index:
            parts.append(chain[len(chain) - index][1])
        parts.append(_format_one(item, depth))
    return "".join(parts)


def _format_one(exc: BaseException, depth: int) -> str:
    out: list[str] = []
    if exc.__traceback__ is not None:
        out.append("Traceback (most recent call last):\n")
        out.extend(_format_frames(exc.__traceback__))
    message = "".join(traceback.format_exception_only(type(exc), exc))
    out.append(scrub_text(bound_text(message, _MAX_LENGTH // 4)))
    if isinstance(exc, BaseExceptionGroup) and depth < 2:
        for number, sub in enumerate(exc.exceptions[:_MAX_GROUP], start=1):
            nested = _format_chain(sub, depth + 1)
            out.append(f"+---------------- {number} ----------------\n")
            out.append("".join(f"| {line}\n" for line in nested.rstrip("\n").splitlines()))
        if len(exc.exceptions) > _MAX_GROUP:
            out.append(f"+---------------- ... {len(exc.exceptions) - _MAX_GROUP} more\n")
    return "".join(out)


def _format_frames(tb: TracebackType) -> list[str]:
    """Our own frames, the innermost ``_INNERMOST`` and the outermost ``_OUTERMOST``, in
    order; a line says how many were left out between them."""
    frames = traceback.StackSummary.extract(
        traceback.walk_tb(tb), lookup_lines=False, capture_locals=False
    )
    last = len(frames) - 1
    kept = [
        index
        for index, frame in enumerate(frames)
        if index < _OUTERMOST or last - index < _INNERMOST or _is_ours(frame.filename)
    ][-_MAX_FRAMES:]
    out: list[str] = []
    previous = -1
    for index in kept:
        if index - previous > 1:
            out.append(f"  ... {index - previous - 1} frames left out ...\n")
        out.extend(traceback.StackSummary.from_list([frames[index]]).format())
        previous = index
    return out


def _is_ours(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR)


def render_exception(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """structlog processor, on the writer thread: ``exc_info`` becomes an ``exception`` text."""
    found = exc_info_of(event.pop("exc_info", None))
    if found is not None:
        event["exception"] = format_exception(found[1])
    return event
