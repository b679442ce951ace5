"""How a published library looks to someone who reads it publicly: through the public
endpoints, or in the caller's ``owner=public`` list (the public libraries they follow).

Its links lead to the public routes (``cclibs.web.api.public``), by the library's id; its
``ownership`` is ``public``; a caller with a token sees their ``bookmark`` of it (compat
reference §1.5: never on a call without one). Collaboration data is never shown here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from cclibs.libraries.access import Caller
from cclibs.libraries.models import Library
from cclibs.libraries.public import PublicLibraries
from cclibs.libraries.wire import Links, library_view, rendition_grid_view
from cclibs.storage.libraries import SqlLibraryTransactions
from cclibs.web.api.bookmarks import bookmark_field
from cclibs.web.state import AppState

__all__ = ["PUBLIC_LIBRARIES", "PublicLinks", "public_libraries", "public_library_json"]

PUBLIC_LIBRARIES = "/public/libraries"
"""Where published libraries are read, under ``/api/v1``: each at ``/{id}``, with its elements
(``/elements``), their files (``/files?component_id=``) and renditions (``/renditions``)."""


class PublicLinks(Links):
    """Links of a library read publicly: to the public routes, by the library's id."""

    @staticmethod
    def library(library: Library) -> str:
        return f"/api/v1{PUBLIC_LIBRARIES}/{library.id}"

    def asset(self, library: Library, asset_id: str) -> str:
        href = f"{self.base}{self.library(library)}/files"
        return f"{href}?component_id={quote(asset_id)}"

    def rendition(self, library_id: str, element_id: str, size: int | None = 200) -> str:
        """The thumbnail; without the last segment, the full-size file (as ``Links``)."""
        base = f"{self.base}/api/v1{PUBLIC_LIBRARIES}/{library_id}/renditions/{element_id}"
        return f"{base}/:rendition;size={size}" if size else base


def public_libraries(state: AppState) -> PublicLibraries:
    """The public reads over the app's database and its element and file services (small:
    made for each request rather than added to ``AppState``)."""
    return PublicLibraries(SqlLibraryTransactions(state.db), state.elements, state.library_files)


async def public_library_json(
    state: AppState, caller: Caller | None, library: Library, selectors: frozenset[str]
) -> dict[str, Any]:
    """``DbLibraryInfo`` of a published library; of the selectors, ``details`` and
    ``rendition_grid`` add to it (``collaboration`` and ``groups`` are not shown publicly)."""
    extra: dict[str, Any] = {}
    reads = public_libraries(state)
    if "details" in selectors:
        counts = await reads.type_counts(library)
        extra["details"] = {
            "etag": library.etag,
            "state": "active",
            "num_elements": library.elements_count,
            "num_archived_elements": library.archived_count,
            "types": sorted(counts),
            "element_type_counts": counts,
        }
    links = PublicLinks(state.settings.issuer)
    if "rendition_grid" in selectors:
        first = await reads.with_thumbnails(library, "created_date", 1)
        recent = await reads.with_thumbnails(library, "-modified_date", 3)
        extra["rendition_grid"] = rendition_grid_view(library, first, recent, links)
    if caller is not None:
        extra.update(await bookmark_field(state, caller, library.id))
    return library_view(library, links, extra=extra, public=True)
