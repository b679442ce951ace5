"""Liveness and readiness probes."""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from cclibs.logs import get_logger
from cclibs.web.routing import Interface, Routes
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes(Interface.API)
_log = get_logger("cclibs.health")
_READY_TIMEOUT_S = 2.0


@router.get("/healthz")
async def healthz(_request: Request) -> JSONResponse:
    """200 while the process lives and serves requests."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 when the database answers within the timeout, 503 otherwise."""
    db = app_state(request).db
    try:
        with anyio.fail_after(_READY_TIMEOUT_S):
            await db.ping()
    except Exception as exc:  # any failure to reach the database means "not ready"
        _log.warning("database not ready", error=type(exc).__name__)
        return JSONResponse(
            {
                "status": "unavailable",
                "reason": "database_unavailable",
                "message": "The database did not answer.",
            },
            status_code=503,
        )
    return JSONResponse({"status": "ready"})
