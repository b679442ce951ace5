"""How one definition of an operation becomes a method of both clients, typed for each.

An operation is written once, as a function of the client's ``Settings`` and its arguments
that returns a flow (``_core``). ``operation(build)`` placed on a class is a descriptor: on a
``SyncRunner`` (``Client``) it is a method returning the result, on an ``AsyncRunner``
(``AsyncClient``) one returning an awaitable of it, with the same parameters (a
``ParamSpec``), so mypy checks every call on either client against the one definition.
``pages(build)`` does the same for lists: an iterator, or an async iterator, that follows
``_links.next``.
"""

from __future__ import annotations

import functools
import inspect
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from cclibs.sdk.api._core import Call, Flow, Page, Settings

__all__ = ["AsyncRunner", "SyncRunner", "operation", "pages"]

P = ParamSpec("P")
T = TypeVar("T")


class SyncRunner(ABC):
    settings: Settings

    @abstractmethod
    def _run(self, flow: Flow[T]) -> T:
        """Implemented by ``Client``."""

    @abstractmethod
    def _pages(self, call: Call[Page[T]]) -> Iterator[T]:
        """Implemented by ``Client``."""


class AsyncRunner(ABC):
    settings: Settings

    @abstractmethod
    async def _run(self, flow: Flow[T]) -> T:
        """Implemented by ``AsyncClient``."""

    @abstractmethod
    def _pages(self, call: Call[Page[T]]) -> AsyncIterator[T]:
        """Implemented by ``AsyncClient``."""


def _later(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Flow[Any]:
    """The flow, built when it is first driven: a bad argument raises where the caller
    awaits (or iterates) the result, on both clients alike."""
    return (yield from build(*args, **kwargs))


def _bound(
    build: Callable[..., Any], run: Callable[[Any], Any], settings: Settings, *, flow: bool
) -> Any:
    @functools.wraps(build)
    def method(*args: Any, **kwargs: Any) -> Any:
        if flow:
            return run(_later(build, settings, *args, **kwargs))
        return run(build(settings, *args, **kwargs))  # a page's call: nothing to check

    # help() and IDEs show the caller's parameters, without the settings.
    signature = inspect.signature(build)
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=list(signature.parameters.values())[1:]
    )
    return method


class operation(Generic[P, T]):
    def __init__(self, build: Callable[Concatenate[Settings, P], Flow[T]]) -> None:
        self._build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type[Any]) -> Callable[P, T]: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type[Any]) -> Callable[P, Awaitable[T]]: ...
    def __get__(self, client: SyncRunner | AsyncRunner | None, owner: type[Any]) -> Any:
        if client is None:
            return self
        return _bound(self._build, client._run, client.settings, flow=True)


class pages(Generic[P, T]):
    def __init__(self, build: Callable[Concatenate[Settings, P], Call[Page[T]]]) -> None:
        self._build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, client: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, client: SyncRunner, owner: type[Any]) -> Callable[P, Iterator[T]]: ...
    @overload
    def __get__(self, client: AsyncRunner, owner: type[Any]) -> Callable[P, AsyncIterator[T]]: ...
    def __get__(self, client: SyncRunner | AsyncRunner | None, owner: type[Any]) -> Any:
        if client is None:
            return self
        return _bound(self._build, client._pages, client.settings, flow=False)
