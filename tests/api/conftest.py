"""Fixtures for the Libraries API tests: callers with tokens, made without the sign-in pages."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette

from cclibs.clock import FrozenClock
from tests.support.api_auth import ApiCaller, ApiCallers


@pytest.fixture
def api_callers(app: Starlette, clock: FrozenClock) -> ApiCallers:
    """Makes users, credentials and tokens on the test's app (see tests/support/api_auth.py)."""
    return ApiCallers(app.state.cclibs, clock)


@pytest.fixture
async def api_caller(api_callers: ApiCallers) -> ApiCaller:
    """A user with a live token for API_SCOPE (cc_libraries included), through a Web App."""
    return await api_callers.user()
