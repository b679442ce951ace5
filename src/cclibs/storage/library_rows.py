"""Library rows and the domain's dataclasses, converted once per type.

JSON values (element data, representations) are Text written by ``json.dumps``, identical on
SQLite and PostgreSQL; ``group_keys`` is a space-delimited column of group tokens, so a substring
test finds the elements of a group on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row

from cclibs import json_values
from cclibs.libraries.models import Asset, Element, Library, Membership
from cclibs.storage.tables import LibraryAssetRow, LibraryElementRow, LibraryRow

__all__ = [
    "asset_columns",
    "asset_of",
    "element_columns",
    "element_of",
    "group_column",
    "group_token",
    "library_columns",
    "library_of",
]


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def library_of(
    row: LibraryRow | Row[Any], *, shared: bool = False, membership: Membership | None = None
) -> Library:
    """From the ORM row, or a Core row holding the libraries' columns by their names; with
    whether it is shared and the reader's membership when the query knows them."""
    return Library(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        created_ms=row.created_ms,
        modified_ms=row.modified_ms,
        version=row.version,
        elements_count=row.elements_count,
        archived_count=row.archived_count,
        storage_used=row.storage_used,
        published_ms=row.published_ms,
        shared=shared,
        membership=membership,
    )


def library_columns(library: Library) -> dict[str, object]:
    return {
        "id": library.id,
        "owner_id": library.owner_id,
        "name": library.name,
        "name_key": library.name.casefold(),
        "created_ms": library.created_ms,
        "modified_ms": library.modified_ms,
        "version": library.version,
        "elements_count": library.elements_count,
        "archived_count": library.archived_count,
        "storage_used": library.storage_used,
        "published_ms": library.published_ms,
    }


def group_token(key: str) -> str:
    # Keys are stored between spaces; encoding a space (and '%', the escape) inside a key keeps
    # one key from ever reading as two.
    return key.replace("%", "%25").replace(" ", "%20")


def group_column(keys: Iterable[str]) -> str:
    return "".join(f" {group_token(key)}" for key in keys) + " "


def element_of(row: LibraryElementRow | Row[Any]) -> Element:
    """From the ORM row, or a Core row holding the elements' columns by their names."""
    return Element(
        id=row.id,
        library_id=row.library_id,
        name=row.name,
        type=row.type,
        created_ms=row.created_ms,
        modified_ms=row.modified_ms,
        archived_ms=row.archived_ms,
        version=row.version,
        data=json_values.loads(row.data),
        representations=tuple(json_values.loads(row.representations)),
        storage_used=row.storage_used,
    )


def element_columns(element: Element) -> dict[str, object]:
    return {
        "id": element.id,
        "library_id": element.library_id,
        "name": element.name,
        "name_key": element.name.casefold(),
        "type": element.type,
        "created_ms": element.created_ms,
        "modified_ms": element.modified_ms,
        "archived": element.archived_ms is not None,
        "archived_ms": element.archived_ms,
        "version": element.version,
        "storage_used": element.storage_used,
        "data": _json(dict(element.data)),
        "representations": _json([dict(rep) for rep in element.representations]),
        "group_keys": group_column(element.group_keys),
    }


def asset_of(row: LibraryAssetRow) -> Asset:
    return Asset(
        id=row.id,
        library_id=row.library_id,
        owner_id=row.owner_id,
        blob_key=row.blob_key,
        type=row.type,
        content_length=row.content_length,
        md5=row.md5,
        created_ms=row.created_ms,
    )


def asset_columns(asset: Asset) -> dict[str, object]:
    return {
        "id": asset.id,
        "library_id": asset.library_id,
        "owner_id": asset.owner_id,
        "blob_key": asset.blob_key,
        "type": asset.type,
        "content_length": asset.content_length,
        "md5": asset.md5,
        "created_ms": asset.created_ms,
    }
