"""Color objects: the ``color#data`` of a color representation, and every color inside a
theme, a gradient or a style.

Compat reference §1.9 ("Color payload"), with the ranges of Adobe's element-validations
table for ``application/vnd.adobe.color+json``. Keys the rules do not name are kept, not
refused: Adobe's own sample sends ``profile`` where the docs say ``profileName`` (§4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import (
    Range,
    need_list,
    need_number,
    need_object,
    need_one_of,
    need_string,
)

__all__ = [
    "CHANNELS",
    "COLOR_TYPES",
    "MODES",
    "check_color",
    "check_color_list",
    "is_rgb",
]

_PERCENT = Range(0, 100)
_BYTE = Range(0, 255)

CHANNELS: Mapping[str, Mapping[str, Range]] = {
    "RGB": {"r": _BYTE, "g": _BYTE, "b": _BYTE},
    "CMYK": {"c": _PERCENT, "m": _PERCENT, "y": _PERCENT, "k": _PERCENT},
    "Lab": {"l": _PERCENT, "a": Range(-128, 127), "b": Range(-128, 127)},
    "HSB": {"h": Range(0, 360), "s": _PERCENT, "b": _PERCENT},
}
"""The keys of ``value`` per base mode and their ranges. Gray's value is a bare number."""

_GRAY = _PERCENT
_TINT = _PERCENT
_ALPHA = Range(0, 1)
_TINT_SUFFIX = ".tint"

MODES = frozenset({"RGB", "CMYK", "Lab", "Gray", "HSB", "RGB.tint", "CMYK.tint", "Lab.tint"})
COLOR_TYPES = frozenset({"process", "spot", "registration", "none"})


def check_color(color: Any, field: str) -> None:
    """One color object: ``mode`` and its ``value``, then the optional ``type``,
    ``spotColorName``, ``alpha`` and ``profileName``."""
    obj = need_object(color, field)
    mode = need_one_of(obj.get("mode"), f"{field}.mode", MODES)
    _check_value(obj, mode, field)
    _check_color_type(obj, field)
    if obj.get("alpha") is not None:
        need_number(obj["alpha"], f"{field}.alpha", _ALPHA)
    if obj.get("profileName") is not None:
        need_string(obj["profileName"], f"{field}.profileName")


def check_color_list(value: Any, field: str) -> None:
    """An array of colors that are all the same color, at least one of them in RGB, so that
    every app can show it (themes' swatches, gradient stops, noise gradients)."""
    colors = need_list(value, field, min_items=1)
    for index, color in enumerate(colors):
        check_color(color, f"{field}[{index}]")
    if not any(is_rgb(color) for color in colors):
        raise InvalidElement(field, "must include a color in RGB mode")


def is_rgb(color: Any) -> bool:
    # Adobe's rules ask for mode "RGB" exactly: an RGB.tint color does not count.
    return isinstance(color, Mapping) and color.get("mode") == "RGB"


def _check_value(obj: Mapping[str, Any], mode: str, field: str) -> None:
    value = obj.get("value")
    base = mode.removesuffix(_TINT_SUFFIX)
    if base == "Gray":
        need_number(value, f"{field}.value", _GRAY)
        return
    channels = need_object(value, f"{field}.value")
    for key, allowed in CHANNELS[base].items():
        need_number(channels.get(key), f"{field}.value.{key}", allowed)
    if mode != base:
        _check_tint(obj, channels, field)


def _check_tint(obj: Mapping[str, Any], channels: Mapping[str, Any], field: str) -> None:
    # Adobe's validation table puts tint beside value; the element docs put it inside
    # value (§1.9). Clients follow either, so either place counts; both are checked.
    places = ((obj.get("tint"), f"{field}.tint"), (channels.get("tint"), f"{field}.value.tint"))
    given = [(tint, where) for tint, where in places if tint is not None]
    if not given:
        raise InvalidElement(f"{field}.tint", "a tint color needs a tint from 0 to 100")
    for tint, where in given:
        need_number(tint, where, _TINT)


def _check_color_type(obj: Mapping[str, Any], field: str) -> None:
    kind = obj.get("type")
    if kind is not None:
        need_one_of(kind, f"{field}.type", COLOR_TYPES)
    name = obj.get("spotColorName")
    if kind == "spot":
        if not isinstance(name, str) or not name:
            raise InvalidElement(f"{field}.spotColorName", "a spot color needs its name")
    elif name is not None:
        need_string(name, f"{field}.spotColorName")
