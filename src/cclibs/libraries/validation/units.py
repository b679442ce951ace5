"""Measured style values: a CSS ``Unit`` object ``{"value": 18, "type": "pt"}``.

Compat reference §1.6 lists the CSS units Adobe accepts (case-insensitively). Adobe's
"Unit" rule checks each of ``value`` and ``type`` only when present; so does this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import is_number, need_number, need_object

__all__ = ["CSS_UNITS", "check_length", "check_unit"]

CSS_UNITS = frozenset(
    {
        "%",
        # relative lengths
        *("em", "ex", "cap", "ch", "ic", "rem", "lh", "rlh"),
        *("vw", "vh", "vi", "vb", "vmin", "vmax"),
        # absolute lengths
        *("cm", "mm", "q", "in", "pt", "pc", "px"),
        # angles, durations, frequencies, resolutions
        *("deg", "grad", "rad", "turn", "s", "ms", "hz", "khz", "dpi", "dpcm", "dppx"),
    }
)


def check_unit(value: Any, field: str) -> None:
    obj = need_object(value, field)
    unit = obj.get("type")
    if unit is not None and (not isinstance(unit, str) or unit.lower() not in CSS_UNITS):
        raise InvalidElement(f"{field}.type", "must be a CSS unit such as pt, px, em or %")
    if obj.get("value") is not None:
        need_number(obj["value"], f"{field}.value")


def check_length(value: Any, field: str) -> None:
    """A unit object, or a bare number: clients send both for sizes and spacings, and a
    number is what a unit's ``value`` holds anyway."""
    if is_number(value):
        return
    if not isinstance(value, Mapping):
        raise InvalidElement(
            field, 'must be a number or a unit such as {"value": 12, "type": "pt"}'
        )
    check_unit(value, field)
