"""components.schemas for what the server sends: libraries, elements, representations,
uploads, batches and errors.

The shapes are those ``cclibs.libraries.wire`` and the route modules build, after Adobe's
models (compat reference §1.4 to §1.8, §1.11). Objects the server builds field by field are
closed (``additionalProperties: false``), so a field added on the wire without a word here
fails the schema tests. An element and a representation keep the keys a client sent that the
server does not own, so theirs are open.
"""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.libraries.chunked import MAX_PART, MAX_PARTS
from cclibs.libraries.validation.representations import RELATIONSHIPS
from cclibs.libraries.wire import REL
from cclibs.web.api.openapi._schema import ANY, MIME, MS, Schema, array, count, obj, ref, text
from cclibs.web.api.openapi.bookmarks import BOOKMARK_ANSWERS
from cclibs.web.api.openapi.search import SEARCH_ANSWERS
from cclibs.web.api.openapi.sharing import SHARING_ANSWERS
from cclibs.web.api.openapi.webhooks import WEBHOOK_ANSWERS

__all__ = ["ANSWERS"]


def _links(*rels: str, templated: tuple[str, ...] = ()) -> Schema:
    props = {f"{REL}{rel}": ref("Link") for rel in rels}
    props.update({f"{REL}{rel}": ref("TemplatedLink") for rel in templated})
    return obj(
        props, tuple(props), description="Link relations (http://ns.adobe.com/melville/rel/...)."
    )


def _thumbnail(description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "type": {"const": "href"},
            "rendition": text("The thumbnail's URL (absolute): .../:rendition;size=200."),
        },
        "dependentRequired": {"type": ["rendition"], "rendition": ["type"]},
        "additionalProperties": False,
    }


_ENVELOPE = {"total_count": count("All the items of the query, not only this page's.")}

_COMMON: dict[str, Schema] = {
    "ErrorResponse": obj(
        {
            "reason": text("A short machine-readable word, such as not_found."),
            "message": text("What went wrong, and what to change."),
        },
        ("reason", "message"),
        description="Every error of the API (compat reference §1.11).",
    ),
    "Link": obj(
        {
            "href": text("Relative for API links (/api/v1/...), absolute for files."),
            "type": text("The media type found there."),
            "templated": {"type": "boolean", "description": "An RFC 6570 URI template."},
        },
        ("href",),
        description="A hypermedia link.",
    ),
    "TemplatedLink": obj(
        {
            "href": text("An RFC 6570 URI template."),
            "type": text("The media type found there."),
            "templated": {"const": True},
        },
        ("href", "templated"),
        description="A link to fill in (RFC 6570).",
    ),
    "PageSpec": obj(
        {
            "orderBy": text("The ordering of this list, such as -modified_date."),
            "start": text("The start this page was asked with."),
            "next": text("The start of the next page (a cursor); absent on the last page."),
            "count": count("Items on this page."),
        },
        ("orderBy", "start", "count"),
        description="Where this page is in the list.",
    ),
    "ListLinks": obj(
        {"page": ref("Link"), "next": ref("Link")},
        ("page",),
        description="This page, and the next one unless this is the last.",
    ),
    "ApiRoot": obj(
        {
            "name": text("The API's name."),
            "api_version": {"const": "v1"},
            "server_version": text("The cclibs version."),
            "_links": obj(
                {
                    name: ref("Link")
                    for name in ("libraries", "openapi", "docs", "authorization_server")
                },
                ("libraries", "openapi", "docs", "authorization_server"),
                description="Where to go next.",
            ),
        },
        ("name", "api_version", "server_version", "_links"),
        description="The API's entry point.",
    ),
    "OpenApiDocument": {
        "type": "object",
        "description": "This document (OpenAPI 3.1).",
        "required": ["openapi", "info", "paths"],
    },
    "HtmlPage": text("An HTML page."),
    "File": text("The file's bytes, with its own Content-Type.", format="binary"),
    "PNG": text("A PNG image.", format="binary", contentMediaType="image/png"),
    "Binary": text("Raw bytes.", format="binary", contentMediaType="application/octet-stream"),
}

_LIBRARIES: dict[str, Schema] = {
    "DbLibraryInfo": obj(
        {
            "id": text("The library's id."),
            "name": text("The library's name."),
            "library_urn": text("urn:aaid:sc:US:<id>; use it in paths."),
            "created_date": MS,
            "modified_date": MS,
            "version": text("Grows with every change (a whole number).", pattern="^[0-9]+$"),
            "ownership": {"enum": ["private", "incoming", "outgoing", "public"]},
            "creator": text("The owner's user id."),
            "region": text("The storage region, such as US."),
            "elements_count": count("Live elements."),
            "removed_elements_count": count("Archived elements."),
            "storage_used": count("Bytes of the uploaded files of its elements."),
            "assetSubType": {"const": "library"},
            "manifest_etag": text("The library's entity tag (its ETag)."),
            "_links": _links("id", "primary", "elements", "metadata/application"),
            "details": ref("LibraryDetails"),
            "collaboration": ref("LibraryCollaboration"),
            "groups": array(ref("ElementGroup"), "With selector=groups."),
            "rendition_grid": ref("RenditionGrid"),
            "bookmark": ref("DbLibraryBookmark"),
        },
        (
            *("id", "name", "library_urn", "created_date", "modified_date", "version"),
            *("ownership", "creator", "region", "elements_count", "removed_elements_count"),
            *("storage_used", "assetSubType", "manifest_etag", "_links"),
        ),
        description="A library (compat reference §1.5); selectors add the optional parts.",
    ),
    "LibrariesInfo": obj(
        {
            **_ENVELOPE,
            "libraries": array(ref("DbLibraryInfo"), "This page."),
            "_page": ref("PageSpec"),
            "_links": ref("ListLinks"),
        },
        ("total_count", "libraries", "_page", "_links"),
        description="A page of libraries.",
    ),
    "LibraryDetails": obj(
        {
            "etag": text("The library's ETag."),
            "state": {"const": "active"},
            "num_elements": count("Live elements."),
            "num_archived_elements": count("Archived elements."),
            "types": array(text("An element type."), "The element types it holds."),
            "element_type_counts": {
                "type": "object",
                "description": "Element type → how many.",
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
        },
        ("etag", "state", "num_elements", "num_archived_elements", "types"),
        description="With selector=details.",
    ),
    "Collaborator": obj(
        {
            "collaborator": text("A user id."),
            "role": text("owner, editor or viewer."),
            "canShare": {"type": "boolean"},
            "canComment": {"type": "boolean"},
            "email": text("Their email."),
            "displayName": text("Their name."),
        },
        ("collaborator", "role"),
        description="Someone with access to a library.",
    ),
    "Invitation": obj(
        {
            "id": text("The invitation's id."),
            "recipientEmail": text("Who is invited."),
            "senderName": text("Who invites."),
            "created": text("When."),
            "role": text("editor or viewer."),
            "canShare": {"type": "boolean"},
            "canComment": {"type": "boolean"},
        },
        ("id",),
        description="A pending invitation.",
    ),
    "LibraryCollaboration": obj(
        {
            "rootURN": text("The library's URN."),
            "ownerId": text("The owner's user id."),
            "state": text("private, or shared."),
            "collaborators": array(ref("Collaborator"), "Everyone with access."),
            "directCollaborators": array(ref("Collaborator"), "Those invited directly."),
            "invitations": array(ref("Invitation"), "Pending invitations."),
            "public": {"type": "boolean"},
            "hasAdmin": {"type": "boolean"},
        },
        ("rootURN", "ownerId", "state", "collaborators", "public"),
        description="With selector=collaboration.",
    ),
    "ElementGroup": {
        "type": "object",
        "description": "A group an element is in, as the client named it (id, name, "
        "classifier, order, ...).",
        "properties": {"id": text("The group's id."), "classifier": text("$default if none.")},
        "required": ["id"],
    },
    "Thumbnail": _thumbnail("An image link, or {} when there is none."),
    "RenditionGrid": obj(
        {
            "main": _thumbnail("The first element with a thumbnail, or {}."),
            "tiles": array(ref("Thumbnail"), "The three most recently changed ones."),
        },
        ("main", "tiles"),
        description="With selector=rendition_grid.",
    ),
}

_ELEMENTS: dict[str, Schema] = {
    "ClientStamp": {
        "type": "object",
        "description": "Who made or last changed an element, with what.",
        "properties": {
            "app": text("The application (the client id unless the client named one)."),
            "time": MS,
            "userId": text("The user."),
            "deviceId": text("The device's id, as the client named it."),
            "device": text("The device, as the client named it."),
        },
        "required": ["app", "time", "userId", "deviceId", "device"],
        "additionalProperties": False,
    },
    "ElementDetails": obj(
        {
            "tags": array({"type": "string"}, "Tags."),
            "created": ref("ClientStamp"),
            "lastModified": ref("ClientStamp"),
            "description": text("The element's description."),
        },
        ("tags",),
        description="With selector=details or full.",
    ),
    "DbLibraryElementRepresentationData": {
        "type": "object",
        "description": "One representation of an element: a file (storage_href) or data "
        "inline (color#data, font#data, ...). Keys the server does not own are kept as sent.",
        "properties": {
            "id": text("The representation's id."),
            "type": MIME,
            "relationship": {"enum": sorted(RELATIONSHIPS)},
            "asset_id": text("The uploaded file (file representations)."),
            "storage_href": text("Where to download the file (absolute)."),
            "content_length": count("The file's size in bytes."),
            "md5": text("Base64 MD5 of the file."),
            "etag": text("The file's entity tag."),
            "width": count("Pixels."),
            "height": count("Pixels."),
            "representation_order": count("Its place among the others."),
            "is_full_size": {"type": "boolean"},
            "is_external_link": {"type": "boolean"},
            "is_preferred_thumbnail": {"type": "boolean"},
            "_links": obj(
                {f"{REL}path": ref("Link")}, description="The file (file representations)."
            ),
        },
        "required": ["id", "type", "relationship"],
        "additionalProperties": True,
    },
    "DbLibraryElementData": {
        "type": "object",
        "description": "An element (compat reference §1.6). Keys a client sent that the "
        "server does not own (sourceRef, groups, ...) come back as sent.",
        "properties": {
            "id": text("The element's id."),
            "name": text("The element's name."),
            "type": text("Its element type, such as application/vnd.adobe.element.color+dcx."),
            "created_date": MS,
            "modified_date": MS,
            "archived_date": {**MS, "description": "When it was archived (archived only)."},
            "parent_id": text("The library's URN."),
            "storage_used": count("Bytes of its uploaded files."),
            "assetSubType": {"const": "element"},
            "manifest_etag": text("The element's entity tag (its ETag)."),
            "thumbnail": ref("Thumbnail"),
            "_links": _links(
                "id", "primary", "describedBy", "representations", templated=("rendition",)
            ),
            "library#createdData": ref("ClientStamp"),
            "library#modifiedData": ref("ClientStamp"),
            "description": text("Its description."),
            "details": ref("ElementDetails"),
            "representations": array(
                ref("DbLibraryElementRepresentationData"), "With selector=representations or full."
            ),
        },
        "required": [
            *("id", "name", "type", "created_date", "modified_date", "parent_id"),
            *("storage_used", "assetSubType", "manifest_etag", "thumbnail", "_links"),
        ],
        "additionalProperties": True,
    },
    "LibraryElementsInfo": obj(
        {
            **_ENVELOPE,
            "elements": array(ref("DbLibraryElementData"), "The elements."),
            "_page": ref("PageSpec"),
            "_links": ref("ListLinks"),
        },
        ("total_count", "elements"),
        description="Elements: a page of a list (with _page and _links), or those a write made.",
    ),
    "AsyncResponsePayload": obj(
        {"status": {"const": "OK"}, "message": text("What was done.")},
        ("status", "message"),
        description="The answer of a write done at once (never asynchronous here).",
    ),
}

_FILES: dict[str, Schema] = {
    "UploadedRepresentation": obj(
        {
            "id": text("The uploaded file's asset id."),
            "storage_href": text("Where to download it; put it in a representation."),
            "asset_id": text("The same asset id."),
            "type": text("Its MIME type."),
            "content_length": count("Its size in bytes."),
            "etag": text("Its entity tag."),
            "md5": text("Base64 MD5 of its bytes."),
            "version": {"const": "0"},
        },
        ("id", "storage_href", "asset_id", "type", "content_length", "etag", "md5", "version"),
        description="An uploaded file, to copy into an element's representation (§1.7).",
    ),
    "UploadedPart": obj(
        {
            "part_number": {"type": "integer", "minimum": 1, "maximum": MAX_PARTS},
            "size": count("Bytes."),
            "md5": text("Base64 MD5 of its bytes."),
        },
        ("part_number", "size", "md5"),
        description="A part received.",
    ),
    "ChunkedUpload": obj(
        {
            "upload_id": text("The upload's id."),
            "type": text("The file's MIME type."),
            "created_date": MS,
            "expires_date": {**MS, "description": "Unfinished, it is collected then."},
            "max_part_size": {"const": MAX_PART},
            "max_parts": {"const": MAX_PARTS},
            "parts": array(ref("UploadedPart"), "The parts received so far."),
            "_links": obj(
                {"self": ref("Link"), "part": ref("TemplatedLink"), "finalize": ref("Link")},
                ("self", "part", "finalize"),
                description="The upload; where its parts go; where to finalize it.",
            ),
        },
        (
            *("upload_id", "type", "created_date", "expires_date", "max_part_size"),
            *("max_parts", "parts", "_links"),
        ),
        description="A chunked upload under way.",
    ),
    "BatchResult": obj(
        {
            "status": {"type": "integer", "description": "The operation's HTTP status."},
            "body": {
                "description": "Its answer: LibraryElementsInfo, DbLibraryElementData, "
                "AsyncResponsePayload, ErrorResponse, or null (204).",
            },
        },
        ("status", "body"),
        description="One operation's answer.",
    ),
    "BatchResponse": obj(
        {
            "requests": array(ANY, "The requests, as sent."),
            "responses": array(
                ref("BatchResult"), "The answers of those that ran; a failed one is last."
            ),
        },
        ("requests", "responses"),
        description="What the batch did.",
    ),
}

ANSWERS: Mapping[str, Schema] = {
    **_COMMON,
    **_LIBRARIES,
    **_ELEMENTS,
    **_FILES,
    **BOOKMARK_ANSWERS,
    **SEARCH_ANSWERS,
    **SHARING_ANSWERS,
    **WEBHOOK_ANSWERS,
}
