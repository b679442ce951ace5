"""Representations as stored: ids assigned, uploaded files resolved, thumbnails chosen.

A client names an uploaded file by the ``storage_href`` the upload answered (or by ``path``,
the asset id). The stored representation keeps the asset id and the file's facts
(``content_length``, ``md5``, ``etag``) from the upload, not from the client; the links are
rebuilt on the way out, so a representation never points at another server or library.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.models import Asset, Element
from cclibs.libraries.validation import is_uploaded_type
from cclibs.libraries.validation.mime import essence, is_image

__all__ = [
    "ThumbnailSource",
    "asset_etag",
    "normalize_representations",
    "storage_used",
    "thumbnail_source",
]

_SERVER_KEYS = frozenset({"_links", "storage_href", "asset_id", "state", "is_component"})
"""Keys the server sets; what a client sends for them is replaced."""

AssetLookup = Callable[[str], Awaitable[Asset | None]]


def asset_etag(asset: Asset) -> str:
    return f'"{asset.blob_key[:32]}"'


def _asset_id_in(rep: Mapping[str, Any]) -> str | None:
    """The asset a representation names: ``component_id`` of its ``storage_href``, or its
    ``path`` (an asset id, as Adobe's create answer shows)."""
    href = rep.get("storage_href")
    if isinstance(href, str) and href.strip():
        try:
            query = parse_qs(urlsplit(href.strip()).query)
        except ValueError:
            return None
        ids = query.get("component_id") or []
        return ids[0] if len(ids) == 1 else None
    path = rep.get("path")
    if isinstance(path, str) and path.strip():
        return path.strip().rsplit("/", 1)[-1]
    return None


async def normalize_representations(
    reps: Sequence[Mapping[str, Any]],
    *,
    library_id: str,
    find_asset: AssetLookup,
    previous: Sequence[Mapping[str, Any]] = (),
    field: str = "representations",
) -> tuple[list[dict[str, Any]], list[Asset]]:
    """The representations to store, and the assets they reference.

    ``previous`` are the element's current representations (for PUT .../representations):
    one sent with the ``id`` of a current one keeps that id; an uploaded one keeps its file,
    which cannot be swapped under the same id (send a new representation without ``id``).
    Reps are validated before they come here."""
    current = {str(rep["id"]): rep for rep in previous if rep.get("id")}
    stored: list[dict[str, Any]] = []
    assets: dict[str, Asset] = {}
    seen_ids: set[str] = set()
    for index, rep in enumerate(reps):
        where = f"{field}[{index}]"
        out = {k: v for k, v in rep.items() if k not in _SERVER_KEYS}
        given_id = rep.get("id")
        kept = current.get(given_id) if isinstance(given_id, str) else None
        if kept is not None and given_id in seen_ids:
            kept = None  # the same id twice: the second is a new representation
        if isinstance(given_id, str):
            seen_ids.add(given_id)
        # Every representation written gets a new id (spec op 20: "The response's reps get
        # new ids"); ``kept`` only carries an uploaded file over.
        out["id"] = str(uuid.uuid4())
        out.setdefault("relationship", "rendition")
        if out["relationship"] is None:
            out["relationship"] = "rendition"
        if _file_backed(rep, kept):
            asset = await _resolve(rep, kept, where, library_id, find_asset)
            assets[asset.id] = asset
            out["asset_id"] = asset.id
            out["content_length"] = asset.content_length
            out["md5"] = asset.md5
            out["etag"] = asset_etag(asset)
            out.pop("path", None)
        stored.append(out)
    return stored, list(assets.values())


def _file_backed(rep: Mapping[str, Any], kept: Mapping[str, Any] | None) -> bool:
    """Whether a representation references an uploaded file: one of the uploaded types (§1.6),
    or any type that names a file by ``storage_href`` (a font file, ``application/x-...``) or
    keeps one under its id. Such a reference is never dropped silently: it resolves to a
    file of this library or the request is refused."""
    if is_uploaded_type(str(rep.get("type") or "")):
        return True
    href = rep.get("storage_href")
    return (isinstance(href, str) and bool(href.strip())) or bool(kept and kept.get("asset_id"))


async def _resolve(
    rep: Mapping[str, Any],
    kept: Mapping[str, Any] | None,
    where: str,
    library_id: str,
    find_asset: AssetLookup,
) -> Asset:
    named = _asset_id_in(rep)
    if kept is not None and kept.get("asset_id"):
        # An uploaded file is immutable under its representation id.
        if named is not None and named != kept["asset_id"]:
            raise InvalidElement(
                f"{where}.storage_href",
                "an uploaded file cannot be replaced under the same representation id; "
                "send the new file as a representation without an id",
            )
        named = str(kept["asset_id"])
    field = f"{where}.storage_href" if rep.get("storage_href") else f"{where}.path"
    if named is None:
        raise InvalidElement(
            field, "names no uploaded file; use the storage_href an upload answered"
        )
    asset = await find_asset(named)
    if asset is None or asset.library_id != library_id:
        raise InvalidElement(
            field,
            "names no file uploaded to this library; upload it with POST "
            "/api/v1/libraries/{libraryId}/representations/content first",
        )
    if essence(asset.type) != essence(str(rep.get("type"))) and not (
        is_image(asset.type) and is_image(str(rep.get("type")))
    ):
        raise InvalidElement(
            f"{where}.type",
            f"is {rep.get('type')}, but the uploaded file is {asset.type}",
        )
    return asset


def storage_used(assets: Sequence[Asset]) -> int:
    return sum({asset.id: asset.content_length for asset in assets}.values())


@dataclass(frozen=True, slots=True)
class ThumbnailSource:
    rep: Mapping[str, Any]
    asset_id: str | None
    """The uploaded image to scale; None for a swatch drawn from the representation."""


_SWATCH_TYPES = (
    "application/vnd.adobe.color+json",
    "application/vnd.adobe.gradient+json",
    "application/vnd.adobe.colortheme+json",
)


def thumbnail_source(element: Element) -> ThumbnailSource | None:
    """What an element's thumbnail shows: the preferred thumbnail, else a rendition image,
    else the primary image, else any uploaded image; else a swatch of its color, gradient or
    theme (primary first)."""
    images = [
        rep
        for rep in element.representations
        if rep.get("asset_id")
        and is_image(str(rep.get("type") or ""))
        # SVG is not rasterized here.
        and essence(str(rep.get("type"))) != "image/svg+xml"
    ]

    def rank(rep: Mapping[str, Any]) -> int:
        if rep.get("is_preferred_thumbnail") is True:
            return 0
        return {"rendition": 1, "primary": 2}.get(str(rep.get("relationship")), 3)

    if images:
        best = min(images, key=rank)
        return ThumbnailSource(best, str(best["asset_id"]))
    swatches = [
        rep for rep in element.representations if essence(str(rep.get("type"))) in _SWATCH_TYPES
    ]
    if swatches:
        best = min(swatches, key=lambda rep: 0 if rep.get("relationship") == "primary" else 1)
        return ThumbnailSource(best, None)
    return None
