"""Every operation of the Libraries API ``/api/v1``, written once (compat reference §1.2).

Each function builds the flow of one operation from the client's ``Settings`` and the
caller's arguments; ``Operations`` makes them methods of ``Client`` and ``AsyncClient``
(``_binding``). Paths, bodies and query names are the API's; list operations answer pages
that the clients follow through ``_links.next``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, cast
from urllib.parse import quote

import httpx

from cclibs.sdk.api._binding import operation, pages
from cclibs.sdk.api._colors import color_representation, theme_representation
from cclibs.sdk.api._core import (
    Call,
    Flow,
    Page,
    Settings,
    elements_of,
    first_element,
    json_object,
    nothing,
    one,
    page_reader,
)
from cclibs.sdk.api._transfer import upload_flow
from cclibs.sdk.api.types import (
    BatchResult,
    Color,
    Element,
    Library,
    Progress,
    Representation,
    UploadedFile,
)

__all__ = ["API", "IMAGE_ELEMENT", "Operations", "library_path", "rendition_path"]

API = "/api/v1"
IMAGE_ELEMENT = "application/vnd.adobe.element.image+dcx"
COLOR_ELEMENT = "application/vnd.adobe.element.color+dcx"
THEME_ELEMENT = "application/vnd.adobe.element.colortheme+dcx"

_library: Callable[[httpx.Response], Library] = cast(Any, json_object)
_element: Callable[[httpx.Response], Element] = first_element
_element_as_is: Callable[[httpx.Response], Element] = cast(Any, json_object)
_elements: Callable[[httpx.Response], list[Element]] = elements_of
_element_page: Callable[[httpx.Response], Page[Element]] = page_reader("elements")
Source = str | os.PathLike[str] | BinaryIO


def library_path(library_id: str) -> str:
    """Accepts the id or the URN (``urn:aaid:sc:US:...``), as the API does (compat §1.3)."""
    return f"{API}/libraries/{quote(library_id, safe=':')}"


def _element_path(library_id: str, element_id: str) -> str:
    return f"{library_path(library_id)}/elements/{quote(element_id, safe='')}"


def rendition_path(library_id: str, element_id: str, size: int | None) -> str:
    """An element's file (``size`` None) or its PNG thumbnail, longest side ``size`` (§1.7)."""
    base = f"{API}/storage/assets/adobe-libraries/{quote(library_id, safe=':')}/{quote(element_id)}"
    return f"{base}/:rendition;size={int(size)}" if size else base


def _query(**values: str | int | None) -> dict[str, str]:
    return {key: str(value) for key, value in values.items() if value is not None}


def _if_match(etag: str | None) -> dict[str, str]:
    return {"if-match": etag} if etag else {}


def _ids(element_ids: Sequence[str]) -> dict[str, Any]:
    return {"elements": list(element_ids)}


# Libraries -----------------------------------------------------------------------------


def root(settings: Settings) -> Flow[dict[str, Any]]:
    """The API's name, version and links (needs no token)."""
    return one(Call("GET", API, json_object))


def libraries(
    settings: Settings,
    *,
    owner: str | None = None,
    order_by: str | None = None,
    selector: str | None = None,
    page_size: int | None = None,
) -> Call[Page[Library]]:
    """The caller's libraries, page after page (the API sends at most 10 a page)."""
    params = _query(owner=owner, orderBy=order_by, selector=selector, limit=page_size)
    return Call("GET", f"{API}/libraries", page_reader("libraries"), params=params)


def library(settings: Settings, library_id: str, *, selector: str | None = None) -> Flow[Library]:
    return one(Call("GET", library_path(library_id), _library, params=_query(selector=selector)))


def create_library(settings: Settings, name: str) -> Flow[Library]:
    return one(Call("POST", f"{API}/libraries", _library, json={"name": name}))


def copy_library(settings: Settings, source_id: str, name: str | None = None) -> Flow[Library]:
    """A new library holding copies of ``source_id``'s elements (``source`` in the body)."""
    body: dict[str, Any] = {"source": source_id}
    if name is not None:
        body["name"] = name
    return one(Call("POST", f"{API}/libraries", _library, json=body))


def rename_library(
    settings: Settings, library_id: str, name: str, *, if_match: str | None = None
) -> Flow[None]:
    path = f"{library_path(library_id)}/metadata"
    return one(nothing("PUT", path, json={"name": name}, headers=_if_match(if_match)))


def delete_library(
    settings: Settings, library_id: str, *, if_match: str | None = None
) -> Flow[None]:
    return one(nothing("DELETE", library_path(library_id), headers=_if_match(if_match)))


def batch(
    settings: Settings,
    library_id: str,
    requests: list[dict[str, Any]],
    *,
    if_match: str | None = None,
) -> Flow[BatchResult]:
    """Several operations on one library, in order; ``${N:/pointer}`` in a path or body is
    a value from the answer of request N (see cclibs.web.api.batch). Stops at the first
    failure, which is the last response (not raised)."""
    read = cast(Callable[[httpx.Response], BatchResult], json_object)
    body = {"requests": requests}
    return one(
        Call("PATCH", library_path(library_id), read, json=body, headers=_if_match(if_match))
    )


# Elements ------------------------------------------------------------------------------


def elements(
    settings: Settings,
    library_id: str,
    *,
    type: str | None = None,
    group: str | None = None,
    order_by: str | None = None,
    selector: str | None = None,
    page_size: int | None = None,
) -> Call[Page[Element]]:
    """A library's live elements, page after page (at most 100 a page)."""
    params = _query(type=type, group=group, orderBy=order_by, selector=selector, limit=page_size)
    return Call("GET", f"{library_path(library_id)}/elements", _element_page, params=params)


def element(
    settings: Settings, library_id: str, element_id: str, *, selector: str | None = None
) -> Flow[Element]:
    path = _element_path(library_id, element_id)
    return one(Call("GET", path, _element_as_is, params=_query(selector=selector)))


def _client(settings: Settings) -> dict[str, str]:
    """Who made a change (``library#createdData``, compat §1.6)."""
    return {"app": settings.app, "device": settings.device, "deviceId": settings.device_id}


def create_element(
    settings: Settings,
    library_id: str,
    *,
    name: str,
    type: str,
    representations: Sequence[Representation | dict[str, Any]],
    description: str | None = None,
    groups: Sequence[dict[str, Any]] | None = None,
    source_ref: str | None = None,
) -> Flow[Element]:
    body: dict[str, Any] = {
        "name": name,
        "type": type,
        "client": _client(settings),
        "representations": list(representations),
    }
    extra = {"description": description, "groups": groups, "sourceRef": source_ref}
    body.update({key: value for key, value in extra.items() if value is not None})
    return one(Call("POST", f"{library_path(library_id)}/elements", _element, json=body))


def create_color(
    settings: Settings, library_id: str, name: str, color: Color, *, alpha: float | None = None
) -> Flow[Element]:
    """A color element whose primary representation is ``color`` in RGB (compat §1.9)."""
    rep = color_representation(color, alpha)
    return create_element(
        settings, library_id, name=name, type=COLOR_ELEMENT, representations=[rep]
    )


def create_color_theme(
    settings: Settings,
    library_id: str,
    name: str,
    swatches: Sequence[Color],
    *,
    rule: str | None = None,
    mood: str | None = None,
) -> Flow[Element]:
    """A color theme: exactly five swatches, each one RGB color (compat §1.9)."""
    reps = [theme_representation(swatches, rule, mood)]
    return create_element(settings, library_id, name=name, type=THEME_ELEMENT, representations=reps)


def upload(
    settings: Settings,
    library_id: str,
    source: Source,
    *,
    content_type: str | None = None,
    progress: Progress | None = None,
) -> Flow[UploadedFile]:
    """Upload a file, streamed from disk: in one multipart request up to the client's
    ``chunked_above``, through the chunked upload API above it. ``content_type`` is guessed
    from the file name when not given."""
    return upload_flow(settings, library_path(library_id), source, content_type, progress)


def representation_of(uploaded: UploadedFile, relationship: str = "primary") -> Representation:
    """The representation that names an uploaded file (compat §1.7: the upload's answer,
    copied)."""
    keys = ("type", "storage_href", "content_length", "etag", "md5", "version")
    rep: dict[str, Any] = {key: uploaded[key] for key in keys if key in uploaded}  # type: ignore[literal-required]
    rep["relationship"] = relationship
    return cast(Representation, rep)


def create_file_element(
    settings: Settings,
    library_id: str,
    name: str,
    source: Source,
    *,
    content_type: str | None = None,
    element_type: str = IMAGE_ELEMENT,
    progress: Progress | None = None,
) -> Flow[Element]:
    """Upload ``source``, then create an element with the file as its primary representation."""
    uploaded = yield from upload(
        settings, library_id, source, content_type=content_type, progress=progress
    )
    reps = [representation_of(uploaded)]
    return (
        yield from create_element(
            settings, library_id, name=name, type=element_type, representations=reps
        )
    )


def _transfer(library_id: str, source_id: str, ids: Sequence[str], key: str) -> Flow[list[Element]]:
    body = {key: {"elements": list(ids), "id": source_id}}
    return one(Call("POST", f"{library_path(library_id)}/elements", _elements, json=body))


def copy_elements(
    settings: Settings, library_id: str, source_library_id: str, element_ids: Sequence[str]
) -> Flow[list[Element]]:
    """Copies of elements of ``source_library_id`` (the same library duplicates them)."""
    return _transfer(library_id, source_library_id, element_ids, "source")


def move_elements(
    settings: Settings, library_id: str, source_library_id: str, element_ids: Sequence[str]
) -> Flow[list[Element]]:
    return _transfer(library_id, source_library_id, element_ids, "self")


def update_elements(
    settings: Settings, library_id: str, changes: Sequence[dict[str, Any]]
) -> Flow[None]:
    """Names and descriptions: ``[{"id", "name"?, "description"?}]`` (an empty description
    removes it)."""
    path = f"{library_path(library_id)}/elements/metadata"
    return one(nothing("PUT", path, json={"elements": list(changes)}))


def put_representations(
    settings: Settings,
    library_id: str,
    element_id: str,
    representations: Sequence[Representation | dict[str, Any]],
    *,
    if_match: str | None = None,
) -> Flow[Element]:
    """Replace the element's representations: the list is the complete new set (§1.6)."""
    path = f"{_element_path(library_id, element_id)}/representations"
    body = {"representations": list(representations), "client": _client(settings)}
    return one(Call("PUT", path, _element, json=body, headers=_if_match(if_match)))


def archive_element(
    settings: Settings, library_id: str, element_id: str, *, if_match: str | None = None
) -> Flow[None]:
    path = _element_path(library_id, element_id)
    return one(nothing("DELETE", path, headers=_if_match(if_match)))


def archive_elements(settings: Settings, library_id: str, element_ids: Sequence[str]) -> Flow[None]:
    return one(nothing("DELETE", f"{library_path(library_id)}/elements", json=_ids(element_ids)))


# Archive -------------------------------------------------------------------------------


def archived_elements(
    settings: Settings,
    library_id: str,
    *,
    type: str | None = None,
    order_by: str | None = None,
    page_size: int | None = None,
) -> Call[Page[Element]]:
    params = _query(type=type, orderBy=order_by, limit=page_size)
    return Call("GET", f"{library_path(library_id)}/archive", _element_page, params=params)


def restore_elements(
    settings: Settings, library_id: str, element_ids: Sequence[str]
) -> Flow[dict[str, Any]]:
    path = f"{library_path(library_id)}/archive"
    return one(Call("POST", path, json_object, json=_ids(element_ids)))


def purge_archived(
    settings: Settings, library_id: str, element_ids: Sequence[str] | None = None
) -> Flow[None]:
    """Delete archived elements for good: those named, or (None) the whole archive."""
    body = _ids(element_ids) if element_ids is not None else None
    return one(nothing("DELETE", f"{library_path(library_id)}/archive", json=body))


def purge_element(settings: Settings, library_id: str, element_id: str) -> Flow[None]:
    path = f"{library_path(library_id)}/archive/{quote(element_id, safe='')}"
    return one(nothing("DELETE", path))


class Operations:
    """The operations both clients share; see each function above for its parameters."""

    root = operation(root)
    libraries = pages(libraries)
    library = operation(library)
    create_library = operation(create_library)
    copy_library = operation(copy_library)
    rename_library = operation(rename_library)
    delete_library = operation(delete_library)
    batch = operation(batch)
    elements = pages(elements)
    element = operation(element)
    create_element = operation(create_element)
    create_color = operation(create_color)
    create_color_theme = operation(create_color_theme)
    create_file_element = operation(create_file_element)
    copy_elements = operation(copy_elements)
    move_elements = operation(move_elements)
    update_elements = operation(update_elements)
    put_representations = operation(put_representations)
    archive_element = operation(archive_element)
    archive_elements = operation(archive_elements)
    archived_elements = pages(archived_elements)
    restore_elements = operation(restore_elements)
    purge_archived = operation(purge_archived)
    purge_element = operation(purge_element)
    upload = operation(upload)
