"""components.schemas for what clients send: the bodies of the writes (compat reference
§1.5 to §1.7), uploads and batches. What the server checks is in ``cclibs.libraries``; these
say it for clients, and let the fuzz tests make bodies that get past the first check."""

from __future__ import annotations

from collections.abc import Mapping

from cclibs.libraries.payloads import MAX_BATCH_IDS
from cclibs.libraries.validation.representations import RELATIONSHIPS
from cclibs.web.api.batch import MAX_BATCH_REQUESTS, SUPPORTED
from cclibs.web.api.openapi._schema import (
    ANY,
    ELEMENT_ID,
    MIME,
    NAME,
    Schema,
    array,
    obj,
    ref,
    text,
)
from cclibs.web.api.openapi.bookmarks import BOOKMARK_PAYLOADS
from cclibs.web.api.openapi.search import SEARCH_PAYLOADS
from cclibs.web.api.openapi.sharing import SHARING_PAYLOADS
from cclibs.web.api.openapi.webhooks import WEBHOOK_PAYLOADS

__all__ = ["PAYLOADS", "media_type_of"]

_ELEMENTS: dict[str, Schema] = {
    "CreateLibraryPayload": {
        "type": "object",
        "description": "A new library (name), or a copy of one (source, and name to rename "
        "it). Moving a library (self) is refused.",
        "properties": {"name": NAME, "source": text("The id or URN of the library to copy.")},
        "anyOf": [{"required": ["name"]}, {"required": ["source"]}],
    },
    "UpdateLibraryPayload": {
        "type": "object",
        "description": "The library's new name.",
        "properties": {"name": NAME},
        "required": ["name"],
    },
    "ClientInfo": {
        "type": "object",
        "description": "The client that makes the change.",
        "properties": {
            key: text("Not blank.", minLength=1, pattern=r"\S")
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
            "id": text("A current representation's id, to keep it."),
            "type": MIME,
            "relationship": {"enum": sorted(RELATIONSHIPS), "default": "rendition"},
            "storage_href": text("The storage_href an upload answered."),
            "path": text("The uploaded file's asset id (instead of storage_href)."),
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
            "id": text("The source library's id or URN."),
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
                    "name": NAME,
                    "type": MIME,
                    "client": ref("ClientInfo"),
                    "representations": array(ref("RepresentationInput"), "Its representations."),
                    "description": {"type": "string"},
                    "sourceRef": {"type": "string"},
                    "groups": array(ref("ElementGroup"), "The groups it is in."),
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
                    "representations": array(ref("RepresentationInput"), "The new set."),
                    "client": ref("ClientInfo"),
                },
                "required": ["representations"],
            },
        ],
    },
    "ElementIdList": array(
        {
            "anyOf": [
                ELEMENT_ID,
                {
                    "type": "object",
                    "properties": {
                        "id": ELEMENT_ID,
                        "name": NAME,
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
        "properties": {"id": ELEMENT_ID, "name": NAME, "description": {"type": "string"}},
        "required": ["id"],
    },
    "ElementListPayload": {
        "description": "The elements to rename or describe: {elements: [...]} or the list.",
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "elements": array(
                        ref("ElementMetadataChange"),
                        "The changes.",
                        minItems=1,
                        maxItems=MAX_BATCH_IDS,
                    )
                },
                "required": ["elements"],
            },
            array(ref("ElementMetadataChange"), "The changes.", minItems=1, maxItems=MAX_BATCH_IDS),
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
            "Representation-Content": text("The file.", format="binary"),
            "Representation-Data": text(
                'JSON naming the file\'s type: {"type": "image/png"}. Without it, the file '
                "part's own Content-Type is used."
            ),
        },
        "required": ["Representation-Content"],
    },
    "InitiateUploadPayload": {
        "type": "object",
        "description": "The type of the file a chunked upload will make.",
        "properties": {"type": MIME},
        "required": ["type"],
    },
    "FinalizeUploadPayload": {
        "type": "object",
        "description": "Optional: the part numbers sent, for the server to check it has them all.",
        "properties": {"parts": array({"type": "integer"}, "Part numbers, such as [1, 2].")},
    },
    "BatchPayload": obj(
        {
            "requests": array(
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
            "path": text("Such as /elements or /elements/{id}/representations."),
            "body": ANY,
        },
        "required": ["method", "path"],
    },
}

PAYLOADS: Mapping[str, Schema] = {
    **_ELEMENTS,
    **_FILES,
    **BOOKMARK_PAYLOADS,
    **SEARCH_PAYLOADS,
    **SHARING_PAYLOADS,
    **WEBHOOK_PAYLOADS,
}

_BODY_MEDIA = {
    "multipart": ("multipart/form-data", "UploadForm"),
    "binary": ("application/octet-stream", "Binary"),
}


def media_type_of(body: str) -> tuple[str, str]:
    """The media type and schema of an ``Operation.body``."""
    return _BODY_MEDIA.get(body, ("application/json", body))
