"""The Libraries API's values: libraries, elements, uploaded assets, orderings and positions.

Dates are epoch milliseconds, as on the wire. A library's ``version`` goes up with every change
to it or to any of its elements; an element's with every change to that element. ETags are
derived from ids and versions, so they change exactly when the content does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

__all__ = [
    "REGION",
    "Asset",
    "Element",
    "ElementFilter",
    "Library",
    "Membership",
    "Ordering",
    "Position",
    "SortKey",
    "Upload",
    "UploadPart",
    "library_id_from",
]

REGION = "US"
"""The region part of library URNs (``urn:aaid:sc:US:<uuid>``), as Adobe's US libraries."""

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_URN = re.compile(r"^urn:aaid:sc:[a-z0-9_-]{1,16}:(?P<id>[0-9a-f-]{36})$")


def library_id_from(given: str) -> str | None:
    """The library id in a path: an id or a ``library_urn``, in any letter case (compat
    reference §1.3: samples send both, and Adobe's own links lower-case the URN)."""
    lowered = given.strip().lower()
    match = _URN.match(lowered)
    candidate = match.group("id") if match else lowered
    return candidate if _UUID.match(candidate) else None


@lru_cache(maxsize=4096)  # a list shows each item's ETag: the same few, asked again and again
def _etag(kind: str, id_: str, version: int) -> str:
    digest = hashlib.sha256(f"{kind}:{id_}:{version}".encode()).hexdigest()[:32]
    return f'"{digest}"'


@dataclass(frozen=True, slots=True)
class Membership:
    """A collaborator's standing in a library someone else owns."""

    user_id: str
    role: Literal["viewer", "editor"]
    can_share: bool
    can_comment: bool


@dataclass(frozen=True, slots=True)
class Library:
    id: str
    """A lower-case UUID; the URN is derived from it."""
    owner_id: str
    name: str
    created_ms: int
    modified_ms: int
    version: int
    elements_count: int
    """Elements not archived."""
    archived_count: int
    storage_used: int
    """Bytes of the uploaded assets its elements reference."""
    published_ms: int | None = None
    """When the owner published it publicly; ``None``: not public."""
    shared: bool = False
    """Whether anyone collaborates on it (loaded with it; never written)."""
    membership: Membership | None = None
    """The collaborator row of the user it was loaded for (``LibraryStore.library(...,
    for_user=...)``), if that user collaborates on it (loaded with it; never written)."""

    @property
    def urn(self) -> str:
        return f"urn:aaid:sc:{REGION}:{self.id}"

    @property
    def etag(self) -> str:
        return _etag("library", self.id, self.version)


@dataclass(frozen=True, slots=True)
class Element:
    id: str
    library_id: str
    name: str
    type: str
    created_ms: int
    modified_ms: int
    archived_ms: int | None
    version: int
    data: Mapping[str, Any]
    """What the client gave and the API gives back besides the columns above: description,
    details, groups, sourceRef, the creating client, and any key it sent that is not known."""
    representations: tuple[Mapping[str, Any], ...]
    """Each with its server-assigned ``id``; uploaded ones carry ``asset_id``."""
    storage_used: int = 0

    @property
    def etag(self) -> str:
        return _etag("element", self.id, self.version)

    @property
    def asset_ids(self) -> frozenset[str]:
        return frozenset(
            str(rep["asset_id"]) for rep in self.representations if rep.get("asset_id")
        )

    @property
    def group_keys(self) -> tuple[str, ...]:
        """``classifier#group_id`` of each group (``$default`` when no classifier is given)."""
        keys = []
        groups = self.data.get("groups")
        for group in groups if isinstance(groups, list) else ():
            if isinstance(group, Mapping) and group.get("id"):
                keys.append(f"{group.get('classifier') or '$default'}#{group['id']}")
        return tuple(keys)


@dataclass(frozen=True, slots=True)
class Asset:
    """An uploaded file (``POST .../representations/content``), before or after an element
    references it. The bytes are the blob ``blob_key``; several assets may share one blob."""

    id: str
    library_id: str
    owner_id: str
    blob_key: str
    type: str
    content_length: int
    md5: str
    created_ms: int


SortField = Literal["name", "modified_date", "created_date"]


@dataclass(frozen=True, slots=True)
class SortKey:
    field: SortField
    descending: bool


@dataclass(frozen=True, slots=True)
class Ordering:
    """``orderBy`` parsed: keys in order; ties are broken by id, ascending."""

    keys: tuple[SortKey, ...]

    def text(self) -> str:
        return ",".join(("-" if k.descending else "") + k.field for k in self.keys)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended (keyset pagination): the sort values of its last item, and its id.

    Values are what the store sorts by: ``name`` case-folded, dates as epoch ms."""

    values: tuple[str | int, ...]
    id: str


@dataclass(frozen=True, slots=True)
class ElementFilter:
    archived: bool = False
    types: tuple[str, ...] = ()
    """Element types (any of them); empty for all."""
    group: str | None = None
    """``classifier#group_id``; ``$none$`` for elements in no group."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A chunked upload in progress (``.../representations/uploads``)."""

    id: str
    library_id: str
    owner_id: str
    type: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class UploadPart:
    number: int
    """1-based; the file is the parts in number order."""
    blob_key: str
    size: int
    md5: str
