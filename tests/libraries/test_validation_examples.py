"""Payloads that must pass: the examples of the compat reference (§1.9, §4) and Adobe's
supported-elements page, and one valid payload per element kind.

The builders here are shared by the other ``test_validation_*`` modules.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cclibs.libraries.validation import validate_element, validate_representation

CLIENT = {"deviceId": "MY_COOL_DEVICE_ID", "device": "MY_COOL_DEVICE", "app": "MY_COOL_APP"}
STORAGE = "https://cc-api-storage-stage.adobe.io/id/urn:aaid:sc:US:efb1969b?component_id=602eb2e4"


def element(kind: str, *reps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": f"my-{kind}",
        "type": f"application/vnd.adobe.element.{kind}+dcx",
        "client": dict(CLIENT),
        "representations": list(reps),
        **extra,
    }


def rgb(r: float = 12, g: float = 56, b: float = 89, **extra: Any) -> dict[str, Any]:
    return {"mode": "RGB", "value": {"r": r, "g": g, "b": b}, **extra}


def cmyk(c: float = 100, m: float = 79, y: float = 39, k: float = 31) -> dict[str, Any]:
    return {"mode": "CMYK", "value": {"c": c, "m": m, "y": y, "k": k}, "type": "process"}


def color_rep(color: dict[str, Any], relationship: str = "primary") -> dict[str, Any]:
    return {
        "type": "application/vnd.adobe.color+json",
        "relationship": relationship,
        "color#data": color,
    }


def png(relationship: str = "rendition") -> dict[str, Any]:
    return {"type": "image/png", "relationship": relationship, "storage_href": STORAGE}


def theme_rep() -> dict[str, Any]:
    swatches = [[cmyk(0, 12, 37, 30), rgb(179, 158, 113, type="process")] for _ in range(5)]
    return {
        "type": "application/vnd.adobe.colortheme+json",
        "relationship": "primary",
        "colortheme#data": {
            "tags": ["tag1", "tag2"],
            "baseSwatchIndex": 0,
            "rule": "analogous",
            "mood": "colorful",
            "swatches": swatches,
        },
    }


def gradient_rep() -> dict[str, Any]:
    return {
        "id": "d8453c78-4dd4-44c0-ab18-0114e171aa84",
        "type": "application/vnd.adobe.gradient+json",
        "relationship": "primary",
        "gradient#data": {
            "type": "linear",
            "angle": 0,
            "stops": [
                {"color": [rgb(102, 238, 207), cmyk(48, 0, 30, 0)], "midpoint": 0, "offset": 0},
                {"color": [rgb(74, 96, 204), cmyk(77, 67, 0, 0)], "midpoint": 0.5, "offset": 1.0},
            ],
            "opacities": [
                {"opacity": 1.0, "midpoint": 0, "offset": 0},
                {"opacity": 1.0, "midpoint": 0.5, "offset": 1.0},
            ],
            "interpolation": "linear",
        },
    }


def noise_rep() -> dict[str, Any]:
    return {
        "type": "application/vnd.adobe.gradient.noise+json",
        "gradient#data": {
            "type": "noise",
            "minimumColor": [rgb(0, 0, 0)],
            "maximumColor": [rgb(255, 255, 255), cmyk(0, 0, 0, 0)],
            "randomSeed": 1234,
            "smoothness": 2048,
            "vectorColor": True,
            "showTransparency": False,
        },
    }


def font_rep() -> dict[str, Any]:
    return {
        "type": "application/vnd.adobe.font+json",
        "relationship": "primary",
        "font#data": {
            "name": "Helvetica Neue Bold",
            "family": "Helvetica Neue",
            "postScriptName": "HelveticaNeue-Bold",
            "style": "Bold",
        },
    }


def character_style() -> dict[str, Any]:
    """A shortened copy of the docs' Illustrator character style."""
    return {
        "color": [{"mode": "RGB", "value": {"r": 0, "g": 0, "b": 0}, "type": "process"}],
        "adbeFont": {"family": "Helvetica Neue", "name": "HelveticaNeue", "style": "Regular"},
        "fontFamily": "Helvetica Neue",
        "fontSize": {"type": "pt", "value": 18},
        "adbeIlstAlignment": "StyleRunAlignmentType.ROMANBASELINE",
        "adbeIlstAkiLeft": -1,
        "adbeAutoLeading": True,
        "adbeHorizontalScale": 100,
        "lineHeight": {"type": "pt", "value": 21.6000003814697},
        "fontFeatureSettings": ["clig", "liga"],
        "adbeIlstWariChuScale": 50,
    }


def style_rep(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "76ab62cd-f0fd-4778-ae4f-ce7a2aa4d7d0",
        "type": f"application/vnd.adobe.{kind}+json",
        "relationship": "primary",
        "is_full_size": False,
        "is_external_link": False,
        "preferredThumbnail": False,
        "representation_order": 0,
        f"{kind}#data": data,
    }


def paragraph_style() -> dict[str, Any]:
    return {
        **character_style(),
        "adbeParaAlignment": "Alignment.CENTER_ALIGN",
        "adbeLeftIndent": {"type": "pt", "value": 12},
        "adbeFirstLineIndent": 0,
        "adbeDesiredWordSpacing": 100,
        "adbeMinimumLetterSpacing": -100,
        "adbeMaximumGlyphScaling": 200,
        "adbeParaAutoLeading": 120,
        "adbeSingleWordJustification": "Justification.RIGHT_ALIGN",
        "adbeHyphenateWordsLongerThan": 10,
        "adbeHyphenation": True,
    }


def link_rep() -> dict[str, Any]:
    return {
        "type": "application/vnd.adobe.library.link+dcx",
        "relationship": "primary",
        "linktype": "image/jpeg",
        "linkurl": "https://stock.adobe.com/images/123",
        "adobestock#trackingdata": {"contentId": 123},
    }


def audio_rep() -> dict[str, Any]:
    return {
        "type": "audio/mpeg",
        "relationship": "primary",
        "path": "sounds/beep.mp3",
        "audio#data": {"duration": 1.5, "bitrate": 128000, "channels": 2, "tempo": 120},
    }


SPEC_COLOR = element(
    "color",
    color_rep(
        {
            "mode": "CMYK",
            "value": {
                "c": 100,
                "m": 79.0585160255432,
                "y": 39.5178139209747,
                "k": 31.2565803527832,
            },
            "type": "process",
        }
    ),
    color_rep(
        {
            "mode": "RGB",
            "value": {"r": 12.7313232421875, "g": 56.0341644287109, "b": 89.8001861572266},
            "type": "process",
        },
        relationship="rendition",
    ),
)
"""§1.9's color element: a CMYK primary and an RGB rendition."""

SAMPLE_COLOR = {
    "name": "#d9c962",
    "type": "application/vnd.adobe.element.color+dcx",
    "client": {"deviceId": "DEV_ID", "device": "DEV", "app": "APP"},
    "representations": [
        color_rep({"mode": "RGB", "profile": "sRGB", "value": {"r": 217, "g": 201, "b": 98}})
    ],
}
"""Adobe's saving-color-elements sample, which sends ``profile``, not ``profileName`` (§4)."""

SAMPLE_IMAGE = {
    "name": "photo.png",
    "type": "application/vnd.adobe.element.image+dcx",
    "client": {"deviceId": "Device ID", "device": "Device name", "app": "App name"},
    "representations": [
        {"type": "image/png", "relationship": "rendition", "storage_href": STORAGE}
    ],
}
"""Adobe's create-asset-element sample: one rendition and no primary (§4)."""

VALID: dict[str, dict[str, Any]] = {
    "spec color": SPEC_COLOR,
    "sample color with profile": SAMPLE_COLOR,
    "rendition-only image": SAMPLE_IMAGE,
    "svg graphic with png rendition": element(
        "image", {**png("primary"), "type": "image/svg+xml"}, png()
    ),
    "graphic of an unknown file type": element(
        "image", {"type": "application/octet-stream", "storage_href": STORAGE}
    ),
    "graphic without representations": element("image"),
    "graphic with null representations": {**element("image"), "representations": None},
    "photoshop graphic": element(
        "image",
        {"type": "application/photoshop", "relationship": "primary", "path": "a.psd"},
        {**png(), "width": 200, "height": 100, "content_length": 158356, "md5": "m0+2Jr=="},
    ),
    "color theme": element("colortheme", theme_rep(), png()),
    "gradient": element("gradient", gradient_rep(), png()),
    "noise gradient": element("gradient", noise_rep()),
    "font": element("font", font_rep()),
    "character style": element("characterstyle", style_rep("characterstyle", character_style())),
    "character style with idms primary": element(
        "characterstyle",
        {"type": "application/vnd.adobe.indesign-idms", "relationship": "primary", "path": "s"},
        style_rep("characterstyle", character_style()) | {"relationship": "rendition"},
        png(),
    ),
    "paragraph style": element("paragraphstyle", style_rep("paragraphstyle", paragraph_style())),
    "stock link graphic": element("image", link_rep(), png()),
    "audio element": element("audio", audio_rep()),
    "unknown element type": element("sketch", {"type": "application/x-sketch", "path": "s"}),
    "type with parameters": element("image", {**png(), "type": "text/plain; charset=utf-8"}),
    "upper-case types": {
        **element("color", color_rep(rgb()) | {"type": "Application/Vnd.Adobe.Color+JSON"}),
        "type": "Application/Vnd.Adobe.Element.Color+DCX",
    },
    "alternate and description": element(
        "pattern", png("primary"), png("alternate"), description="", sourceRef="x"
    ),
}


@pytest.mark.parametrize("payload", VALID.values(), ids=VALID.keys())
def test_valid_payloads_pass_unchanged(payload: dict[str, Any]) -> None:
    before = copy.deepcopy(payload)
    validate_element(payload)
    assert payload == before


COLORS = {
    "every mode": [
        rgb(),
        cmyk(),
        {"mode": "Lab", "value": {"l": 50, "a": -128, "b": 127}},
        {"mode": "HSB", "value": {"h": 360, "s": 0, "b": 100}},
        {"mode": "Gray", "value": 20},
    ],
    "tint inside value or beside it": [
        {"mode": "RGB.tint", "value": {"r": 1, "g": 2, "b": 3, "tint": 50}},
        {"mode": "CMYK.tint", "value": {"c": 1, "m": 2, "y": 3, "k": 4}, "tint": 100},
        {"mode": "Lab.tint", "value": {"l": 1, "a": 2, "b": 3, "tint": 0}, "tint": 0},
    ],
    "types, alpha, profile": [
        rgb(type="spot", spotColorName="PANTONE 875 C"),
        rgb(type="registration", alpha=1, profileName="sRGB IEC61966-2.1"),
        rgb(type="none", alpha=0, extra={"kept": True}),
        rgb(type=None, alpha=None, profileName=None),
    ],
}


@pytest.mark.parametrize("colors", COLORS.values(), ids=COLORS.keys())
def test_colors_of_every_mode_pass(colors: list[dict[str, Any]]) -> None:
    for index, color in enumerate(colors):
        validate_representation(color_rep(color), f"representations[{index}]")


def test_client_may_be_left_out_when_not_required() -> None:
    payload = element("image", png())
    del payload["client"]
    validate_element(payload, require_client=False)
