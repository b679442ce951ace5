"""Gradients: the ``gradient#data`` of ``application/vnd.adobe.gradient+json`` and of
``application/vnd.adobe.gradient.noise+json`` (Photoshop's noise gradients).

Compat reference §1.9, with the ranges of Adobe's element-validations tables. Every stop,
and each end of a noise gradient, is a list of the same color in several modes, one RGB.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cclibs.libraries.validation._values import (
    Range,
    ValueChecker,
    check_fields,
    each_item,
    need_bool,
    need_list,
    need_number,
    need_object,
    need_one_of,
    need_string,
    number_in,
    one_of,
)
from cclibs.libraries.validation.colors import check_color_list

__all__ = [
    "GRADIENT_FIELDS",
    "GRADIENT_TYPES",
    "NOISE_FIELDS",
    "check_gradient",
    "check_noise_gradient",
]

GRADIENT_TYPES = frozenset({"linear", "radial"})
_FRACTION = Range(0, 1)
_SMOOTHNESS = Range(0, 4096)


def _point(keys: Iterable[str], allowed: Range) -> ValueChecker:
    """An object whose every named coordinate is required and within ``allowed``."""
    names = tuple(keys)

    def check(value: Any, field: str) -> None:
        obj = need_object(value, field)
        for key in names:
            need_number(obj.get(key), f"{field}.{key}", allowed)

    return check


def _fields_of(table: Mapping[str, ValueChecker]) -> ValueChecker:
    def check(value: Any, field: str) -> None:
        check_fields(need_object(value, field), field, table)

    return check


_STOP_FIELDS: Mapping[str, ValueChecker] = {
    "offset": number_in(_FRACTION),
    # Adobe's table only coerces midpoint to a number; 0..1 is the range of its opacity
    # stops' midpoint and of every gradient editor.
    "midpoint": number_in(_FRACTION),
    "phxsInherit": one_of({"foreground", "background"}),
}

_OPACITY_FIELDS: Mapping[str, ValueChecker] = {
    key: number_in(_FRACTION) for key in ("opacity", "midpoint", "offset")
}

GRADIENT_FIELDS: Mapping[str, ValueChecker] = {
    "angle": number_in(Range(0, 360)),
    "aspectRatio": number_in(Range()),
    "scale": number_in(Range(above=0)),
    # centerPoint defaults to 0.5 per coordinate, yet may be -1..1 (Adobe's table).
    "centerPoint": _point(("x", "y"), Range(-1, 1)),
    "opacities": each_item(_fields_of(_OPACITY_FIELDS)),
    "interpolation": one_of({"linear", "euclidean", "spline"}),
    "orientation": _point(("x1", "x2", "y1", "y2"), _FRACTION),
    "direction": one_of({"horizontal", "vertical"}),
    "smoothness": number_in(_SMOOTHNESS),
}

NOISE_FIELDS: Mapping[str, ValueChecker] = {
    "smoothness": number_in(_SMOOTHNESS),
    # A noise gradient's type is "noise" per the docs; Adobe only coerces it to a string.
    "type": need_string,
    "name": need_string,
    "vectorColor": need_bool,
    "showTransparency": need_bool,
}


def check_gradient(data: Any, field: str) -> None:
    obj = need_object(data, field)
    need_one_of(obj.get("type"), f"{field}.type", GRADIENT_TYPES)
    stops = need_list(obj.get("stops"), f"{field}.stops", min_items=1)
    for index, stop in enumerate(stops):
        _check_stop(stop, f"{field}.stops[{index}]")
    check_fields(obj, field, GRADIENT_FIELDS)


def check_noise_gradient(data: Any, field: str) -> None:
    obj = need_object(data, field)
    check_color_list(obj.get("minimumColor"), f"{field}.minimumColor")
    check_color_list(obj.get("maximumColor"), f"{field}.maximumColor")
    need_number(obj.get("randomSeed"), f"{field}.randomSeed")
    check_fields(obj, field, NOISE_FIELDS)


def _check_stop(stop: Any, field: str) -> None:
    obj = need_object(stop, field)
    check_color_list(obj.get("color"), f"{field}.color")
    check_fields(obj, field, _STOP_FIELDS)
