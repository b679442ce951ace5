"""Reading the Libraries API's answers in tests."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["error_of"]


def error_of(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """The ``{reason, message}`` body of an error answer; ``fragments`` are in its message."""
    assert response.status_code == status, (response.request.method, response.url, response.text)
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers.get("x-request-id")
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("reason"), str) and body["reason"]
    assert isinstance(body.get("message"), str) and body["message"]
    for fragment in fragments:
        assert fragment in body["message"], body
    return body
