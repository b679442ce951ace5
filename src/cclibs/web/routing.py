"""A list of routes that route modules fill with decorators; ``create_app`` mounts them all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

__all__ = ["Endpoint", "Routes"]

Endpoint = Callable[[Request], Awaitable[Response]]


class Routes:
    def __init__(self) -> None:
        self.routes: list[BaseRoute] = []

    def add(self, path: str, endpoint: Endpoint, methods: list[str]) -> None:
        self.routes.append(Route(path, endpoint, methods=methods))

    def get(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._decorator(path, ["GET"])

    def post(self, path: str) -> Callable[[Endpoint], Endpoint]:
        return self._decorator(path, ["POST"])

    def _decorator(self, path: str, methods: list[str]) -> Callable[[Endpoint], Endpoint]:
        def register(endpoint: Endpoint) -> Endpoint:
            self.add(path, endpoint, methods)
            return endpoint

        return register
