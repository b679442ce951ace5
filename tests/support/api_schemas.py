"""Holding an answer of the API to its schema in the served OpenAPI document."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from cclibs.web.api import openapi as api_openapi

__all__ = ["assert_fits"]


def assert_fits(schema: str, value: Any) -> None:
    """``value`` fits ``#/components/schemas/<schema>`` (references resolved in the document)."""
    components = api_openapi.openapi_document()["components"]
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": components}
    )
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
    details = "\n".join(f"  at {list(e.path)}: {e.message[:300]}" for e in errors[:5])
    assert not errors, f"the answer does not fit {schema}:\n{details}"
