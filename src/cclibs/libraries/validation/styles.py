"""Character and paragraph styles: ``characterstyle#data`` and ``paragraphstyle#data``.

Compat reference §1.9 and Adobe's element-validations tables. A style is an object of
properties: CSS properties in camelCase, cross-app ``adbe*`` ones and app-specific ones
(``adbeIlst*``). Only the properties named in the tables below are checked; any other is
kept as sent, since apps add their own freely. Two rules hold for every property: a string
value is never blank, and a character style carries no paragraph property (Adobe refuses
the typed paragraph properties there; a paragraph style takes both sets).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation._values import (
    Range,
    ValueChecker,
    each_item,
    is_number,
    need_nonblank,
    need_object,
    number_in,
    one_of,
)
from cclibs.libraries.validation.colors import check_color
from cclibs.libraries.validation.fonts import check_font
from cclibs.libraries.validation.units import check_length

__all__ = [
    "ALIGNMENTS",
    "CHARACTER_PROPERTIES",
    "PARAGRAPH_ONLY_PROPERTIES",
    "PARAGRAPH_PROPERTIES",
    "SINGLE_WORD_JUSTIFICATIONS",
    "check_characterstyle",
    "check_paragraphstyle",
]

_FONT_WEIGHT = Range(1, 1000)


def _check_style_color(value: Any, field: str) -> None:
    # The docs say an array of colors (primary first); a lone color object is accepted too.
    if isinstance(value, Mapping):
        check_color(value, field)
    else:
        each_item(check_color)(value, field)


def _check_font_weight(value: Any, field: str) -> None:
    # A name ("bold") or a CSS weight; blank strings are refused for every property.
    if isinstance(value, str) or (is_number(value) and _FONT_WEIGHT.contains(value)):
        return
    raise InvalidElement(field, "must be a weight from 1 to 1000 or a name such as bold")


CHARACTER_PROPERTIES: Mapping[str, ValueChecker] = {
    "color": _check_style_color,
    "adbeFont": check_font,
    "fontFamily": need_nonblank,
    "fontStyle": need_nonblank,
    "fontWeight": _check_font_weight,
    # Adobe's table asks for unit objects; bare numbers are accepted too (units.check_length).
    "fontSize": check_length,
    "lineHeight": check_length,
    "baselineShift": check_length,
    "letterSpacing": check_length,
}

ALIGNMENTS = frozenset(
    {
        "Alignment.LEFT_ALIGN",
        "Alignment.CENTER_ALIGN",
        "Alignment.RIGHT_ALIGN",
        "Alignment.LEFT_JUSTIFIED",
        "Alignment.CENTER_JUSTIFIED",
        "Alignment.RIGHT_JUSTIFIED",
        "Alignment.FULLY_JUSTIFIED",
        # Not in Adobe's list of seven, but InDesign paragraphs have them, so an InDesign
        # style may carry them; refusing them would buy nothing.
        "Alignment.TO_BINDING_SIDE",
        "Alignment.AWAY_FROM_BINDING_SIDE",
    }
)

SINGLE_WORD_JUSTIFICATIONS = frozenset(
    {
        "Justification.FULLY_JUSTIFIED",
        "Justification.LEFT_ALIGN",
        "Justification.CENTER_ALIGN",
        "Justification.RIGHT_ALIGN",
    }
)


def _spacings(kind: str, allowed: Range) -> dict[str, ValueChecker]:
    return {f"adbe{level}{kind}": number_in(allowed) for level in ("Minimum", "Desired", "Maximum")}


PARAGRAPH_ONLY_PROPERTIES: Mapping[str, ValueChecker] = {
    "adbeParaAlignment": one_of(ALIGNMENTS),
    **{
        key: check_length
        for key in (
            "adbeLeftIndent",
            "adbeFirstLineIndent",
            "adbeRightIndent",
            "adbeSpaceBefore",
            "adbeSpaceAfter",
        )
    },
    **_spacings("WordSpacing", Range(0, 1000)),
    **_spacings("LetterSpacing", Range(-100, 500)),
    **_spacings("GlyphScaling", Range(50, 200)),
    "adbeParaAutoLeading": number_in(Range(0, 500)),
    "adbeSingleWordJustification": one_of(SINGLE_WORD_JUSTIFICATIONS),
}

PARAGRAPH_PROPERTIES: Mapping[str, ValueChecker] = {
    **CHARACTER_PROPERTIES,
    **PARAGRAPH_ONLY_PROPERTIES,
}


def check_characterstyle(data: Any, field: str) -> None:
    _check_style(data, field, CHARACTER_PROPERTIES, refused=PARAGRAPH_ONLY_PROPERTIES.keys())


def check_paragraphstyle(data: Any, field: str) -> None:
    _check_style(data, field, PARAGRAPH_PROPERTIES, refused=frozenset())


def _check_style(
    data: Any, field: str, table: Mapping[str, ValueChecker], *, refused: Set[str]
) -> None:
    obj = need_object(data, field)
    # Adobe checks properties "when present", i.e. when not null: a null one counts as absent.
    present = {name: value for name, value in obj.items() if value is not None}
    if not present:
        raise InvalidElement(field, "must hold at least one style property")
    for name, value in present.items():
        where = f"{field}.{name}"
        if name in refused:
            raise InvalidElement(where, "is a paragraph property; a character style cannot hold it")
        if isinstance(value, str) and not value.strip():
            raise InvalidElement(where, "must not be a blank string")
        checker = table.get(name)
        if checker is not None:
            checker(value, where)
