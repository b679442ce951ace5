"""The shapes the Libraries API answers with, as typed dictionaries (compat reference §1.4-1.7).

They are ``total=False``: a selector decides which fields come back (``details`` and
``representations`` only with ``selector=full``), and unknown keys a client stored on an
element come back too. Keys that are not identifiers (``color#data``, ``_links``) are
declared in the functional form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

__all__ = [
    "BatchResponse",
    "BatchResult",
    "Color",
    "Element",
    "Library",
    "Progress",
    "Representation",
    "UploadedFile",
]

Progress = Callable[[int, int | None], None]
"""Called as bytes move: ``(done, total)``; ``total`` is None when the size is unknown."""

Color = str | tuple[float, float, float]
"""``"#RRGGBB"`` or ``(r, g, b)`` with each channel 0..255."""

Representation = TypedDict(
    "Representation",
    {
        "id": str,
        "type": str,
        "relationship": str,
        "storage_href": str,
        "path": str,
        "asset_id": str,
        "content_length": int,
        "etag": str,
        "md5": str,
        "version": str,
        "width": int,
        "height": int,
        "is_full_size": bool,
        "representation_order": int,
        "color#data": dict[str, Any],
        "colortheme#data": dict[str, Any],
        "gradient#data": dict[str, Any],
        "font#data": dict[str, Any],
        "characterstyle#data": dict[str, Any],
        "paragraphstyle#data": dict[str, Any],
        "_links": dict[str, Any],
    },
    total=False,
)


class Library(TypedDict, total=False):
    id: str
    name: str
    library_urn: str
    created_date: int
    modified_date: int
    version: str
    ownership: str
    creator: str
    region: str
    elements_count: int
    removed_elements_count: int
    storage_used: int
    assetSubType: str
    manifest_etag: str
    details: dict[str, Any]
    groups: list[dict[str, Any]]
    rendition_grid: dict[str, Any]
    _links: dict[str, Any]


Element = TypedDict(
    "Element",
    {
        "id": str,
        "name": str,
        "type": str,
        "created_date": int,
        "modified_date": int,
        "archived_date": int,
        "parent_id": str,
        "storage_used": int,
        "assetSubType": str,
        "manifest_etag": str,
        "thumbnail": dict[str, Any],
        "description": str,
        "groups": list[dict[str, Any]],
        "sourceRef": str,
        "details": dict[str, Any],
        "representations": list[Representation],
        "library#createdData": dict[str, Any],
        "library#modifiedData": dict[str, Any],
        "_links": dict[str, Any],
    },
    total=False,
)


class UploadedFile(TypedDict, total=False):
    """The flat answer to an upload, which goes into a representation (compat §1.7)."""

    id: str
    storage_href: str
    asset_id: str
    type: str
    content_length: int
    etag: str
    md5: str
    version: str


class BatchResponse(TypedDict, total=False):
    status: int
    body: Any


class BatchResult(TypedDict, total=False):
    """``PATCH /libraries/{id}``: the requests as sent and the responses of those that ran,
    the failed one last (the batch stops there)."""

    requests: list[dict[str, Any]]
    responses: list[BatchResponse]
