"""Structured logs: JSON lines in production, readable lines in development.

structlog renders both our own events and the standard-library records of uvicorn and friends,
so one process writes one format. The request id is bound per request (contextvars) and rides
on every line logged while that request is handled.

Two promises, whatever the mode:

- no secret in any line: values are redacted by name and by shape (``cclibs.log_redaction``)
  and tracebacks never show local variables (``cclibs.log_tracebacks``);
- logging never stalls the event loop: on a thread that runs an event loop, a record only
  goes into a queue; a writer thread renders it (tracebacks read source files) and writes it
  (a full pipe blocks). For access lines the writer wakes once for what a few milliseconds
  bring, not once a line: a wake-up per line made the loop hand the GIL to it on every
  request (about 0.15 ms of a library list's 0.49 ms, in process, measured); any other record
  is written as soon as the writer gets to it. Elsewhere (commands, worker threads) records
  are written at once, after what is queued, so short commands and tests see their lines
  when they return.

The access line, written once per request, has a path of its own when lines are JSON: the
request's fields go into the queue as they are and the writer renders them (redacted like any
other value) in the same shape structlog would have given them, about a sixth of the cost.
"""

from __future__ import annotations

import asyncio
import atexit
import json as jsonlib
import logging
import math
import queue
import re
import sys
import threading
import time
from contextlib import suppress
from datetime import UTC, datetime
from logging.handlers import QueueHandler, QueueListener
from typing import Any, NamedTuple

import structlog
from structlog.typing import EventDict

from cclibs.log_redaction import redact, redact_value
from cclibs.log_tracebacks import capture_exc_info, render_exception

__all__ = ["configure_logging", "flush_logs", "get_logger", "log_access", "stop_logging"]

_QUEUE_SIZE = 10_000  # past this the writer cannot keep up: records are dropped and counted
_GATHER_SECONDS = 0.02
"""How long the writer lets access lines gather after the first it finds: one is written at
most this late, unless another record, or something that waits for the log (``flush_logs``, a
record logged off the loop), hurries it."""
_MAX_LINE = 32_000
_ESSENTIAL = ("timestamp", "level", "logger", "event", "request_id", "path", "exception")
_STREAM = "cclibs_stream"  # record attributes set when the record is made
_CONTEXT = "cclibs_context"
_ACCESS = "cclibs.access"
_writer = threading.local()
_active: tuple[_OffLoopHandler, QueueListener] | None = None
_access_logger = logging.getLogger(_ACCESS)
_atexit_registered = False


def configure_logging(*, json: bool, level: str = "INFO") -> None:
    """(Re)configure the process's logging; a second call replaces the first one's writer."""
    global _active, _atexit_registered
    # Runs where the event is logged: context, exc_info and values are taken while current.
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        capture_exc_info,
        redact,
    ]
    foreign: list[Any] = [
        _from_emit_time,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        )
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            redact,
            render_exception,
            _Bounded(renderer),
        ],
    )
    sink = _StderrHandler()
    sink.setFormatter(formatter)
    records: queue.Queue[logging.LogRecord] = queue.Queue(_QUEUE_SIZE)
    handler = _OffLoopHandler(records, sink, fast_access=json)
    listener = _Writer(records, sink, handler.hurry)
    listener.start()
    previous, _active = _active, (handler, listener)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # cclibs writes its own access line (without query strings, which may carry secrets).
    logging.getLogger("uvicorn.access").disabled = True
    # At DEBUG, aiosqlite logs each call with its arguments: statements' bound values
    # (password and token hashes, mail bodies) in a shape the redaction cannot know.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    _stop(previous)
    if not _atexit_registered:
        atexit.register(stop_logging)
        _atexit_registered = True


def flush_logs(timeout: float = 5.0) -> bool:
    """Wait until every queued record is written; False if that took longer than ``timeout``."""
    return _active is None or _active[0].drained(timeout)


def stop_logging() -> None:
    """Write what is queued and stop the writer thread (at exit); later records are written
    at once."""
    global _active
    previous, _active = _active, None
    _stop(previous)


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


def log_access(
    request_id: str, method: str, path: str, status: int, duration_ms: float, client: str | None
) -> None:
    """The access line of one request (logger ``cclibs.access``, event ``request``)."""
    active = _active
    if active is not None and active[0].fast_access:
        if not _access_logger.isEnabledFor(logging.INFO):
            return
        # Rendered here, on the loop: the writer thread then only joins and writes lines.
        # Work it did under the GIL was work the loop waited for (each time the loop let go
        # of the GIL in a SQLite call, the writer could take it for a whole batch).
        try:
            line = _access_json(time.time(), request_id, method, path, status, duration_ms, client)
        except Exception:
            _report_failure(_ACCESS)
            return
        if active[0].queue_access(_AccessLine(line, sys.stderr)):
            return
    # Readable lines, no event loop, or logging not configured here (structlog's defaults).
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        get_logger(_ACCESS).info(
            "request",
            method=method,
            path=path,
            status=status,
            duration_ms=duration_ms,
            client=client,
        )


_OWN_ID = re.compile(r"[0-9a-f]{32}")


class _AccessLine(NamedTuple):
    line: str
    stream: Any  # sys.stderr when the line was made, as for the other records


def _access_json(
    created: float,
    request_id: str,
    method: str,
    path: str,
    status: int,
    duration_ms: float,
    client: str | None,
) -> str:
    # The keys in the order structlog's chain puts them; the values through the same
    # redaction (a path is the client's text).
    return jsonlib.dumps(
        {
            "method": redact_value(method),
            "path": redact_value(path),
            "status": status,
            "duration_ms": duration_ms,
            "client": redact_value(client),
            "event": "request",
            # Ids of 32 hex digits (the ones this server makes) hold no shape the redaction
            # masks (the tests check it): only other ids, a client's own, go through it.
            "request_id": request_id if _OWN_ID.fullmatch(request_id) else redact_value(request_id),
            "level": "info",
            "logger": _ACCESS,
            "timestamp": _iso(created),
        }
    )


def _stop(active: tuple[_OffLoopHandler, QueueListener] | None) -> None:
    if active is not None:
        handler, listener = active
        handler.closed = True
        handler.hurry.set()
        listener.stop()


def _drained(records: queue.Queue[Any], timeout: float) -> bool:
    with records.all_tasks_done:
        return records.all_tasks_done.wait_for(lambda: not records.unfinished_tasks, timeout)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _OffLoopHandler(QueueHandler):
    """The root handler: queues records logged on an event loop, writes the others."""

    def __init__(
        self, records: queue.Queue[Any], sink: _StderrHandler, *, fast_access: bool
    ) -> None:
        super().__init__(records)
        self.records = records
        self.sink = sink
        self.closed = False
        self.dropped = 0
        self.fast_access = fast_access
        self.hurry = threading.Event()
        """Set by whoever waits for the queue to be written: the writer stops gathering."""

    def drained(self, timeout: float) -> bool:
        """Wait until every queued record is written; False after ``timeout``."""
        if self.records.unfinished_tasks:
            self.hurry.set()
        return _drained(self.records, timeout)

    def queue_access(self, entry: _AccessLine) -> bool:
        """Queue an access line for the writer; False where the caller must log it the usual
        way (no event loop, writer stopped)."""
        if self.closed or not _on_event_loop():
            return False
        try:
            if self.dropped:
                self.records.put_nowait(_dropped_record(self.dropped))
                self.dropped = 0
            self.records.put_nowait(entry)
        except queue.Full:
            self.dropped += 1
        return True

    def emit(self, record: logging.LogRecord) -> None:
        try:
            record.__dict__[_STREAM] = sys.stderr
            if not _is_structlog(record):
                record.__dict__[_CONTEXT] = structlog.contextvars.get_contextvars()
            if self.closed or not _on_event_loop():
                if not getattr(_writer, "busy", False):
                    self.drained(1.0)  # keep the order of what is already queued
                self.sink.handle(record)
                return
            if self.dropped:
                self.records.put_nowait(_dropped_record(self.dropped))
                self.dropped = 0
            self.records.put_nowait(self.prepare(record))
            # Only access lines gather: any other record is written, with what is queued
            # before it, as soon as the writer gets to it (a command's warning lands with
            # the command's own output).
            self.hurry.set()
        except queue.Full:
            self.dropped += 1
        except Exception:
            self.handleError(record)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        # The stdlib's prepare() formats here, on the loop, and drops exc_info: not wanted.
        # A copy, so that other handlers (pytest's caplog) keep the original.
        copy = logging.makeLogRecord(record.__dict__)
        if not _is_structlog(copy) and copy.args:
            # The arguments may change before the writer gets to them.
            copy.msg, copy.args = copy.getMessage(), None
        return copy

    def handleError(self, record: logging.LogRecord) -> None:
        _report_failure(record.name)


class _Writer(QueueListener):
    """The writer thread: renders and writes the queued records, in order, a batch at a time.

    After the first record of a batch it waits ``_GATHER_SECONDS`` (or until ``hurry`` is set)
    for more, then writes them all; consecutive access lines to one stream go out in one write.
    """

    _sentinel: Any = None  # what QueueListener queues to stop the thread

    def __init__(
        self, records: queue.Queue[Any], sink: _StderrHandler, hurry: threading.Event
    ) -> None:
        super().__init__(records, sink)
        self.records = records
        self.sink = sink
        self.hurry = hurry

    def _monitor(self) -> None:
        records = self.records
        while True:
            batch = [records.get()]
            if batch[0] is not self._sentinel and self.hurry.wait(_GATHER_SECONDS):
                self.hurry.clear()
            while True:
                try:
                    batch.append(records.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    records.task_done()
            if any(record is self._sentinel for record in batch):
                return

    def _write(self, batch: list[Any]) -> None:
        lines: list[str] = []
        stream: Any = None
        for record in batch:
            if record is self._sentinel:
                continue
            if isinstance(record, _AccessLine):
                if record.stream is not stream:
                    self._write_lines(lines, stream)
                    stream = record.stream
                lines.append(record.line)
            else:
                self._write_lines(lines, stream)
                self.handle(record)
        self._write_lines(lines, stream)

    def _write_lines(self, lines: list[str], stream: Any) -> None:
        if lines:
            try:
                self.sink.write_line("\n".join(lines), stream)
            except Exception:
                _report_failure(_ACCESS)
            lines.clear()

    def enqueue_sentinel(self) -> None:
        # The stdlib's put_nowait() would fail on a full queue; this waits for room.
        self.records.put(self._sentinel)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` was when the record was made, not at set-up.

    A command run in-process (tests, Typer's runner) swaps and closes stderr; a handler that
    kept the old stream would fail on the next record. If that stream is closed by the time the
    writer gets to it, the record goes to the current one.
    """

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        _writer.busy = True
        try:
            self.write_line(self.format(record), record.__dict__.get(_STREAM) or sys.stderr)
        except Exception:
            self.handleError(record)
        finally:
            _writer.busy = False

    def write_line(self, line: str, target: Any) -> None:
        line += self.terminator
        try:
            target.write(line)
            target.flush()
        except ValueError:  # closed since the record was made
            sys.stderr.write(line)
            sys.stderr.flush()

    def handleError(self, record: logging.LogRecord) -> None:
        _report_failure(record.name)


def _report_failure(name: str) -> None:
    # logging's own report prints the record's message and arguments: they may hold secrets.
    error = sys.exc_info()[0]
    stream = sys.__stderr__
    if stream is not None:
        with suppress(Exception):  # nowhere left to say it
            stream.write(
                f"cclibs: a log record of {name} could not be written "
                f"({error.__name__ if error else 'unknown error'})\n"
            )


def _dropped_record(count: int) -> logging.LogRecord:
    record = logging.LogRecord(
        "cclibs.logs", logging.WARNING, __file__, 0, "log records dropped", None, None
    )
    record.__dict__.update({"dropped": count, _STREAM: sys.stderr, _CONTEXT: {}})
    return record


def _is_structlog(record: logging.LogRecord) -> bool:
    return isinstance(record.msg, dict) and hasattr(record, "_logger")


def _from_emit_time(_logger: Any, _name: str, event: Any) -> Any:
    """For standard-library records: the context and the time of the emitting thread.

    (``ProcessorFormatter`` hands its own copy of the record: taking attributes off it is safe,
    and keeps them out of ``ExtraAdder``.)
    """
    record = event.get("_record")
    if record is not None:
        record.__dict__.pop(_STREAM, None)
        for key, value in record.__dict__.pop(_CONTEXT, {}).items():
            event.setdefault(key, value)
        event.setdefault("timestamp", _iso(record.created))
    return event


_second: tuple[int, str] = (-1, "")
"""The last whole second formatted, and its text: every line of one second shares it."""


def _iso(created: float) -> str:
    """``created`` as ``datetime.fromtimestamp(created, UTC)`` writes it with
    ``%Y-%m-%dT%H:%M:%S.%fZ``: the microseconds rounded half to even, as datetime rounds them
    (the tests compare), and the date and time formatted once a second (a 3 % share of a
    library list's time on the loop when it was formatted for every line)."""
    global _second
    fraction, whole = math.modf(created)
    micros = round(fraction * 1_000_000)
    second = int(whole)
    if micros >= 1_000_000:
        second, micros = second + 1, micros - 1_000_000
    elif micros < 0:  # before 1970
        second, micros = second - 1, micros + 1_000_000
    cached = _second
    if cached[0] != second:
        text = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        cached = _second = (second, text)
    return f"{cached[1]}.{micros:06d}Z"


class _Bounded:
    """The renderer, with a cap on the line: past it only the essential keys are written."""

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer

    def __call__(self, logger: Any, name: str, event: EventDict) -> Any:
        line = self.renderer(logger, name, dict(event))
        if len(line) <= _MAX_LINE:
            return line
        kept = {key: event[key] for key in _ESSENTIAL if key in event}
        return self.renderer(logger, name, {**kept, "truncated_from": len(line)})


def _drop_color_message(_logger: Any, _name: str, event: Any) -> Any:
    # uvicorn attaches an ANSI-coloured copy of each message; the renderer colours on its own.
    event.pop("color_message", None)
    return event
