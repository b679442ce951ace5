"""Small builders of JSON Schema (2020-12, as OpenAPI 3.1 takes it), and the values that
recur: names, MIME types, epoch-millisecond dates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.validation.elements import MAX_NAME_LENGTH

__all__ = [
    "ANY",
    "BASE",
    "ELEMENT_ID",
    "MIME",
    "MS",
    "NAME",
    "Schema",
    "array",
    "count",
    "obj",
    "ref",
    "text",
]

Schema = dict[str, Any]

BASE = "/api/v1"
"""Where every path of the API starts."""


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: Mapping[str, Schema],
    required: tuple[str, ...] = (),
    *,
    description: str,
    open_: bool = False,
) -> Schema:
    """An object; closed unless ``open_`` (then keys it does not name are kept as sent)."""
    schema: Schema = {
        "type": "object",
        "description": description,
        "properties": dict(properties),
        "additionalProperties": open_,
    }
    if required:
        schema["required"] = list(required)
    return schema


def text(description: str, **more: Any) -> Schema:
    return {"type": "string", "description": description, **more}


def count(description: str) -> Schema:
    return {"type": "integer", "format": "int64", "minimum": 0, "description": description}


def array(items: Schema, description: str, **more: Any) -> Schema:
    return {"type": "array", "items": items, "description": description, **more}


MS = {"type": "integer", "format": "int64", "description": "Epoch milliseconds."}
NAME = text(
    f"Not blank; at most {MAX_NAME_LENGTH} characters.",
    minLength=1,
    maxLength=MAX_NAME_LENGTH,
    pattern=r"\S",
)
MIME = text("A concrete MIME type, such as image/png.", pattern=r"^[^\s/]+/[^\s/]+")
ANY: Schema = {"description": "Any JSON value."}
ELEMENT_ID = text("An element id.", pattern=r"\S")
