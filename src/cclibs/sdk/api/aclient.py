"""``AsyncClient``: the Libraries API over ``httpx.AsyncClient``; the same methods as
``Client``, awaited (lists are async iterators).

    async with AsyncClient.from_profile() as client:
        async for library in client.libraries():
            print(library["name"])
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from types import TracebackType
from typing import BinaryIO, TypeVar

import httpx

from cclibs.sdk.api._base import HTTPX_ERRORS, ClientBase, Download, file_facts
from cclibs.sdk.api._binding import AsyncRunner
from cclibs.sdk.api._core import Call, Flow, Page, adrive, error_for, unreachable
from cclibs.sdk.api._operations import Operations, rendition_path
from cclibs.sdk.api._transfer import Sink
from cclibs.sdk.api.types import Progress

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(Operations, AsyncRunner, ClientBase[httpx.AsyncClient]):
    """The Libraries API, asynchronously; the same options as ``Client``."""

    def _new_http(self, timeout: float) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()
        self._close_source()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _send(self, call: Call[T]) -> T:
        try:
            response = await self._http.send(self._request(call), **self._sending)
        except HTTPX_ERRORS as exc:
            raise unreachable(self.api_url, exc) from None
        return call.finish(response)

    async def _run(self, flow: Flow[T]) -> T:
        return await adrive(flow, self._send)

    async def _pages(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        following: Call[Page[T]] | None = call
        while following is not None:
            page = await self._send(following)
            for item in page.items:
                yield item
            following = page.after(following)

    @contextlib.asynccontextmanager
    async def open_download(self, href: str) -> AsyncIterator[Download[AsyncIterator[bytes]]]:
        url = self._url(href)
        try:
            async with self._http.stream("GET", url, **self._sending) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_for(response)
                yield Download(*file_facts(response), response.aiter_bytes())
        except HTTPX_ERRORS as exc:
            raise unreachable(self.api_url, exc) from None

    async def download(
        self,
        href: str,
        destination: str | os.PathLike[str] | BinaryIO,
        *,
        progress: Progress | None = None,
    ) -> int:
        async with self.open_download(href) as (_, length, chunks):
            with Sink(destination, length, progress) as sink:
                async for chunk in chunks:
                    await sink.awrite(chunk)
        return sink.meter.done

    async def rendition(
        self,
        library_id: str,
        element_id: str,
        destination: str | os.PathLike[str] | BinaryIO,
        *,
        size: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        path = rendition_path(library_id, element_id, size)
        return await self.download(path, destination, progress=progress)
