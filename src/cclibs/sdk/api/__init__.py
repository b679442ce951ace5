"""The Libraries API client: ``Client`` (sync) and ``AsyncClient`` (async) over httpx.

Both have every operation of ``/api/v1`` as a method, with the same names and parameters
(written once, in ``_operations``); see ``cclibs.sdk.api.types`` for the shapes answered.
"""

from __future__ import annotations

from cclibs.sdk.api._base import Download
from cclibs.sdk.api._colors import rgb
from cclibs.sdk.api._operations import representation_of
from cclibs.sdk.api.aclient import AsyncClient
from cclibs.sdk.api.client import Client
from cclibs.sdk.api.types import (
    BatchResponse,
    BatchResult,
    Color,
    Element,
    Library,
    Progress,
    Representation,
    UploadedFile,
)

__all__ = [
    "AsyncClient",
    "BatchResponse",
    "BatchResult",
    "Client",
    "Color",
    "Download",
    "Element",
    "Library",
    "Progress",
    "Representation",
    "UploadedFile",
    "representation_of",
    "rgb",
]
