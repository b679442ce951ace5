"""Color themes: the ``colortheme#data`` of ``application/vnd.adobe.colortheme+json``.

Compat reference §1.9: ``swatches`` is exactly five arrays, each the same color in one or
more modes, at least one of them RGB, the primary first. ``rule`` and ``mood`` stay free
strings: the docs list capitalised names (``Analogous``) and their own example sends
lower case (``analogous``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import (
    Range,
    ValueChecker,
    check_fields,
    each_item,
    need_list,
    need_object,
    need_string,
    number_in,
)
from cclibs.libraries.validation.colors import check_color_list

__all__ = ["SWATCH_COUNT", "THEME_FIELDS", "check_colortheme"]

SWATCH_COUNT = 5

THEME_FIELDS: Mapping[str, ValueChecker] = {
    "themeId": need_string,
    "tags": each_item(need_string),
    # The docs' table says 0-3, but a theme has five swatches and any of them can be the
    # base one: 0..4 refuses no real theme.
    "baseSwatchIndex": number_in(Range(0, SWATCH_COUNT - 1, integer=True)),
    "rule": need_string,
    "mood": need_string,
}


def check_colortheme(data: Any, field: str) -> None:
    obj = need_object(data, field)
    swatches = need_list(obj.get("swatches"), f"{field}.swatches")
    if len(swatches) != SWATCH_COUNT:
        raise InvalidElement(f"{field}.swatches", f"must hold exactly {SWATCH_COUNT} swatches")
    for index, swatch in enumerate(swatches):
        check_color_list(swatch, f"{field}.swatches[{index}]")
    check_fields(obj, field, THEME_FIELDS)
