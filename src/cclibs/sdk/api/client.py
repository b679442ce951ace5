"""``Client``: the Libraries API over a synchronous ``httpx.Client``.

    with Client.from_profile() as client:          # after `cclibs login`
        library = client.create_library("Brand")
        client.create_color(library["id"], "Red", "#D7373F")
        for element in client.elements(library["id"]):
            print(element["name"])

Every operation is defined once in ``_operations`` (see ``Operations``); this class only
sends calls. Failures are ``SdkError``\\s: ``ApiError`` subclasses for the API's answers,
``ApiUnreachable`` when it does not answer; no httpx exception gets out.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from types import TracebackType
from typing import BinaryIO, TypeVar

import httpx

from cclibs.sdk.api._base import HTTPX_ERRORS, ClientBase, Download, file_facts
from cclibs.sdk.api._binding import SyncRunner
from cclibs.sdk.api._core import Call, Flow, Page, drive, error_for, unreachable
from cclibs.sdk.api._operations import Operations, rendition_path
from cclibs.sdk.api._transfer import Sink
from cclibs.sdk.api.types import Progress

__all__ = ["Client"]

T = TypeVar("T")


class Client(Operations, SyncRunner, ClientBase[httpx.Client]):
    """The Libraries API, synchronously; see ``ClientBase`` for the options."""

    def _new_http(self, timeout: float) -> httpx.Client:
        # Redirects are not followed: one could carry the token to another origin.
        return httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()
        self._close_source()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Sending ------------------------------------------------------------------------------

    def _send(self, call: Call[T]) -> T:
        try:
            response = self._http.send(self._request(call), **self._sending)
        except HTTPX_ERRORS as exc:
            raise unreachable(self.api_url, exc) from None
        return call.finish(response)

    def _run(self, flow: Flow[T]) -> T:
        return drive(flow, self._send)

    def _pages(self, call: Call[Page[T]]) -> Iterator[T]:
        following: Call[Page[T]] | None = call
        while following is not None:
            page = self._send(following)
            yield from page.items
            following = page.after(following)

    # Files --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def open_download(self, href: str) -> Iterator[Download[Iterator[bytes]]]:
        """Stream a file: ``href`` is a ``storage_href``, a rendition link, or a relative
        ``/api/v1/...`` path; it must be on the API's origin (or a trusted one)."""
        url = self._url(href)
        try:
            with self._http.stream("GET", url, **self._sending) as response:
                if not response.is_success:
                    raise error_for(response)
                yield Download(*file_facts(response), response.iter_bytes())
        except HTTPX_ERRORS as exc:
            raise unreachable(self.api_url, exc) from None

    def download(
        self,
        href: str,
        destination: str | os.PathLike[str] | BinaryIO,
        *,
        progress: Progress | None = None,
    ) -> int:
        """Save a file to ``destination`` (a path is replaced atomically when complete);
        returns the bytes written."""
        with (
            self.open_download(href) as (_, length, chunks),
            Sink(destination, length, progress) as sink,
        ):
            for chunk in chunks:
                sink.write(chunk)
        return sink.meter.done

    def rendition(
        self,
        library_id: str,
        element_id: str,
        destination: str | os.PathLike[str] | BinaryIO,
        *,
        size: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """An element's full-size file, or (``size``) its PNG thumbnail of that longest side."""
        path = rendition_path(library_id, element_id, size)
        return self.download(path, destination, progress=progress)
