"""What ``Client`` and ``AsyncClient`` share besides the operations: construction from a
profile or a bare token, the client's settings, and where requests may go."""

from __future__ import annotations

import socket
import uuid
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterable
from typing import Any, Generic, NamedTuple, Self, TypeVar

import httpx

from cclibs.sdk.api._core import Call, Settings, resolve
from cclibs.sdk.api._transfer import CHUNKED_ABOVE, PART_SIZE
from cclibs.sdk.errors import ConfigurationError
from cclibs.sdk.profiles import Profile, ProfileStore
from cclibs.sdk.source import TokenSource

__all__ = ["HTTPX_ERRORS", "BearerToken", "ClientBase", "Download", "file_facts"]

HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError)
"""What httpx may raise; the clients turn each into an ``SdkError``."""


class BearerToken(httpx.Auth):
    """A token used as given (``from_token``): no refresh, nothing read from the body."""

    def __init__(self, access_token: str, api_key: str) -> None:
        self._headers = {"authorization": f"Bearer {access_token}", "x-api-key": api_key}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers.update(self._headers)
        yield request


C = TypeVar("C")


class Download(NamedTuple, Generic[C]):
    """What ``open_download`` yields: ``content_type, length, chunks = download``; the
    chunks are an iterator of bytes (``Client``) or an async one (``AsyncClient``)."""

    content_type: str
    length: int | None
    chunks: C


def file_facts(response: httpx.Response) -> tuple[str, int | None]:
    """A download's type and length, from its headers."""
    length = response.headers.get("content-length")
    kind = response.headers.get("content-type", "application/octet-stream")
    return kind, int(length) if length and length.isdigit() else None


def _device_id() -> str:
    """A stable id for this machine (``client.deviceId``), without reading hardware ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, f"cclibs-device.{socket.gethostname()}"))


H = TypeVar("H", httpx.Client, httpx.AsyncClient)


class ClientBase(ABC, Generic[H]):
    def __init__(
        self,
        api_url: str,
        *,
        auth: httpx.Auth | None = None,
        http: H | None = None,
        timeout: float = 60.0,
        app: str = "cclibs",
        trusted_origins: Iterable[str] = (),
        chunked_above: int = CHUNKED_ABOVE,
        part_size: int = PART_SIZE,
    ) -> None:
        """``api_url``: the server's base URL (``https://cc-libraries.adobe.io``). ``auth``:
        an ``httpx.Auth`` (``from_profile`` and ``from_token`` make one); ``http``: an
        httpx client of the caller's (not closed here). ``app``: the name recorded on the
        elements created (``client.app``). ``trusted_origins``: other origins a download
        link may point at that may get the token. Uploads larger than ``chunked_above``
        bytes use the chunked upload API, in parts of ``part_size``."""
        if not api_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"the API URL must start with http:// or https://: {api_url}")
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.source: TokenSource | None = None
        self._owns_source = False
        self._owns_http = http is None
        self._http: H = http if http is not None else self._new_http(timeout)
        self._trusted = tuple(trusted_origins)
        self.settings = Settings(
            app=app,
            device=socket.gethostname() or "unknown",
            device_id=_device_id(),
            chunked_above=max(0, chunked_above),
            part_size=max(1, part_size),
        )

    @abstractmethod
    def _new_http(self, timeout: float) -> H:
        """Implemented by ``Client`` and ``AsyncClient``."""

    @classmethod
    def from_profile(cls, profile: str | Profile | None = None, **options: Any) -> Self:
        """As a profile's user: its cached tokens, refreshed as needed (``cclibs login``)."""
        chosen = profile if isinstance(profile, Profile) else ProfileStore().load(profile)
        if not chosen.api_url:
            raise ConfigurationError(f"profile {chosen.name} has no api_url")
        source = TokenSource(chosen)
        client = cls(chosen.api_url, auth=source.auth(), **options)
        client.source = source
        client._owns_source = True
        return client

    @classmethod
    def from_token(cls, api_url: str, access_token: str, api_key: str, **options: Any) -> Self:
        """With a bare access token and API key (the credential's client id), never refreshed."""
        return cls(api_url, auth=BearerToken(access_token, api_key), **options)

    def _close_source(self) -> None:
        if self._owns_source and self.source is not None:
            self.source.close()

    @property
    def _sending(self) -> dict[str, Any]:
        """``send``'s options: our auth, or (none given) whatever the httpx client has."""
        return {"auth": self.auth} if self.auth is not None else {}

    def _url(self, path: str) -> str:
        return resolve(self.api_url, path, self._trusted)

    def _request(self, call: Call[Any]) -> httpx.Request:
        http = self._http
        body = call.body
        streamed = None
        if body is not None:
            sync = isinstance(http, httpx.Client)
            streamed = body.sync_stream() if sync else body.async_stream()
        return http.build_request(
            call.method, self._url(call.path), **call.request_args(streamed=streamed)
        )
