"""The element validation rules of the Libraries API (compat reference §1.6 and §1.9).

Pure Python: no web framework, no ORM. Every refusal is an ``InvalidElement`` naming the
JSON path of the offending value, e.g. ``representations[1].color#data.value.r``; no other
exception comes out, whatever JSON comes in.
"""

from __future__ import annotations

from cclibs.libraries.validation.colors import check_color
from cclibs.libraries.validation.elements import (
    ELEMENT_TYPES,
    AllowedTypes,
    validate_element,
    validate_representations,
)
from cclibs.libraries.validation.mime import UPLOADED_TYPES, is_uploaded_type
from cclibs.libraries.validation.representations import (
    RULES,
    Checker,
    validate_representation,
)

__all__ = [
    "ELEMENT_TYPES",
    "RULES",
    "UPLOADED_TYPES",
    "AllowedTypes",
    "Checker",
    "check_color",
    "is_uploaded_type",
    "validate_element",
    "validate_representation",
    "validate_representations",
]
