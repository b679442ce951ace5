"""An element create payload, and the representation types each element type accepts.

Compat reference §1.6 (``PostLibraryElementsPayload`` and the element validation rules)
and §1.9 (element types). ``validate_element`` is the ordered list of named checks that
Adobe's rules describe; ``validate_representations`` is its second half, for the calls
that send representations alone (PUT .../representations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import (
    ValueChecker,
    check_fields,
    need_list,
    need_nonblank,
    need_object,
    need_string,
)
from cclibs.libraries.validation.colors import is_rgb
from cclibs.libraries.validation.mime import (
    CHARACTER_STYLE,
    COLOR,
    COLORTHEME,
    FONT,
    GRADIENT,
    INDESIGN_SNIPPET,
    INLINE_TYPES,
    LINK,
    NOISE_GRADIENT,
    PARAGRAPH_STYLE,
    check_mime,
    essence,
    is_image,
    is_uploaded_type,
)
from cclibs.libraries.validation.representations import RULES, validate_representation

__all__ = [
    "ELEMENT_TYPES",
    "MAX_NAME_LENGTH",
    "AllowedTypes",
    "check_client",
    "element_type",
    "validate_element",
    "validate_representations",
]

MAX_NAME_LENGTH = 1024
_ROOT = "body"


def element_type(kind: str) -> str:
    """``application/vnd.adobe.element.<kind>+dcx``."""
    return f"application/vnd.adobe.element.{kind}+dcx"


@dataclass(frozen=True, slots=True)
class AllowedTypes:
    """A predicate on representation types (as ``check_mime`` returns them): those an
    element type accepts. Image renditions and links are welcome on every element."""

    types: frozenset[str] = frozenset()
    files: bool = False
    """Any file type, as graphics take: anything but another element's inline payload."""

    def __call__(self, kind: str) -> bool:
        kind = essence(kind)
        if kind in self.types or is_image(kind) or kind == LINK:
            return True
        return self.files and kind not in INLINE_TYPES

    def describe(self) -> str:
        if self.files:
            return "any file type, but no color, theme, gradient, font or style data"
        return ", ".join([*sorted(self.types), "image/*", LINK])


_FILES = AllowedTypes(files=True)

# File-based element kinds (§1.9): their apps' own formats change often and are not all
# documented (for graphics, "quite expansive, and changes frequently").
_FILE_ELEMENTS = (
    *("image", "brush", "layerstyle", "template", "pattern", "text", "look"),
    *("video", "animation", "graphic", "3d", "material", "light"),
)


def _takes(*types: str) -> AllowedTypes:
    return AllowedTypes(frozenset(types))


ELEMENT_TYPES: Mapping[str, AllowedTypes] = MappingProxyType(
    {
        **{element_type(kind): _FILES for kind in _FILE_ELEMENTS},
        element_type("color"): _takes(COLOR),
        element_type("colortheme"): _takes(COLORTHEME),
        element_type("gradient"): _takes(GRADIENT, NOISE_GRADIENT),
        element_type("font"): _takes(FONT),
        # The docs also ask styles for a thumbnail rendition; that is not enforced, because
        # clients in the wild leave it out and Adobe's own validation tables do not list it.
        element_type("characterstyle"): _takes(CHARACTER_STYLE, INDESIGN_SNIPPET),
        element_type("paragraphstyle"): _takes(PARAGRAPH_STYLE, INDESIGN_SNIPPET),
    }
)
"""Well-known element type → the representation types it accepts (§1.9)."""

_Reps = Sequence[Mapping[str, Any]]


def _needs_rgb_color(reps: _Reps, field: str) -> None:
    # §1.9: "color element needs ≥1 RGB rep", so that every app can show it.
    if not any(essence(rep["type"]) == COLOR and is_rgb(rep.get("color#data")) for rep in reps):
        raise InvalidElement(field, f"a color element needs an {COLOR} representation in RGB mode")


_ELEMENT_RULES: Mapping[str, Callable[[_Reps, str], None]] = {
    element_type("color"): _needs_rgb_color,
}
"""Rules on an element's set of representations, beyond each representation's own."""

_OPTIONAL_FIELDS: Mapping[str, ValueChecker] = {
    "description": need_string,
    "sourceRef": need_string,
}


def validate_element(payload: Mapping[str, Any], *, require_client: bool = True) -> None:
    """An element create payload (§1.6). ``require_client=False`` lets a call without a
    client pass; a client that is sent is still checked."""
    body = need_object(payload, _ROOT)
    _check_name(body)
    kind = check_mime(body.get("type"), "type")
    if require_client or body.get("client") is not None:
        check_client(body.get("client"))
    check_fields(body, "", _OPTIONAL_FIELDS)
    _check_groups(body.get("groups"))
    validate_representations(body.get("representations"), kind)


def validate_representations(
    representations: Any, element_kind: str, field: str = "representations"
) -> None:
    """The representations of an element of type ``element_kind``: each valid by its type,
    at most one primary, each type accepted by the element type, and the element type's
    own rules. Absent (``None``) is the same as an empty list."""
    kind = check_mime(element_kind, "type")
    reps = need_list([] if representations is None else representations, field)
    for index, rep in enumerate(reps):
        validate_representation(rep, f"{field}[{index}]")
    _check_one_primary(reps, field)
    _check_allowed_types(reps, kind, field)
    rule = _ELEMENT_RULES.get(kind)
    if rule is not None:
        rule(reps, field)


def _check_name(body: Mapping[str, Any]) -> None:
    name = need_nonblank(body.get("name"), "name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidElement("name", f"must be at most {MAX_NAME_LENGTH} characters")


def check_client(client: Any) -> None:
    """``client``: an object with non-blank ``app``, ``deviceId`` and ``device``."""
    obj = need_object(client, "client")
    for key in ("app", "deviceId", "device"):
        need_nonblank(obj.get(key), f"client.{key}")


def _check_groups(groups: Any) -> None:
    """``groups``: a list of group objects, each with a non-blank string ``id``."""
    if groups is None:
        return
    for index, group in enumerate(need_list(groups, "groups")):
        obj = need_object(group, f"groups[{index}]")
        need_nonblank(obj.get("id"), f"groups[{index}].id")


def _check_one_primary(reps: _Reps, field: str) -> None:
    first: int | None = None
    for index, rep in enumerate(reps):
        if rep.get("relationship") != "primary":
            continue
        if first is not None:
            raise InvalidElement(
                f"{field}[{index}].relationship",
                f"only one representation may be primary, and {field}[{first}] is",
            )
        first = index


def _check_allowed_types(reps: _Reps, kind: str, field: str) -> None:
    allowed = ELEMENT_TYPES.get(kind)
    if allowed is None:
        return
    for index, rep in enumerate(reps):
        rep_kind = essence(rep["type"])
        # Adobe checks membership only for the types it knows; others pass everywhere.
        known = rep_kind in RULES or is_uploaded_type(rep_kind)
        if known and not allowed(rep_kind):
            raise InvalidElement(
                f"{field}[{index}].type",
                f"is not allowed in an element of type {kind}, which takes {allowed.describe()}",
            )
