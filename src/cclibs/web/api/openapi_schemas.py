"""What the OpenAPI document says about the API's values: component schemas, parameters and
error responses, each written once (``cclibs.web.api.openapi`` assembles them per operation).

The shapes are those ``cclibs.libraries.wire`` and the route modules send, which follow
Adobe's models (compat reference §1.4 to §1.8, §1.11). Objects the server builds field by
field are closed (``additionalProperties: false``), so a field added on the wire without a
word here fails the schema tests. An element and a representation keep the keys a client
sent that the server does not own, so theirs are open.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.chunked import MAX_PART, MAX_PARTS
from cclibs.libraries.renditions import MAX_RENDITION_SIZE
from cclibs.libraries.service import ELEMENT_PAGE, LIBRARY_PAGE, MAX_BATCH_IDS
from cclibs.libraries.validation.elements import MAX_NAME_LENGTH
from cclibs.libraries.validation.representations import RELATIONSHIPS
from cclibs.libraries.wire import ELEMENT_SELECTORS, LIBRARY_SELECTORS, REL
from cclibs.web.api.batch import MAX_BATCH_REQUESTS, SUPPORTED

__all__ = [
    "ERROR_RESPONSES",
    "HEADER_PARAMETERS",
    "PATH_PARAMETERS",
    "QUERY_PARAMETERS",
    "SCHEMAS",
    "SECURITY_SCHEMES",
    "media_type_of",
    "ref",
]

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    properties: Mapping[str, Schema],
    required: tuple[str, ...] = (),
    *,
    description: str,
    open_: bool = False,
) -> Schema:
    schema: Schema = {
        "type": "object",
        "description": description,
        "properties": dict(properties),
        "additionalProperties": open_,
    }
    if required:
        schema["required"] = list(required)
    return schema


def _text(description: str, **more: Any) -> Schema:
    return {"type": "string", "description": description, **more}


def _count(description: str) -> Schema:
    return {"type": "integer", "format": "int64", "minimum": 0, "description": description}


def _array(items: Schema, description: str, **more: Any) -> Schema:
    return {"type": "array", "items": items, "description": description, **more}


_MS = {"type": "integer", "format": "int64", "description": "Epoch milliseconds."}
_NAME = _text(
    f"Not blank; at most {MAX_NAME_LENGTH} characters.",
    minLength=1,
    maxLength=MAX_NAME_LENGTH,
    pattern=r"\S",
)
_MIME = _text("A concrete MIME type, such as image/png.", pattern=r"^[^\s/]+/[^\s/]+")
_ANY: Schema = {"description": "Any JSON value."}
_ELEMENT_ID = _text("An element id.", pattern=r"\S")


def _links(*rels: str, templated: tuple[str, ...] = ()) -> Schema:
    props = {f"{REL}{rel}": ref("Link") for rel in rels}
    props.update({f"{REL}{rel}": ref("TemplatedLink") for rel in templated})
    return _object(
        props, tuple(props), description="Link relations (http://ns.adobe.com/melville/rel/...)."
    )


def _thumbnail(description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "type": {"const": "href"},
            "rendition": _text("The thumbnail's URL (absolute): .../:rendition;size=200."),
        },
        "dependentRequired": {"type": ["rendition"], "rendition": ["type"]},
        "additionalProperties": False,
    }


_ENVELOPE = {"total_count": _count("All the items of the query, not only this page's.")}

_COMMON: dict[str, Schema] = {
    "ErrorResponse": _object(
        {
            "reason": _text("A short machine-readable word, such as not_found."),
            "message": _text("What went wrong, and what to change."),
        },
        ("reason", "message"),
        description="Every error of the API (compat reference §1.11).",
    ),
    "Link": _object(
        {
            "href": _text("Relative for API links (/api/v1/...), absolute for files."),
            "type": _text("The media type found there."),
            "templated": {"type": "boolean", "description": "An RFC 6570 URI template."},
        },
        ("href",),
        description="A hypermedia link.",
    ),
    "TemplatedLink": _object(
        {
            "href": _text("An RFC 6570 URI template."),
            "type": _text("The media type found there."),
            "templated": {"const": True},
        },
        ("href", "templated"),
        description="A link to fill in (RFC 6570).",
    ),
    "PageSpec": _object(
        {
            "orderBy": _text("The ordering of this list, such as -modified_date."),
            "start": _text("The start this page was asked with."),
            "next": _text("The start of the next page (a cursor); absent on the last page."),
            "count": _count("Items on this page."),
        },
        ("orderBy", "start", "count"),
        description="Where this page is in the list.",
    ),
    "ListLinks": _object(
        {"page": ref("Link"), "next": ref("Link")},
        ("page",),
        description="This page, and the next one unless this is the last.",
    ),
    "ApiRoot": _object(
        {
            "name": _text("The API's name."),
            "api_version": {"const": "v1"},
            "server_version": _text("The cclibs version."),
            "_links": _object(
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
    "HtmlPage": _text("An HTML page."),
    "File": _text("The file's bytes, with its own Content-Type.", format="binary"),
    "PNG": _text("A PNG image.", format="binary", contentMediaType="image/png"),
    "Binary": _text("Raw bytes.", format="binary", contentMediaType="application/octet-stream"),
}

_LIBRARIES: dict[str, Schema] = {
    "DbLibraryInfo": _object(
        {
            "id": _text("The library's id."),
            "name": _text("The library's name."),
            "library_urn": _text("urn:aaid:sc:US:<id>; use it in paths."),
            "created_date": _MS,
            "modified_date": _MS,
            "version": _text("Grows with every change (a whole number).", pattern="^[0-9]+$"),
            "ownership": {"enum": ["private", "incoming", "outgoing", "public"]},
            "creator": _text("The owner's user id."),
            "region": _text("The storage region, such as US."),
            "elements_count": _count("Live elements."),
            "removed_elements_count": _count("Archived elements."),
            "storage_used": _count("Bytes of the uploaded files of its elements."),
            "assetSubType": {"const": "library"},
            "manifest_etag": _text("The library's entity tag (its ETag)."),
            "_links": _links("id", "primary", "elements", "metadata/application"),
            "details": ref("LibraryDetails"),
            "collaboration": ref("LibraryCollaboration"),
            "groups": _array(ref("ElementGroup"), "With selector=groups."),
            "rendition_grid": ref("RenditionGrid"),
        },
        (
            *("id", "name", "library_urn", "created_date", "modified_date", "version"),
            *("ownership", "creator", "region", "elements_count", "removed_elements_count"),
            *("storage_used", "assetSubType", "manifest_etag", "_links"),
        ),
        description="A library (compat reference §1.5); selectors add the optional parts.",
    ),
    "LibrariesInfo": _object(
        {
            **_ENVELOPE,
            "libraries": _array(ref("DbLibraryInfo"), "This page."),
            "_page": ref("PageSpec"),
            "_links": ref("ListLinks"),
        },
        ("total_count", "libraries", "_page", "_links"),
        description="A page of libraries.",
    ),
    "LibraryDetails": _object(
        {
            "etag": _text("The library's ETag."),
            "state": {"const": "active"},
            "num_elements": _count("Live elements."),
            "num_archived_elements": _count("Archived elements."),
            "types": _array(_text("An element type."), "The element types it holds."),
            "element_type_counts": {
                "type": "object",
                "description": "Element type → how many.",
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
        },
        ("etag", "state", "num_elements", "num_archived_elements", "types"),
        description="With selector=details.",
    ),
    "Collaborator": _object(
        {
            "collaborator": _text("A user id."),
            "role": _text("owner, editor or viewer."),
            "canShare": {"type": "boolean"},
            "canComment": {"type": "boolean"},
            "email": _text("Their email."),
            "displayName": _text("Their name."),
        },
        ("collaborator", "role"),
        description="Someone with access to a library.",
    ),
    "Invitation": _object(
        {
            "id": _text("The invitation's id."),
            "recipientEmail": _text("Who is invited."),
            "senderName": _text("Who invites."),
            "created": _text("When."),
            "role": _text("editor or viewer."),
            "canShare": {"type": "boolean"},
            "canComment": {"type": "boolean"},
        },
        ("id",),
        description="A pending invitation.",
    ),
    "LibraryCollaboration": _object(
        {
            "rootURN": _text("The library's URN."),
            "ownerId": _text("The owner's user id."),
            "state": _text("private, or shared."),
            "collaborators": _array(ref("Collaborator"), "Everyone with access."),
            "directCollaborators": _array(ref("Collaborator"), "Those invited directly."),
            "invitations": _array(ref("Invitation"), "Pending invitations."),
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
        "properties": {"id": _text("The group's id."), "classifier": _text("$default if none.")},
        "required": ["id"],
    },
    "Thumbnail": _thumbnail("An image link, or {} when there is none."),
    "RenditionGrid": _object(
        {
            "main": _thumbnail("The first element with a thumbnail, or {}."),
            "tiles": _array(ref("Thumbnail"), "The three most recently changed ones."),
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
            "app": _text("The application (the client id unless the client named one)."),
            "time": _MS,
            "userId": _text("The user."),
            "deviceId": _text("The device's id, as the client named it."),
            "device": _text("The device, as the client named it."),
        },
        "required": ["app", "time", "userId", "deviceId", "device"],
        "additionalProperties": False,
    },
    "ElementDetails": _object(
        {
            "tags": _array({"type": "string"}, "Tags."),
            "created": ref("ClientStamp"),
            "lastModified": ref("ClientStamp"),
            "description": _text("The element's description."),
        },
        ("tags",),
        description="With selector=details or full.",
    ),
    "DbLibraryElementRepresentationData": {
        "type": "object",
        "description": "One representation of an element: a file (storage_href) or data "
        "inline (color#data, font#data, ...). Keys the server does not own are kept as sent.",
        "properties": {
            "id": _text("The representation's id."),
            "type": _MIME,
            "relationship": {"enum": sorted(RELATIONSHIPS)},
            "asset_id": _text("The uploaded file (file representations)."),
            "storage_href": _text("Where to download the file (absolute)."),
            "content_length": _count("The file's size in bytes."),
            "md5": _text("Base64 MD5 of the file."),
            "etag": _text("The file's entity tag."),
            "width": _count("Pixels."),
            "height": _count("Pixels."),
            "representation_order": _count("Its place among the others."),
            "is_full_size": {"type": "boolean"},
            "is_external_link": {"type": "boolean"},
            "is_preferred_thumbnail": {"type": "boolean"},
            "_links": _object(
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
            "id": _text("The element's id."),
            "name": _text("The element's name."),
            "type": _text("Its element type, such as application/vnd.adobe.element.color+dcx."),
            "created_date": _MS,
            "modified_date": _MS,
            "archived_date": {**_MS, "description": "When it was archived (archived only)."},
            "parent_id": _text("The library's URN."),
            "storage_used": _count("Bytes of its uploaded files."),
            "assetSubType": {"const": "element"},
            "manifest_etag": _text("The element's entity tag (its ETag)."),
            "thumbnail": ref("Thumbnail"),
            "_links": _links(
                "id", "primary", "describedBy", "representations", templated=("rendition",)
            ),
            "library#createdData": ref("ClientStamp"),
            "library#modifiedData": ref("ClientStamp"),
            "description": _text("Its description."),
            "details": ref("ElementDetails"),
            "representations": _array(
                ref("DbLibraryElementRepresentationData"), "With selector=representations or full."
            ),
        },
        "required": [
            *("id", "name", "type", "created_date", "modified_date", "parent_id"),
            *("storage_used", "assetSubType", "manifest_etag", "thumbnail", "_links"),
        ],
        "additionalProperties": True,
    },
    "LibraryElementsInfo": _object(
        {
            **_ENVELOPE,
            "elements": _array(ref("DbLibraryElementData"), "The elements."),
            "_page": ref("PageSpec"),
            "_links": ref("ListLinks"),
        },
        ("total_count", "elements"),
        description="Elements: a page of a list (with _page and _links), or those a write made.",
    ),
    "AsyncResponsePayload": _object(
        {"status": {"const": "OK"}, "message": _text("What was done.")},
        ("status", "message"),
        description="The answer of a write done at once (never asynchronous here).",
    ),
}

_REQUESTS: dict[str, Schema] = {
    "CreateLibraryPayload": {
        "type": "object",
        "description": "A new library (name), or a copy of one (source, and name to rename "
        "it). Moving a library (self) is refused.",
        "properties": {"name": _NAME, "source": _text("The id or URN of the library to copy.")},
        "anyOf": [{"required": ["name"]}, {"required": ["source"]}],
    },
    "UpdateLibraryPayload": {
        "type": "object",
        "description": "The library's new name.",
        "properties": {"name": _NAME},
        "required": ["name"],
    },
    "ClientInfo": {
        "type": "object",
        "description": "The client that makes the change.",
        "properties": {
            key: _text("Not blank.", minLength=1, pattern=r"\S")
            for key in ("app", "deviceId", "device")
        },
        "required": ["app", "deviceId", "device"],
    },
    "RepresentationInput": {
        "type": "object",
        "description": "A representation to store: a file by the storage_href (or path) an "
        "upload answered, or data inline under its type's key (color#data, ...). An id keeps "
        "a current representation (PUT .../representations).",
        "properties": {
            "id": _text("A current representation's id, to keep it."),
            "type": _MIME,
            "relationship": {"enum": sorted(RELATIONSHIPS), "default": "rendition"},
            "storage_href": _text("The storage_href an upload answered."),
            "path": _text("The uploaded file's asset id (instead of storage_href)."),
            "md5": {"type": "string"},
            "etag": {"type": "string"},
            "width": {"type": "integer", "minimum": 0},
            "height": {"type": "integer", "minimum": 0},
            "content_length": {"type": "integer", "minimum": 0},
            "representation_order": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
            "is_full_size": {"type": "boolean"},
            "is_external_link": {"type": "boolean"},
            "is_preferred_thumbnail": {"type": "boolean"},
        },
        "required": ["type"],
    },
    "ElementSelection": {
        "type": "object",
        "description": "Elements of a library: their ids (or {id, name, description} to "
        "rename the copies), and the library (this one when id is left out).",
        "properties": {
            "elements": ref("ElementIdList"),
            "elementIds": ref("ElementIdList"),
            "id": _text("The source library's id or URN."),
        },
        "anyOf": [{"required": ["elements"]}, {"required": ["elementIds"]}],
    },
    "PostLibraryElementsPayload": {
        "description": "A new element (name, type, client, representations); or source: "
        "elements to copy here; or self: elements to move here. PUT .../representations "
        "takes representations (the complete new set), and client.",
        "anyOf": [
            {
                "type": "object",
                "title": "A new element",
                "properties": {
                    "name": _NAME,
                    "type": _MIME,
                    "client": ref("ClientInfo"),
                    "representations": _array(ref("RepresentationInput"), "Its representations."),
                    "description": {"type": "string"},
                    "sourceRef": {"type": "string"},
                    "groups": _array(ref("ElementGroup"), "The groups it is in."),
                },
                "required": ["name", "type", "client"],
            },
            {
                "type": "object",
                "title": "A copy",
                "properties": {"source": ref("ElementSelection")},
                "required": ["source"],
            },
            {
                "type": "object",
                "title": "A move",
                "properties": {"self": ref("ElementSelection")},
                "required": ["self"],
            },
            {
                "type": "object",
                "title": "New representations",
                "properties": {
                    "representations": _array(ref("RepresentationInput"), "The new set."),
                    "client": ref("ClientInfo"),
                },
                "required": ["representations"],
            },
        ],
    },
    "ElementIdList": _array(
        {
            "anyOf": [
                _ELEMENT_ID,
                {
                    "type": "object",
                    "properties": {
                        "id": _ELEMENT_ID,
                        "name": _NAME,
                        "description": {"type": "string"},
                    },
                    "required": ["id"],
                },
            ]
        },
        "Element ids, or objects with an id.",
        minItems=1,
        maxItems=MAX_BATCH_IDS,
    ),
    "ElementMetadataChange": {
        "type": "object",
        "description": "An element's new name and description (an empty one deletes it).",
        "properties": {"id": _ELEMENT_ID, "name": _NAME, "description": {"type": "string"}},
        "required": ["id"],
    },
    "ElementListPayload": {
        "description": "The elements to rename or describe: {elements: [...]} or the list.",
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "elements": _array(
                        ref("ElementMetadataChange"),
                        "The changes.",
                        minItems=1,
                        maxItems=MAX_BATCH_IDS,
                    )
                },
                "required": ["elements"],
            },
            _array(
                ref("ElementMetadataChange"), "The changes.", minItems=1, maxItems=MAX_BATCH_IDS
            ),
        ],
    },
    "ArchiveDeleteElementListPayload": {
        "type": "object",
        "description": "The elements to archive, restore or purge. Restoring also takes "
        "elementIds, or the list under self; purging with no body empties the archive.",
        "properties": {
            "elements": ref("ElementIdList"),
            "elementIds": ref("ElementIdList"),
            "self": ref("ElementSelection"),
        },
    },
}

_FILES: dict[str, Schema] = {
    "UploadForm": {
        "type": "object",
        "description": "The file and its type.",
        "properties": {
            "Representation-Content": _text("The file.", format="binary"),
            "Representation-Data": _text(
                'JSON naming the file\'s type: {"type": "image/png"}. Without it, the file '
                "part's own Content-Type is used."
            ),
        },
        "required": ["Representation-Content"],
    },
    "UploadedRepresentation": _object(
        {
            "id": _text("The uploaded file's asset id."),
            "storage_href": _text("Where to download it; put it in a representation."),
            "asset_id": _text("The same asset id."),
            "type": _text("Its MIME type."),
            "content_length": _count("Its size in bytes."),
            "etag": _text("Its entity tag."),
            "md5": _text("Base64 MD5 of its bytes."),
            "version": {"const": "0"},
        },
        ("id", "storage_href", "asset_id", "type", "content_length", "etag", "md5", "version"),
        description="An uploaded file, to copy into an element's representation (§1.7).",
    ),
    "InitiateUploadPayload": {
        "type": "object",
        "description": "The type of the file a chunked upload will make.",
        "properties": {"type": _MIME},
        "required": ["type"],
    },
    "UploadedPart": _object(
        {
            "part_number": {"type": "integer", "minimum": 1, "maximum": MAX_PARTS},
            "size": _count("Bytes."),
            "md5": _text("Base64 MD5 of its bytes."),
        },
        ("part_number", "size", "md5"),
        description="A part received.",
    ),
    "ChunkedUpload": _object(
        {
            "upload_id": _text("The upload's id."),
            "type": _text("The file's MIME type."),
            "created_date": _MS,
            "expires_date": {**_MS, "description": "Unfinished, it is collected then."},
            "max_part_size": {"const": MAX_PART},
            "max_parts": {"const": MAX_PARTS},
            "parts": _array(ref("UploadedPart"), "The parts received so far."),
            "_links": _object(
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
    "FinalizeUploadPayload": {
        "type": "object",
        "description": "Optional: the part numbers sent, for the server to check it has them all.",
        "properties": {"parts": _array({"type": "integer"}, "Part numbers, such as [1, 2].")},
    },
    "BatchPayload": _object(
        {
            "requests": _array(
                ref("BatchRequest"),
                "Run in order; the batch stops at the first that fails.",
                minItems=1,
                maxItems=MAX_BATCH_REQUESTS,
            )
        },
        ("requests",),
        description="Operations on this library. ${N:/json/pointer} in a path or body is "
        "replaced by that value of response N (0-based). A batch may hold: "
        + "; ".join(SUPPORTED)
        + ".",
        open_=True,
    ),
    "BatchRequest": {
        "type": "object",
        "description": "One operation: its path is relative to the library (/elements) or "
        "the full path of this library.",
        "properties": {
            "method": {"type": "string", "enum": sorted({s.split()[0] for s in SUPPORTED})},
            "path": _text("Such as /elements or /elements/{id}/representations."),
            "body": _ANY,
        },
        "required": ["method", "path"],
    },
    "BatchResult": _object(
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
    "BatchResponse": _object(
        {
            "requests": _array(_ANY, "The requests, as sent."),
            "responses": _array(
                ref("BatchResult"), "The answers of those that ran; a failed one is last."
            ),
        },
        ("requests", "responses"),
        description="What the batch did.",
    ),
}

SCHEMAS: Mapping[str, Schema] = {**_COMMON, **_LIBRARIES, **_ELEMENTS, **_REQUESTS, **_FILES}
"""components.schemas."""

_BODY_MEDIA = {
    "multipart": ("multipart/form-data", "UploadForm"),
    "binary": ("application/octet-stream", "Binary"),
}


def media_type_of(body: str) -> tuple[str, str]:
    """The media type and schema of an ``Operation.body``."""
    return _BODY_MEDIA.get(body, ("application/json", body))


def _comma_list(values: frozenset[str], description: str) -> Schema:
    return {
        "name": "selector",
        "in": "query",
        "description": description,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"enum": sorted(values)}, "default": ["default"]},
    }


def _query(name: str, description: str, schema: Schema, **more: Any) -> Schema:
    return {"name": name, "in": "query", "description": description, "schema": schema, **more}


_ORDER_KEY = "[+-]?(name|modified_date|created_date)"

QUERY_PARAMETERS: Mapping[str, Schema] = {
    "owner": _query(
        "owner",
        "Whose libraries: private (the caller's), incoming (shared with the caller), public "
        "(followed), or all (private and incoming).",
        {"enum": ["all", "private", "incoming", "public"], "default": "all"},
    ),
    "orderBy": _query(
        "orderBy",
        "Sort keys, comma-separated; a leading - sorts descending.",
        {
            "type": "string",
            "pattern": f"^{_ORDER_KEY}(,{_ORDER_KEY})*$",
            "default": "-modified_date",
        },
    ),
    "start": _query(
        "start",
        "Where the page starts: _page.next of the page before (a cursor), or an offset.",
        {"type": "string", "pattern": r"^([0-9]{1,9}|c1\.[A-Za-z0-9_-]*)$", "default": "0"},
    ),
    "limit": _query(
        "limit",
        f"Items per page: {LIBRARY_PAGE[0]} by default; at most {LIBRARY_PAGE[1]} libraries or "
        f"{ELEMENT_PAGE[1]} elements (more is taken as the most).",
        {"type": "integer", "minimum": 1, "maximum": 999_999_999},
    ),
    "librarySelector": _comma_list(
        LIBRARY_SELECTORS, "What to add to each library, comma-separated."
    ),
    "elementSelector": _comma_list(
        ELEMENT_SELECTORS,
        "What to add to each element, comma-separated (full: details and representations).",
    ),
    "type": _query(
        "type",
        "Only elements of these types, comma-separated.",
        {"type": "array", "items": _MIME},
        style="form",
        explode=False,
    ),
    "group": _query(
        "group",
        "Only elements in this group: group_id, classifier#group_id, or $none$ for those in "
        "no group.",
        {"type": "string"},
    ),
    "libraryVersion": _query(
        "libraryVersion",
        "The version seen in a list, for a cached answer; this server always answers the "
        "current library.",
        {"type": "string"},
    ),
    "component_id": _query(
        "component_id",
        "The file's asset id, as in its storage_href.",
        {"type": "string", "minLength": 1},
        required=True,
    ),
}
"""components.parameters for query strings (the selector has one per kind of object)."""


def _path(name: str, description: str, schema: Schema) -> Schema:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema,
    }


PATH_PARAMETERS: Mapping[str, Schema] = {
    "libraryId": _path(
        "libraryId",
        "The library's library_urn (urn:aaid:sc:US:<id>, any case) or its id.",
        {"type": "string"},
    ),
    "elementId": _path("elementId", "The element's id.", {"type": "string"}),
    "rendition": _path(
        "rendition",
        f":rendition, with ;size=N (1 to {MAX_RENDITION_SIZE}) for a PNG whose longest side is N.",
        {"type": "string", "pattern": r"^:rendition(;[A-Za-z0-9_.%]+(=[^;/]*)?)*$"},
    ),
    "uploadId": _path("uploadId", "The chunked upload's upload_id.", {"type": "string"}),
    "partNumber": _path(
        "partNumber",
        "The part's number: 1, 2, 3, ... in the order of the file.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PARTS},
    ),
}

HEADER_PARAMETERS: Mapping[str, Schema] = {
    "if-match": {
        "name": "If-Match",
        "in": "header",
        "description": "Only if the resource is still at this ETag (412 otherwise).",
        "schema": {"type": "string"},
    },
    "if-none-match": {
        "name": "If-None-Match",
        "in": "header",
        "description": "304 without a body when the resource is still at this ETag.",
        "schema": {"type": "string"},
    },
}

SECURITY_SCHEMES: Mapping[str, Schema] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A cclibs access token with the cc_libraries scope, for a user "
        "(authorization code or device flow; not client credentials).",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The client id the access token was issued to.",
    },
}

_ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
}


def _error(description: str, **headers: str) -> Schema:
    answer: Schema = {
        "description": description,
        "content": {"application/json": {"schema": ref("ErrorResponse")}},
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


ERROR_RESPONSES: Mapping[int, tuple[str, Schema]] = {
    400: (_ERRORS[400], _error("A parameter or body that cannot be used.")),
    401: (
        _ERRORS[401],
        _error(
            "No access token, or one that is not valid (expired, revoked).",
            **{"WWW-Authenticate": "The Bearer challenge (RFC 6750 §3)."},
        ),
    ),
    403: (
        _ERRORS[403],
        _error("A wrong x-api-key, a token without cc_libraries, or no user behind it."),
    ),
    404: (_ERRORS[404], _error("Nothing there for this caller.")),
    405: (
        _ERRORS[405],
        _error("The path does not take this method.", Allow="The methods it takes."),
    ),
    409: (_ERRORS[409], _error("The request contradicts the current state.")),
    412: (_ERRORS[412], _error("If-Match names an older version.")),
    413: (_ERRORS[413], _error("The body or file is too large.")),
    415: (_ERRORS[415], _error("The body's Content-Type is not the one this operation takes.")),
}
"""Status → (components.responses name, response)."""
