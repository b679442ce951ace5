"""Files both ways, streamed: request bodies read from disk as they are sent, the upload
flows (multipart, or the chunked upload API above a threshold), and atomic downloads.

A body is re-iterable: each iteration reads the file again from the start and takes back
the progress the one before reported. So the one retry ``ApiAuth`` makes after a 401 (it
sends the same request again) resends the whole file without ever holding it in memory.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, cast
from urllib.parse import quote

import anyio.to_thread

from cclibs.sdk.api._core import Call, Flow, Settings, StreamedBody, dumps, json_object, nothing
from cclibs.sdk.api.types import Progress, UploadedFile
from cclibs.sdk.errors import SdkError

__all__ = ["FileSource", "Sink", "parts", "upload_flow"]

READ_SIZE = 1024 * 1024
"""What one read from disk takes: the most of a file in memory at once."""
CHUNKED_ABOVE = 8 * 1024 * 1024
PART_SIZE = 8 * 1024 * 1024
_OCTETS = "application/octet-stream"


class Meter:
    def __init__(self, total: int | None, progress: Progress | None) -> None:
        self.total = total
        self.done = 0
        self._progress = progress

    def add(self, count: int) -> None:
        self.done += count
        if self._progress is not None and count:
            self._progress(self.done, self.total)


class FileSource:
    """The file to upload: a path (opened here and closed at the end) or an open binary file,
    read from where it stands (and left open)."""

    def __init__(self, given: str | os.PathLike[str] | BinaryIO, content_type: str | None) -> None:
        self._owned = isinstance(given, str | os.PathLike)
        if isinstance(given, str | os.PathLike):
            path = Path(given)
            try:
                self.file: BinaryIO = path.open("rb")
            except OSError as exc:
                raise SdkError(f"cannot read {path}: {exc.strerror or exc}") from None
            name = path.name
        else:
            if isinstance(given, io.TextIOBase):
                raise SdkError("upload a file opened in binary mode ('rb'), not text mode")
            self.file = given
            name = Path(str(getattr(given, "name", "") or "")).name
        try:
            self.start = self.file.tell()
            self.size = self.file.seek(0, os.SEEK_END) - self.start
            self.file.seek(self.start)
        except (OSError, AttributeError, ValueError):
            self.close()
            raise SdkError("the upload source must be a seekable binary file") from None
        self.name = name or "upload"
        guessed = mimetypes.guess_type(self.name)[0]
        self.content_type = content_type or guessed or _OCTETS
        if not self.content_type.isprintable() or "/" not in self.content_type:
            self.close()
            raise SdkError(f"{self.content_type!r} is not a MIME type such as image/png")

    def read_at(self, offset: int, count: int) -> bytes:
        self.file.seek(self.start + offset)
        chunk = self.file.read(count)
        if len(chunk) != count:
            raise SdkError(f"{self.name} got shorter while it was being uploaded")
        return chunk

    def close(self) -> None:
        if self._owned:
            self.file.close()


class FileBody(StreamedBody):
    """``length`` bytes of the source from ``offset``, between a ``head`` and a ``tail``."""

    def __init__(
        self,
        source: FileSource,
        meter: Meter,
        *,
        offset: int = 0,
        length: int | None = None,
        head: bytes = b"",
        tail: bytes = b"",
        content_type: str = _OCTETS,
    ) -> None:
        self.source = source
        self.meter = meter
        self.offset = offset
        self.file_length = source.size if length is None else length
        self.head = head
        self.tail = tail
        self.length = len(head) + self.file_length + len(tail)
        self.content_type = content_type
        self.sent = 0

    def pieces(self) -> Iterator[bytes | tuple[int, int]]:
        """The body from the start: bytes to send as they are, ``(offset, count)`` to read
        from the file. Starting again takes back the progress reported before."""
        self.meter.add(-self.sent)
        self.sent = 0
        if self.head:
            yield self.head
        for start in range(0, self.file_length, READ_SIZE):
            yield self.offset + start, min(READ_SIZE, self.file_length - start)
        if self.tail:
            yield self.tail

    def read(self, piece: tuple[int, int]) -> bytes:
        return self.counted(self.source.read_at(*piece))

    def counted(self, chunk: bytes) -> bytes:
        self.sent += len(chunk)
        self.meter.add(len(chunk))
        return chunk

    def sync_stream(self) -> _SyncStream:
        return _SyncStream(self)

    def async_stream(self) -> _AsyncStream:
        return _AsyncStream(self)


class _SyncStream:
    """Not a generator, so httpx may iterate it again (``IteratorByteStream``)."""

    def __init__(self, body: FileBody) -> None:
        self._body = body

    def __iter__(self) -> Iterator[bytes]:
        for piece in self._body.pieces():
            yield piece if isinstance(piece, bytes) else self._body.read(piece)


class _AsyncStream:
    """The same for ``httpx.AsyncClient``; disk reads run in a worker thread."""

    def __init__(self, body: FileBody) -> None:
        self._body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        body = self._body
        for piece in body.pieces():
            if isinstance(piece, bytes):
                yield piece
            else:  # progress is reported on the event loop, not in the worker thread
                yield body.counted(await anyio.to_thread.run_sync(body.source.read_at, *piece))


def _form_value(text: str) -> str:
    """A quoted-string for Content-Disposition, escaped as browsers do (HTML's multipart
    form encoding): quotes and line breaks percent-encoded."""
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart_body(source: FileSource, meter: Meter) -> FileBody:
    """``Representation-Data`` (the type, as JSON) then ``Representation-Content`` (the
    file), the two parts of the single-request upload (compat reference §1.7)."""
    boundary = secrets.token_hex(16)
    data = dumps({"type": source.content_type})
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="Representation-Data"\r\n'
        "Content-Type: application/json\r\n\r\n"
        f"{data}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="Representation-Content"; '
        f'filename="{_form_value(source.name)}"\r\n'
        f"Content-Type: {source.content_type}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    kind = f"multipart/form-data; boundary={boundary}"
    return FileBody(source, meter, head=head, tail=tail, content_type=kind)


def parts(size: int, part_size: int) -> list[tuple[int, int]]:
    """``(offset, length)`` of each part, in order (part numbers start at 1)."""
    return [(start, min(part_size, size - start)) for start in range(0, size, part_size)]


def _uploaded(response: Any) -> UploadedFile:
    return cast(UploadedFile, json_object(response))


def upload_flow(
    settings: Settings,
    library_path: str,
    given: str | os.PathLike[str] | BinaryIO,
    content_type: str | None,
    progress: Progress | None,
) -> Flow[UploadedFile]:
    source = FileSource(given, content_type)
    try:
        meter = Meter(source.size, progress)
        if source.size <= settings.chunked_above:
            body = multipart_body(source, meter)
            answer = yield Call(
                "POST", f"{library_path}/representations/content", _uploaded, body=body
            )
            return cast(UploadedFile, answer)
        return (yield from _chunked(settings, library_path, source, meter))
    finally:
        source.close()


def _chunked(
    settings: Settings, library_path: str, source: FileSource, meter: Meter
) -> Flow[UploadedFile]:
    """Initiate, PUT the parts in order, finalize naming them; on any failure, DELETE the
    upload so its parts do not wait a day for the server to collect them."""
    started: dict[str, Any] = yield Call(
        "POST",
        f"{library_path}/representations/uploads",
        json_object,
        json={"type": source.content_type},
    )
    links = started.get("_links") or {}
    here = (links.get("self") or {}).get("href") or (
        f"{library_path}/representations/uploads/{quote(str(started['upload_id']))}"
    )
    part_href = (links.get("part") or {}).get("href") or f"{here}/parts/{{partNumber}}"
    size = min(settings.part_size, int(started.get("max_part_size") or settings.part_size))
    try:
        numbers: list[int] = []
        for number, (offset, length) in enumerate(parts(source.size, size), start=1):
            body = FileBody(source, meter, offset=offset, length=length)
            yield Call(
                "PUT", part_href.replace("{partNumber}", str(number)), json_object, body=body
            )
            numbers.append(number)
        answer = yield Call("POST", here, _uploaded, json={"parts": numbers})
        return cast(UploadedFile, answer)
    except Exception:
        with contextlib.suppress(SdkError):
            yield nothing("DELETE", here)
        raise


class Sink:
    """Where a download goes. A path is written to a temporary file beside it and renamed
    over it once complete, so a failed download leaves the old file (or none), never half a
    file; an open binary file is written as it is."""

    def __init__(
        self,
        destination: str | os.PathLike[str] | BinaryIO,
        total: int | None,
        progress: Progress | None,
    ) -> None:
        self.meter = Meter(total, progress)
        self._target: Path | None = None
        if isinstance(destination, str | os.PathLike):
            self._target = Path(destination)
            try:
                handle, name = tempfile.mkstemp(
                    dir=self._target.parent, prefix=f".{self._target.name}.", suffix=".part"
                )
            except OSError as exc:
                raise SdkError(f"cannot write {self._target}: {exc.strerror or exc}") from None
            self._temp = Path(name)
            self.file: BinaryIO = os.fdopen(handle, "wb")
        else:
            self.file = destination

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.meter.add(len(chunk))

    async def awrite(self, chunk: bytes) -> None:
        """``write`` with the disk write in a worker thread (progress on the event loop)."""
        await anyio.to_thread.run_sync(self.file.write, chunk)
        self.meter.add(len(chunk))

    def __enter__(self) -> Sink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._target is None:
            return
        self.file.close()
        if kind is not None:
            self._temp.unlink(missing_ok=True)
            return
        try:
            # mkstemp makes an owner-only file; a download gets the usual mode.
            mode = self._target.stat().st_mode if self._target.exists() else 0o644
            self._temp.chmod(mode & 0o777)
            self._temp.replace(self._target)
        except OSError as exc:
            self._temp.unlink(missing_ok=True)
            raise SdkError(f"cannot write {self._target}: {exc.strerror or exc}") from None
