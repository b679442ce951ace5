"""``ApiAuth``: an ``httpx.Auth`` that calls the Libraries API as the profile's user.

It sets ``Authorization: Bearer`` and ``x-api-key`` (the client id, as the Libraries API
requires), refreshes before expiry, and after a 401 refreshes once and retries once. The same
object serves ``httpx.Client`` and ``httpx.AsyncClient``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from cclibs.sdk.source import TokenSource

__all__ = ["ApiAuth"]


class ApiAuth(httpx.Auth):
    # The one retry after a 401 sends the same request again, body included. httpx reads
    # ``requires_request_body`` only in the base ``sync_auth_flow``/``async_auth_flow``, which
    # this class replaces, so nothing is buffered here: a JSON body is bytes already, and the
    # SDK's upload bodies are re-iterable (cclibs.sdk.api._transfer), read from disk again.

    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers["authorization"] = f"Bearer {token}"
        request.headers["x-api-key"] = self._source.client.client_id

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        token = self._source.access_token()
        self._apply(request, token)
        response = yield request
        if response.status_code == 401:
            self._apply(request, self._source.after_rejection(token))
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._source.aaccess_token()
        self._apply(request, token)
        response = yield request
        if response.status_code == 401:
            self._apply(request, await self._source.aafter_rejection(token))
            yield request
