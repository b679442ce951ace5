"""The JSON the API sends: libraries, elements and representations in Adobe's shapes.

Field names, epoch-millisecond dates and the ``http://ns.adobe.com/melville/rel/...`` link
relations follow the compat reference §1.4 to §1.7. API links are relative (``/api/v1/...``, as
Adobe's are); file and rendition links are absolute, since clients fetch them as given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from cclibs.libraries.errors import BadRequest
from cclibs.libraries.models import Asset, Element, Library

__all__ = [
    "ELEMENT_SELECTORS",
    "LIBRARY_SELECTORS",
    "Links",
    "asset_view",
    "element_view",
    "library_view",
    "ownership",
    "parse_selectors",
    "rendition_grid_view",
]

REL = "http://ns.adobe.com/melville/rel/"
LIBRARY_SELECTORS = frozenset({"default", "details", "collaboration", "groups", "rendition_grid"})
ELEMENT_SELECTORS = frozenset({"default", "details", "representations", "full"})
_INTERNAL = frozenset({"client"})
"""Keys of ``Element.data`` that are kept but shown under other names."""


def parse_selectors(text: str | None, allowed: frozenset[str]) -> frozenset[str]:
    chosen = frozenset(s.strip() for s in (text or "default").split(",") if s.strip())
    unknown = sorted(chosen - allowed)
    if unknown:
        raise BadRequest(
            f"selector: {', '.join(unknown)} is not known here; use {', '.join(sorted(allowed))}."
        )
    return chosen or frozenset({"default"})


def _link(href: str, *, type_: str = "application/json", templated: bool = False) -> dict[str, Any]:
    link: dict[str, Any] = {"href": href, "type": type_}
    if templated:
        link["templated"] = True
    return link


class Links:
    """Where things are, on this server (``base``: the public URL, e.g. the issuer)."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")

    @staticmethod
    def library(library: Library) -> str:
        return f"/api/v1/libraries/{library.urn}"

    def elements(self, library: Library, **query: str | int) -> str:
        path = f"{self.library(library)}/elements"
        return f"{path}?{urlencode(query)}" if query else path

    def element(self, library: Library, element_id: str) -> str:
        return f"{self.library(library)}/elements/{element_id}"

    def asset(self, library: Library, asset_id: str) -> str:
        """``storage_href`` of an uploaded file (the shape of Adobe's storage links)."""
        return f"{self.base}/api/v1/storage/id/{library.urn}?component_id={quote(asset_id)}"

    def rendition(self, library_id: str, element_id: str, size: int | None = 200) -> str:
        """An element's thumbnail; without the last segment it is the full-size asset."""
        base = f"{self.base}/api/v1/storage/assets/adobe-libraries/{library_id}/{element_id}"
        return f"{base}/:rendition;size={size}" if size else base


def ownership(library: Library, *, public: bool = False) -> str:
    """``ownership`` (compat reference §1.5, in the docs' lower case) as seen by the user the
    library was loaded for: ``incoming`` when shared with them (their ``membership``),
    ``outgoing`` when theirs and shared, ``private`` when theirs alone, ``public`` through
    the public endpoints. (A stranger is never shown a library: ``access.require``.)"""
    if public:
        return "public"
    if library.membership is not None:
        return "incoming"
    return "outgoing" if library.shared else "private"


def library_view(
    library: Library,
    links: Links,
    *,
    extra: Mapping[str, Any] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    """``DbLibraryInfo``; ``extra`` holds what selectors add (details, groups, ...);
    ``public``: shown through the public endpoints."""
    href = links.library(library)
    view: dict[str, Any] = {
        "id": library.id,
        "name": library.name,
        "library_urn": library.urn,
        "created_date": library.created_ms,
        "modified_date": library.modified_ms,
        "version": str(library.version),
        "ownership": ownership(library, public=public),
        "creator": library.owner_id,
        "region": "US",
        "elements_count": library.elements_count,
        "removed_elements_count": library.archived_count,
        "storage_used": library.storage_used,
        "assetSubType": "library",
        "manifest_etag": library.etag,
        "_links": {
            f"{REL}id": _link(href),
            f"{REL}primary": _link(href),
            f"{REL}elements": _link(links.elements(library)),
            f"{REL}metadata/application": _link(f"{href}/metadata"),
        },
    }
    if extra:
        view.update(extra)
    return view


def _client_data(data: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = data.get(key)
    return dict(value) if isinstance(value, Mapping) else None


def representation_view(rep: Mapping[str, Any], library: Library, links: Links) -> dict[str, Any]:
    view = {k: v for k, v in rep.items() if k != "_links"}
    rep_links: dict[str, Any] = {}
    if rep.get("asset_id"):
        href = links.asset(library, str(rep["asset_id"]))
        view["storage_href"] = href
        rep_links[f"{REL}path"] = _link(href, type_=str(rep.get("type") or ""))
    if rep_links:
        view["_links"] = rep_links
    return view


def element_view(
    element: Element,
    library: Library,
    links: Links,
    selectors: frozenset[str],
    *,
    has_thumbnail: bool,
) -> dict[str, Any]:
    """``DbLibraryElementData``: the default fields, plus details and representations when
    the selectors ask for them (``full`` is both)."""
    data = element.data
    href = links.element(library, element.id)
    view: dict[str, Any] = {
        key: value for key, value in data.items() if key not in _INTERNAL and key != "details"
    }
    view.update(
        {
            "id": element.id,
            "name": element.name,
            "type": element.type,
            "created_date": element.created_ms,
            "modified_date": element.modified_ms,
            "parent_id": library.urn,
            "storage_used": element.storage_used,
            "assetSubType": "element",
            "manifest_etag": element.etag,
            "thumbnail": (
                {"type": "href", "rendition": links.rendition(library.id, element.id)}
                if has_thumbnail
                else {}
            ),
            "_links": {
                f"{REL}id": _link(href),
                f"{REL}primary": _link(href),
                f"{REL}describedBy": _link(href),
                f"{REL}representations": _link(f"{href}?selector=representations"),
                f"{REL}rendition": _link(
                    links.rendition(library.id, element.id, None) + "/:rendition{;size}",
                    type_="image/png",
                    templated=True,
                ),
            },
        }
    )
    if element.archived_ms is not None:
        view["archived_date"] = element.archived_ms
    created = _client_data(data, "library#createdData")
    modified = _client_data(data, "library#modifiedData")
    if selectors & {"details", "full"}:
        details = (
            dict(data.get("details") or {}) if isinstance(data.get("details"), Mapping) else {}
        )
        details.setdefault("tags", [])
        if created:
            details.setdefault("created", created)
        if modified:
            details.setdefault("lastModified", modified)
        if isinstance(data.get("description"), str):
            details.setdefault("description", data["description"])
        view["details"] = details
    if selectors & {"representations", "full"}:
        view["representations"] = [
            representation_view(rep, library, links) for rep in element.representations
        ]
    return view


def rendition_grid_view(
    library: Library, first: Sequence[Element], recent: Sequence[Element], links: Links
) -> dict[str, Any]:
    """``rendition_grid`` (compat reference §1.3): ``main`` the first element with a
    thumbnail, ``tiles`` the most recently changed ones."""

    def tile(element: Element) -> dict[str, Any]:
        return {"type": "href", "rendition": links.rendition(library.id, element.id)}

    return {"main": tile(first[0]) if first else {}, "tiles": [tile(e) for e in recent]}


def asset_view(asset: Asset, library: Library, links: Links) -> dict[str, Any]:
    """The flat answer to an upload, which clients copy into an element's representation
    (compat reference §1.7)."""
    return {
        "id": asset.id,
        "storage_href": links.asset(library, asset.id),
        "asset_id": asset.id,
        "type": asset.type,
        "content_length": asset.content_length,
        "etag": f'"{asset.blob_key[:32]}"',
        "md5": asset.md5,
        "version": "0",
    }


def page_view(
    name: str,
    items: Sequence[dict[str, Any]],
    total: int,
    *,
    ordering: str,
    start: str,
    next_start: str | None,
    next_href: str | None,
    page_href: str,
) -> dict[str, Any]:
    """The list envelope (``LibrariesInfo`` / ``LibraryElementsInfo``)."""
    page: dict[str, Any] = {"orderBy": ordering, "start": start, "count": len(items)}
    links: dict[str, Any] = {"page": _link(page_href)}
    if next_start is not None and next_href is not None:
        page["next"] = next_start
        links["next"] = _link(next_href)
    return {"total_count": total, name: list(items), "_page": page, "_links": links}
