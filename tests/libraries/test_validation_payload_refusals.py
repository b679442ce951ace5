"""Inline payloads that must be refused (compat reference §1.9): colors, themes, gradients,
fonts and styles, each case with the exact field the refusal names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.libraries.test_validation_examples import cmyk, rgb
from tests.libraries.test_validation_refusals import (
    CHARACTER,
    COLOR,
    DELETE,
    FONT,
    GRADIENT,
    NOISE,
    PARAGRAPH,
    R0,
    REP,
    THEME,
    C,
    G,
    P,
    S,
    T,
    assert_refused,
    changed,
)

CASES: list[tuple[str, dict[str, Any], str]] = [
    # Colors (§1.9 color payload).
    ("color#data null", changed(COLOR, C, None), f"{R0}.color#data"),
    ("color#data a string", changed(COLOR, C, "red"), f"{R0}.color#data"),
    ("mode lower case", changed(COLOR, (*C, "mode"), "rgb"), f"{R0}.color#data.mode"),
    ("mode missing", changed(COLOR, (*C, "mode"), DELETE), f"{R0}.color#data.mode"),
    ("r above 255", changed(COLOR, (*C, "value", "r"), 256), f"{R0}.color#data.value.r"),
    ("r a bool", changed(COLOR, (*C, "value", "r"), True), f"{R0}.color#data.value.r"),
    ("r NaN", changed(COLOR, (*C, "value", "r"), float("nan")), f"{R0}.color#data.value.r"),
    ("r infinite", changed(COLOR, (*C, "value", "r"), float("inf")), f"{R0}.color#data.value.r"),
    ("r a string", changed(COLOR, (*C, "value", "r"), "12"), f"{R0}.color#data.value.r"),
    ("r huge", changed(COLOR, (*C, "value", "r"), 10**400), f"{R0}.color#data.value.r"),
    ("g missing", changed(COLOR, (*C, "value", "g"), DELETE), f"{R0}.color#data.value.g"),
    ("value a list", changed(COLOR, (*C, "value"), [1, 2, 3]), f"{R0}.color#data.value"),
    ("value missing", changed(COLOR, (*C, "value"), DELETE), f"{R0}.color#data.value"),
    (
        "cmyk k above 100",
        changed(COLOR, ("representations", 1, "color#data", "value", "k"), 101),
        "representations[1].color#data.value.k",
    ),
    (
        "lab a below -128",
        changed(COLOR, C, {"mode": "Lab", "value": {"l": 1, "a": -129, "b": 0}}),
        f"{R0}.color#data.value.a",
    ),
    (
        "lab l above 100",
        changed(COLOR, C, {"mode": "Lab", "value": {"l": 101, "a": 0, "b": 0}}),
        f"{R0}.color#data.value.l",
    ),
    (
        "hsb h above 360",
        changed(COLOR, C, {"mode": "HSB", "value": {"h": 361, "s": 0, "b": 0}}),
        f"{R0}.color#data.value.h",
    ),
    (
        "gray as an object",
        changed(COLOR, C, {"mode": "Gray", "value": {"gray": 5}}),
        f"{R0}.color#data.value",
    ),
    ("gray above 100", changed(COLOR, C, {"mode": "Gray", "value": 101}), f"{R0}.color#data.value"),
    ("tint missing", changed(COLOR, (*C, "mode"), "RGB.tint"), f"{R0}.color#data.tint"),
    (
        "tint inside above 100",
        changed(
            COLOR, C, {"mode": "CMYK.tint", "value": {"c": 0, "m": 0, "y": 0, "k": 0, "tint": 101}}
        ),
        f"{R0}.color#data.value.tint",
    ),
    (
        "tint beside negative",
        changed(COLOR, C, {"mode": "Lab.tint", "value": {"l": 0, "a": 0, "b": 0}, "tint": -1}),
        f"{R0}.color#data.tint",
    ),
    ("color type unknown", changed(COLOR, (*C, "type"), "mixed"), f"{R0}.color#data.type"),
    ("spot without name", changed(COLOR, (*C, "type"), "spot"), f"{R0}.color#data.spotColorName"),
    (
        "spot with empty name",
        changed(COLOR, C, rgb(type="spot", spotColorName="")),
        f"{R0}.color#data.spotColorName",
    ),
    ("alpha above 1", changed(COLOR, (*C, "alpha"), 1.5), f"{R0}.color#data.alpha"),
    (
        "profileName a number",
        changed(COLOR, (*C, "profileName"), 5),
        f"{R0}.color#data.profileName",
    ),
    # Themes.
    (
        "swatches missing",
        changed(THEME, (*T, "swatches"), DELETE),
        f"{R0}.colortheme#data.swatches",
    ),
    (
        "four swatches",
        changed(THEME, (*T, "swatches", 4), DELETE),
        f"{R0}.colortheme#data.swatches",
    ),
    (
        "swatch without RGB",
        changed(THEME, (*T, "swatches", 2), [cmyk()]),
        f"{R0}.colortheme#data.swatches[2]",
    ),
    ("swatch empty", changed(THEME, (*T, "swatches", 0), []), f"{R0}.colortheme#data.swatches[0]"),
    (
        "swatch an object",
        changed(THEME, (*T, "swatches", 3), rgb()),
        f"{R0}.colortheme#data.swatches[3]",
    ),
    (
        "swatch color bad",
        changed(THEME, (*T, "swatches", 1, 0, "value", "c"), -1),
        f"{R0}.colortheme#data.swatches[1][0].value.c",
    ),
    (
        "baseSwatchIndex 5",
        changed(THEME, (*T, "baseSwatchIndex"), 5),
        f"{R0}.colortheme#data.baseSwatchIndex",
    ),
    (
        "baseSwatchIndex fractional",
        changed(THEME, (*T, "baseSwatchIndex"), 1.5),
        f"{R0}.colortheme#data.baseSwatchIndex",
    ),
    ("tag a number", changed(THEME, (*T, "tags", 1), 1), f"{R0}.colortheme#data.tags[1]"),
    ("rule a number", changed(THEME, (*T, "rule"), 5), f"{R0}.colortheme#data.rule"),
    ("colortheme#data missing", changed(THEME, T, DELETE), f"{R0}.colortheme#data"),
    # Gradients.
    (
        "gradient type angular",
        changed(GRADIENT, (*G, "type"), "angular"),
        f"{R0}.gradient#data.type",
    ),
    ("gradient no stops", changed(GRADIENT, (*G, "stops"), []), f"{R0}.gradient#data.stops"),
    (
        "stop without RGB",
        changed(GRADIENT, (*G, "stops", 0, "color"), [cmyk()]),
        f"{R0}.gradient#data.stops[0].color",
    ),
    ("stop a list", changed(GRADIENT, (*G, "stops", 1), [rgb()]), f"{R0}.gradient#data.stops[1]"),
    (
        "stop offset 2",
        changed(GRADIENT, (*G, "stops", 0, "offset"), 2),
        f"{R0}.gradient#data.stops[0].offset",
    ),
    (
        "stop midpoint negative",
        changed(GRADIENT, (*G, "stops", 1, "midpoint"), -0.1),
        f"{R0}.gradient#data.stops[1].midpoint",
    ),
    (
        "stop phxsInherit",
        changed(GRADIENT, (*G, "stops", 0, "phxsInherit"), "fg"),
        f"{R0}.gradient#data.stops[0].phxsInherit",
    ),
    ("angle 361", changed(GRADIENT, (*G, "angle"), 361), f"{R0}.gradient#data.angle"),
    ("scale 0", changed(GRADIENT, (*G, "scale"), 0), f"{R0}.gradient#data.scale"),
    (
        "aspectRatio a string",
        changed(GRADIENT, (*G, "aspectRatio"), "1"),
        f"{R0}.gradient#data.aspectRatio",
    ),
    (
        "centerPoint without y",
        changed(GRADIENT, (*G, "centerPoint"), {"x": 0}),
        f"{R0}.gradient#data.centerPoint.y",
    ),
    (
        "centerPoint x 2",
        changed(GRADIENT, (*G, "centerPoint"), {"x": 2, "y": 0}),
        f"{R0}.gradient#data.centerPoint.x",
    ),
    (
        "opacity 2",
        changed(GRADIENT, (*G, "opacities", 1, "opacity"), 2),
        f"{R0}.gradient#data.opacities[1].opacity",
    ),
    (
        "opacities an object",
        changed(GRADIENT, (*G, "opacities"), {}),
        f"{R0}.gradient#data.opacities",
    ),
    (
        "interpolation cubic",
        changed(GRADIENT, (*G, "interpolation"), "cubic"),
        f"{R0}.gradient#data.interpolation",
    ),
    (
        "orientation without y2",
        changed(GRADIENT, (*G, "orientation"), {"x1": 0, "x2": 1, "y1": 0}),
        f"{R0}.gradient#data.orientation.y2",
    ),
    (
        "direction diagonal",
        changed(GRADIENT, (*G, "direction"), "diagonal"),
        f"{R0}.gradient#data.direction",
    ),
    (
        "smoothness 4097",
        changed(GRADIENT, (*G, "smoothness"), 4097),
        f"{R0}.gradient#data.smoothness",
    ),
    (
        "noise without minimumColor",
        changed(NOISE, (*G, "minimumColor"), DELETE),
        f"{R0}.gradient#data.minimumColor",
    ),
    (
        "noise maximum without RGB",
        changed(NOISE, (*G, "maximumColor"), [cmyk()]),
        f"{R0}.gradient#data.maximumColor",
    ),
    (
        "noise without seed",
        changed(NOISE, (*G, "randomSeed"), DELETE),
        f"{R0}.gradient#data.randomSeed",
    ),
    (
        "noise vectorColor a string",
        changed(NOISE, (*G, "vectorColor"), "yes"),
        f"{R0}.gradient#data.vectorColor",
    ),
    (
        "noise smoothness negative",
        changed(NOISE, (*G, "smoothness"), -1),
        f"{R0}.gradient#data.smoothness",
    ),
    # Fonts.
    ("font#data a list", changed(FONT, (*REP, "font#data"), []), f"{R0}.font#data"),
    (
        "font family blank",
        changed(FONT, (*REP, "font#data", "family"), " "),
        f"{R0}.font#data.family",
    ),
    (
        "font typekit a number",
        changed(FONT, (*REP, "font#data", "typekitFontId"), 5),
        f"{R0}.font#data.typekitFontId",
    ),
    # Character styles.
    ("style empty", changed(CHARACTER, S, {}), f"{R0}.characterstyle#data"),
    ("style of nulls", changed(CHARACTER, S, {"fontSize": None}), f"{R0}.characterstyle#data"),
    (
        "fontFamily blank",
        changed(CHARACTER, (*S, "fontFamily"), " "),
        f"{R0}.characterstyle#data.fontFamily",
    ),
    (
        "unknown property blank",
        changed(CHARACTER, (*S, "adbeIlstX"), ""),
        f"{R0}.characterstyle#data.adbeIlstX",
    ),
    (
        "fontSize a string",
        changed(CHARACTER, (*S, "fontSize"), "18pt"),
        f"{R0}.characterstyle#data.fontSize",
    ),
    (
        "fontSize unit unknown",
        changed(CHARACTER, (*S, "fontSize", "type"), "furlong"),
        f"{R0}.characterstyle#data.fontSize.type",
    ),
    (
        "fontSize value a string",
        changed(CHARACTER, (*S, "fontSize", "value"), "18"),
        f"{R0}.characterstyle#data.fontSize.value",
    ),
    (
        "letterSpacing a bool",
        changed(CHARACTER, (*S, "letterSpacing"), False),
        f"{R0}.characterstyle#data.letterSpacing",
    ),
    (
        "fontWeight 0",
        changed(CHARACTER, (*S, "fontWeight"), 0),
        f"{R0}.characterstyle#data.fontWeight",
    ),
    (
        "fontWeight 1001",
        changed(CHARACTER, (*S, "fontWeight"), 1001),
        f"{R0}.characterstyle#data.fontWeight",
    ),
    (
        "fontWeight a bool",
        changed(CHARACTER, (*S, "fontWeight"), True),
        f"{R0}.characterstyle#data.fontWeight",
    ),
    (
        "style color bad",
        changed(CHARACTER, (*S, "color", 0, "value", "r"), 300),
        f"{R0}.characterstyle#data.color[0].value.r",
    ),
    (
        "style single color bad",
        changed(CHARACTER, (*S, "color"), {"mode": "RGBA"}),
        f"{R0}.characterstyle#data.color.mode",
    ),
    (
        "style color a string",
        changed(CHARACTER, (*S, "color"), "#000"),
        f"{R0}.characterstyle#data.color",
    ),
    (
        "adbeFont name empty",
        changed(CHARACTER, (*S, "adbeFont", "name"), ""),
        f"{R0}.characterstyle#data.adbeFont.name",
    ),
    (
        "paragraph property in a character style",
        changed(CHARACTER, (*S, "adbeParaAlignment"), "Alignment.LEFT_ALIGN"),
        f"{R0}.characterstyle#data.adbeParaAlignment",
    ),
    ("characterstyle#data null", changed(CHARACTER, S, None), f"{R0}.characterstyle#data"),
    # Paragraph styles.
    (
        "alignment unknown",
        changed(PARAGRAPH, (*P, "adbeParaAlignment"), "Alignment.JUSTIFY"),
        f"{R0}.paragraphstyle#data.adbeParaAlignment",
    ),
    (
        "left indent a string",
        changed(PARAGRAPH, (*P, "adbeLeftIndent"), "12pt"),
        f"{R0}.paragraphstyle#data.adbeLeftIndent",
    ),
    (
        "word spacing 1001",
        changed(PARAGRAPH, (*P, "adbeMinimumWordSpacing"), 1001),
        f"{R0}.paragraphstyle#data.adbeMinimumWordSpacing",
    ),
    (
        "letter spacing -101",
        changed(PARAGRAPH, (*P, "adbeDesiredLetterSpacing"), -101),
        f"{R0}.paragraphstyle#data.adbeDesiredLetterSpacing",
    ),
    (
        "glyph scaling 49",
        changed(PARAGRAPH, (*P, "adbeMaximumGlyphScaling"), 49),
        f"{R0}.paragraphstyle#data.adbeMaximumGlyphScaling",
    ),
    (
        "auto leading 501",
        changed(PARAGRAPH, (*P, "adbeParaAutoLeading"), 501),
        f"{R0}.paragraphstyle#data.adbeParaAutoLeading",
    ),
    (
        "single word justification",
        changed(PARAGRAPH, (*P, "adbeSingleWordJustification"), "Justification.LEFT"),
        f"{R0}.paragraphstyle#data.adbeSingleWordJustification",
    ),
    (
        "paragraph fontSize bad unit",
        changed(PARAGRAPH, (*P, "fontSize", "type"), 5),
        f"{R0}.paragraphstyle#data.fontSize.type",
    ),
    ("paragraphstyle#data missing", changed(PARAGRAPH, P, DELETE), f"{R0}.paragraphstyle#data"),
]


@pytest.mark.parametrize(("payload", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_the_field_named(payload: dict[str, Any], field: str) -> None:
    assert_refused(payload, field)


def test_case_ids_are_unique() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
