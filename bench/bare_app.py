"""The bare framework ceiling: a Starlette app with one JSON route and nothing else.

Served by the benchmarks as ``bare_app:app`` (``bench/`` on PYTHONPATH). It answers like cclibs'
/healthz, without the middleware, the logging or the database behind cclibs' app.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/healthz", healthz)])
