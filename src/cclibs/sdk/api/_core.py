"""The sans-IO core of the Libraries API client: calls as values, answers read into values.

An operation is a *flow*: a generator that yields ``Call`` values and receives what each
answered, and returns the operation's result. Most flows are one call; an upload is several
(initiate, parts, finalize, and an abort when one fails). ``Client`` and ``AsyncClient``
only send calls and drive flows (``drive`` / ``adrive``), so every rule of the API (paths,
bodies, error mapping, paging) is written once, here and in ``_operations``.
"""

from __future__ import annotations

import email.utils
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urljoin, urlsplit

import httpx

from cclibs.sdk.errors import (
    ApiError,
    ApiUnreachable,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    RateLimited,
    SdkError,
    ServerError,
    Unauthorized,
    UntrustedOrigin,
)

__all__ = [
    "Call",
    "Done",
    "Flow",
    "Outcome",
    "Page",
    "Settings",
    "StreamedBody",
    "adrive",
    "drive",
    "dumps",
    "elements_of",
    "error_for",
    "first_element",
    "json_object",
    "nothing",
    "one",
    "origin_of",
    "page_reader",
    "resolve",
    "unreachable",
]

T = TypeVar("T")
_MESSAGE_LIMIT = 300


@dataclass(frozen=True)
class Settings:
    """What the flows need to know of the client that runs them."""

    app: str
    device: str
    device_id: str
    chunked_above: int
    """Files larger than this go through the chunked upload API."""
    part_size: int


class StreamedBody(ABC):
    """A request body read from disk as it is sent, and again from the start when the
    request is sent again (after a 401); see ``_transfer``."""

    length: int
    content_type: str

    @abstractmethod
    def sync_stream(self) -> Iterable[bytes]:
        """Implemented by the bodies of ``_transfer``."""

    @abstractmethod
    def async_stream(self) -> Any:
        """Implemented by the bodies of ``_transfer``."""


def _no_answer(response: httpx.Response) -> None:
    return None


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request: ``path`` is ``/api/v1/...`` or an absolute URL (a link the API gave)."""

    method: str
    path: str
    read: Callable[[httpx.Response], T]
    params: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    body: StreamedBody | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def follow(self, href: str) -> Call[T]:
        """The same read at another address (``_links.next`` carries its own query)."""
        return replace(self, path=href, params={})

    def request_args(self, *, streamed: Iterable[bytes] | Any = None) -> dict[str, Any]:
        """Keyword arguments for ``httpx.Client.build_request`` (bar method and URL)."""
        args: dict[str, Any] = {"headers": dict(self.headers)}
        if self.params:  # httpx drops a URL's own query when given params, even empty ones
            args["params"] = dict(self.params)
        if self.body is not None:
            args["content"] = streamed
            args["headers"]["content-type"] = self.body.content_type
            args["headers"]["content-length"] = str(self.body.length)
        elif self.json is not None:
            args["json"] = self.json
        return args

    def finish(self, response: httpx.Response) -> T:
        """The answer's value, or the ``ApiError`` it stands for (the body is read). No
        operation answers a redirect; one is not followed (it could carry the token away)."""
        if not response.is_success:
            raise error_for(response)
        return self.read(response)


Flow = Generator[Call[Any], Any, T]


def one(call: Call[T]) -> Flow[T]:
    """A flow of a single call."""
    answer = yield call
    return cast(T, answer)


def nothing(method: str, path: str, **options: Any) -> Call[None]:
    """A call whose answer has no body (204)."""
    return Call(method, path, _no_answer, **options)


# Reading answers -----------------------------------------------------------------------


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SdkError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with a body that is not JSON"
        ) from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    body = json_of(response)
    if not isinstance(body, dict):
        raise SdkError(f"{response.request.url.path} did not answer a JSON object")
    return body


def first_element(response: httpx.Response) -> Any:
    """The one element of a ``LibraryElementsInfo`` answer (create, put representations)."""
    elements = json_object(response).get("elements")
    if not isinstance(elements, list) or not elements:
        raise SdkError(f"{response.request.url.path} answered no element")
    return elements[0]


def elements_of(response: httpx.Response) -> Any:
    elements = json_object(response).get("elements")
    return elements if isinstance(elements, list) else []


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_href: str | None

    def after(self, call: Call[Page[T]]) -> Call[Page[T]] | None:
        """The call for the next page, or None on the last one."""
        return call.follow(self.next_href) if self.next_href else None


def page_reader(key: str) -> Callable[[httpx.Response], Page[Any]]:
    """A list envelope (compat §1.4): the items under ``key`` and ``_links.next.href``."""

    def read(response: httpx.Response) -> Page[Any]:
        body = json_object(response)
        items = body.get(key)
        nxt = (body.get("_links") or {}).get("next")
        href = nxt.get("href") if isinstance(nxt, dict) else None
        return Page(items if isinstance(items, list) else [], href or None)

    return read


# Errors --------------------------------------------------------------------------------

_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    429: RateLimited,
}


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MESSAGE_LIMIT else line[: _MESSAGE_LIMIT - 1] + "…"


def _retry_after(value: str | None) -> float | None:
    """RFC 9110 §10.2.3: seconds, or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_for(response: httpx.Response) -> ApiError:
    """The ``ApiError`` an error answer stands for. The API sends ``{reason, message}``;
    a proxy or a crash may send HTML or nothing, which still gives one line."""
    response.read()
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    reason = body.get("reason") if isinstance(body, dict) else None
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(reason, str) or not reason:
        reason = response.reason_phrase.lower().replace(" ", "_") or "error"
    if not isinstance(message, str) or not message.strip():
        # Plain text says something; an HTML page (a proxy's, say) is only noise here.
        plain = response.headers.get("content-type", "").startswith("text/plain")
        text = _one_line(response.text) if plain else ""
        request = response.request
        message = f"{request.method} {request.url.path} answered {status} " + (
            text or response.reason_phrase or "(no explanation)"
        )
    request_id = response.headers.get("x-request-id")
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else ApiError)
    if kind is RateLimited:
        retry = _retry_after(response.headers.get("retry-after"))
        return RateLimited(status, reason, _one_line(message), request_id, retry)
    return kind(status, reason, _one_line(message), request_id)


def unreachable(api_url: str, exc: Exception) -> SdkError:
    """A transport failure, in one line; httpx's exception never reaches the caller."""
    if isinstance(exc, httpx.RequestError):
        why = (str(exc) or type(exc).__name__).splitlines()[0]
        return ApiUnreachable(f"the Libraries API at {api_url} did not answer: {why}")
    return SdkError(f"the request could not be sent: {str(exc) or type(exc).__name__}")


# Addresses -----------------------------------------------------------------------------


def origin_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def resolve(api_url: str, href: str, trusted: Iterable[str] = ()) -> str:
    """An absolute URL for ``href`` (relative ones against ``api_url``), refused unless its
    origin is the API's or a trusted one: the request carries the user's token."""
    url = urljoin(api_url.rstrip("/") + "/", href)
    allowed = {origin_of(api_url), *(origin_of(o) for o in trusted)}
    if origin_of(url) not in allowed:
        raise UntrustedOrigin(
            f"{url} is not on the Libraries API's origin ({api_url}); the SDK does not send "
            "the access token elsewhere (pass trusted_origins to allow it)"
        )
    return url


# Driving flows -------------------------------------------------------------------------


@dataclass(frozen=True)
class Done(Generic[T]):
    value: T


@dataclass(frozen=True)
class Outcome:
    """What the last call gave a flow: a value, or an error to throw into it (so that the
    flow can clean up, e.g. abort an upload, before the error goes on)."""

    value: Any = None
    error: Exception | None = None

    def next_of(self, flow: Flow[T]) -> Call[Any] | Done[T]:
        try:
            return flow.throw(self.error) if self.error is not None else flow.send(self.value)
        except StopIteration as stop:
            return Done(cast(T, stop.value))


def drive(flow: Flow[T], send: Callable[[Call[Any]], Any]) -> T:
    outcome = Outcome()
    while not isinstance(step := outcome.next_of(flow), Done):
        try:
            outcome = Outcome(send(step))
        except Exception as exc:
            outcome = Outcome(error=exc)
    return step.value


async def adrive(flow: Flow[T], send: Callable[[Call[Any]], Awaitable[Any]]) -> T:
    outcome = Outcome()
    while not isinstance(step := outcome.next_of(flow), Done):
        try:
            outcome = Outcome(await send(step))
        except Exception as exc:
            outcome = Outcome(error=exc)
    return step.value


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
