"""One representation of an element: the fields every representation shares, then the
rule of its type, looked up in ``RULES``.

Compat reference §1.6 (validation rules, user-uploaded and audio types, coercion-only
fields) and §1.7 (the representation model). Adobe accepts representation types it has no
rule for, so a well-formed concrete type that is not in ``RULES`` passes; if it looks
uploaded (``video/*``, ``text/*``, ...), it still has to point at its file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import (
    INT32_MAX,
    INT64_MAX,
    Range,
    ValueChecker,
    check_fields,
    need_bool,
    need_nonblank,
    need_object,
    need_string,
    number_in,
    one_of,
)
from cclibs.libraries.validation.colors import check_color
from cclibs.libraries.validation.fonts import check_font
from cclibs.libraries.validation.gradients import check_gradient, check_noise_gradient
from cclibs.libraries.validation.mime import (
    AUDIO_TYPES,
    CHARACTER_STYLE,
    COLOR,
    COLORTHEME,
    FONT,
    GRADIENT,
    IMAGE_TYPES,
    LINK,
    NOISE_GRADIENT,
    PARAGRAPH_STYLE,
    UPLOADED_TYPES,
    check_mime,
    is_uploaded_type,
)
from cclibs.libraries.validation.styles import check_characterstyle, check_paragraphstyle
from cclibs.libraries.validation.themes import check_colortheme

__all__ = [
    "COMMON_FIELDS",
    "RELATIONSHIPS",
    "RULES",
    "Checker",
    "check_audio_data",
    "rule_for",
    "validate_representation",
]

Checker = Callable[[Mapping[str, Any], str], None]
"""Checks one representation (an object whose ``type`` is already valid) at a field path
such as ``representations[1]``."""

RELATIONSHIPS = frozenset({"primary", "rendition", "alternate"})

_INT64 = Range(0, INT64_MAX, integer=True)

COMMON_FIELDS: Mapping[str, ValueChecker] = {
    # Adobe only coerces these to their Java types (§1.6), which fails as a 500 there.
    "relationship": one_of(RELATIONSHIPS),
    "md5": need_string,
    "etag": need_string,
    "is_full_size": need_bool,
    "is_external_link": need_bool,
    "width": number_in(_INT64),
    "height": number_in(_INT64),
    "content_length": number_in(_INT64),
    "representation_order": number_in(Range(0, INT32_MAX, integer=True)),
    "is_preferred_thumbnail": need_bool,
    "is_component": need_bool,
    # String fields of the model (§1.7) that the service stores or follows.
    "id": need_string,
    "name": need_string,
    "version": need_string,
    "asset_id": need_string,
    "storage_href": need_string,
    "path": need_string,
    "linkurl": need_string,
    "linktype": need_string,
}
"""Fields any representation may carry, each checked when present and not null."""

_AUDIO_DATA_FIELDS: Mapping[str, ValueChecker] = {
    key: number_in(Range(above=0)) for key in ("duration", "bitrate", "channels", "tempo")
}


def check_audio_data(data: Any, field: str) -> None:
    check_fields(need_object(data, field), field, _AUDIO_DATA_FIELDS)


def _inline(key: str, check: ValueChecker) -> Checker:
    """A representation whose content is the object under ``key`` (``color#data``, ...)."""

    def checker(rep: Mapping[str, Any], field: str) -> None:
        check(rep.get(key), f"{field}.{key}")

    return checker


def _check_uploaded(rep: Mapping[str, Any], field: str) -> None:
    # "storage_href and/or path": either one names the uploaded file (§1.7).
    given = [key for key in ("storage_href", "path") if rep.get(key) is not None]
    if not given:
        raise InvalidElement(
            f"{field}.storage_href", "an uploaded file's representation needs storage_href or path"
        )
    for key in given:
        need_nonblank(rep[key], f"{field}.{key}")


def _check_supported_audio(rep: Mapping[str, Any], field: str) -> None:
    _check_uploaded(rep, field)
    check_audio_data(rep.get("audio#data"), f"{field}.audio#data")


def _check_other_audio(rep: Mapping[str, Any], field: str) -> None:
    # Only the supported audio types must describe themselves; others may.
    _check_uploaded(rep, field)
    if rep.get("audio#data") is not None:
        check_audio_data(rep["audio#data"], f"{field}.audio#data")


def _check_link(rep: Mapping[str, Any], field: str) -> None:
    check_mime(rep.get("linktype"), f"{field}.linktype")
    need_nonblank(rep.get("linkurl"), f"{field}.linkurl")
    need_object(rep.get("adobestock#trackingdata"), f"{field}.adobestock#trackingdata")


def _accept(rep: Mapping[str, Any], field: str) -> None:
    """A type no rule names: Adobe accepts it as it is."""


RULES: Mapping[str, Checker] = MappingProxyType(
    {
        COLOR: _inline("color#data", check_color),
        COLORTHEME: _inline("colortheme#data", check_colortheme),
        GRADIENT: _inline("gradient#data", check_gradient),
        NOISE_GRADIENT: _inline("gradient#data", check_noise_gradient),
        FONT: _inline("font#data", check_font),
        CHARACTER_STYLE: _inline("characterstyle#data", check_characterstyle),
        PARAGRAPH_STYLE: _inline("paragraphstyle#data", check_paragraphstyle),
        LINK: _check_link,
        **dict.fromkeys(IMAGE_TYPES | UPLOADED_TYPES, _check_uploaded),
        **dict.fromkeys(AUDIO_TYPES, _check_supported_audio),
    }
)
"""Representation type (lower case, no parameters) → its rule. Other uploaded-looking
types fall back to the uploaded-file rule (see ``rule_for``)."""


def rule_for(kind: str) -> Checker:
    """The rule of a representation type, given as ``check_mime`` returns it."""
    rule = RULES.get(kind)
    if rule is not None:
        return rule
    if kind.startswith("audio/"):
        return _check_other_audio
    return _check_uploaded if is_uploaded_type(kind) else _accept


def validate_representation(rep: Mapping[str, Any], field: str) -> None:
    """One representation: an object with a concrete ``type``, its common fields of the
    right JSON types, then the rule of its type."""
    obj = need_object(rep, field)
    kind = check_mime(obj.get("type"), f"{field}.type")
    check_fields(obj, field, COMMON_FIELDS)
    rule_for(kind)(obj, field)
