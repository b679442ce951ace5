"""Element payloads that must be refused, each with the exact field the refusal names: the
body, the fields every representation shares, uploaded files, links, and the representation
types each element type takes. The inline payloads (colors, themes, gradients, fonts,
styles) are in ``test_validation_payload_refusals``.

Every case starts from a valid payload of ``test_validation_examples`` and changes one
value (or removes it), so a case fails only for the rule it is about.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation import validate_element, validate_representations
from tests.libraries.test_validation_examples import (
    SAMPLE_IMAGE,
    audio_rep,
    character_style,
    cmyk,
    color_rep,
    element,
    font_rep,
    gradient_rep,
    link_rep,
    noise_rep,
    paragraph_style,
    png,
    rgb,
    style_rep,
    theme_rep,
)

DELETE = object()
Path = tuple[str | int, ...]


def changed(payload: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of ``payload`` with the value at ``path`` replaced (or removed: DELETE)."""
    result = copy.deepcopy(payload)
    holder: Any = result
    for step in path[:-1]:
        holder = holder[step]
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return result


IMAGE = element("image", png("primary"))
COLOR = element("color", color_rep(rgb()), color_rep(cmyk(), "rendition"))
THEME = element("colortheme", theme_rep())
GRADIENT = element("gradient", gradient_rep())
NOISE = element("gradient", noise_rep())
FONT = element("font", font_rep())
CHARACTER = element("characterstyle", style_rep("characterstyle", character_style()))
PARAGRAPH = element("paragraphstyle", style_rep("paragraphstyle", paragraph_style()))
LINK = element("image", link_rep())
AUDIO = element("audio", audio_rep())

REP = ("representations", 0)
C = (*REP, "color#data")
T = (*REP, "colortheme#data")
G = (*REP, "gradient#data")
S = (*REP, "characterstyle#data")
P = (*REP, "paragraphstyle#data")
R0 = "representations[0]"

CASES: list[tuple[str, dict[str, Any] | list[Any], str]] = [
    # The body and its top-level fields (§1.6).
    ("body is a list", [], "body"),
    ("name missing", changed(IMAGE, ("name",), DELETE), "name"),
    ("name blank", changed(IMAGE, ("name",), " \t"), "name"),
    ("name a number", changed(IMAGE, ("name",), 5), "name"),
    ("name too long", changed(IMAGE, ("name",), "x" * 1025), "name"),
    ("type missing", changed(IMAGE, ("type",), DELETE), "type"),
    ("type a wildcard", changed(IMAGE, ("type",), "application/vnd.adobe.element.*+dcx"), "type"),
    ("type */*", changed(IMAGE, ("type",), "*/*"), "type"),
    ("type not a MIME type", changed(IMAGE, ("type",), "graphics"), "type"),
    ("type a bool", changed(IMAGE, ("type",), True), "type"),
    ("type with a newline", changed(IMAGE, ("type",), "image/png\n"), "type"),
    ("client missing", changed(IMAGE, ("client",), DELETE), "client"),
    ("client a list", changed(IMAGE, ("client",), []), "client"),
    ("client.app blank", changed(IMAGE, ("client", "app"), ""), "client.app"),
    ("client.deviceId missing", changed(IMAGE, ("client", "deviceId"), DELETE), "client.deviceId"),
    ("client.device a number", changed(IMAGE, ("client", "device"), 1), "client.device"),
    ("description a number", changed(IMAGE, ("description",), 5), "description"),
    ("representations an object", changed(IMAGE, ("representations",), {}), "representations"),
    ("representation null", changed(IMAGE, REP, None), R0),
    ("representation a list", changed(IMAGE, REP, []), R0),
    # Fields every representation shares (§1.6 coercion-only fields, §1.7).
    ("rep type missing", changed(IMAGE, (*REP, "type"), DELETE), f"{R0}.type"),
    ("rep type a wildcard", changed(IMAGE, (*REP, "type"), "image/*"), f"{R0}.type"),
    ("relationship unknown", changed(IMAGE, (*REP, "relationship"), "thumb"), f"{R0}.relationship"),
    (
        "two primaries",
        element("image", png("primary"), png("primary")),
        "representations[1].relationship",
    ),
    ("width negative", changed(IMAGE, (*REP, "width"), -1), f"{R0}.width"),
    ("width fractional", changed(IMAGE, (*REP, "width"), 1.5), f"{R0}.width"),
    ("width a bool", changed(IMAGE, (*REP, "width"), True), f"{R0}.width"),
    ("height past int64", changed(IMAGE, (*REP, "height"), 2**63), f"{R0}.height"),
    (
        "content_length a string",
        changed(IMAGE, (*REP, "content_length"), "12"),
        f"{R0}.content_length",
    ),
    (
        "order past int32",
        changed(IMAGE, (*REP, "representation_order"), 2**31),
        f"{R0}.representation_order",
    ),
    ("is_full_size a string", changed(IMAGE, (*REP, "is_full_size"), "true"), f"{R0}.is_full_size"),
    ("is_component a number", changed(IMAGE, (*REP, "is_component"), 1), f"{R0}.is_component"),
    (
        "is_preferred_thumbnail",
        changed(IMAGE, (*REP, "is_preferred_thumbnail"), []),
        f"{R0}.is_preferred_thumbnail",
    ),
    ("is_external_link", changed(IMAGE, (*REP, "is_external_link"), 0), f"{R0}.is_external_link"),
    ("md5 a number", changed(IMAGE, (*REP, "md5"), 5), f"{R0}.md5"),
    ("etag a list", changed(IMAGE, (*REP, "etag"), []), f"{R0}.etag"),
    # Uploaded files need storage_href and/or path (§1.6).
    ("png without file", changed(IMAGE, (*REP, "storage_href"), DELETE), f"{R0}.storage_href"),
    ("png blank storage_href", changed(IMAGE, (*REP, "storage_href"), "  "), f"{R0}.storage_href"),
    ("png blank path beside href", changed(IMAGE, (*REP, "path"), ""), f"{R0}.path"),
    ("video without file", element("image", {"type": "video/mp4"}), f"{R0}.storage_href"),
    ("pdf without file", element("image", {"type": "application/pdf"}), f"{R0}.storage_href"),
    (
        "docx without file",
        element(
            "image",
            {"type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        ),
        f"{R0}.storage_href",
    ),
    ("audio without audio#data", changed(AUDIO, (*REP, "audio#data"), DELETE), f"{R0}.audio#data"),
    (
        "audio duration 0",
        changed(AUDIO, (*REP, "audio#data", "duration"), 0),
        f"{R0}.audio#data.duration",
    ),
    (
        "audio channels a bool",
        changed(AUDIO, (*REP, "audio#data", "channels"), True),
        f"{R0}.audio#data.channels",
    ),
    (
        "other audio tempo",
        changed(changed(AUDIO, (*REP, "type"), "audio/ogg"), (*REP, "audio#data", "tempo"), -1),
        f"{R0}.audio#data.tempo",
    ),
    # Links (§1.6).
    ("link without linktype", changed(LINK, (*REP, "linktype"), DELETE), f"{R0}.linktype"),
    ("link linktype wildcard", changed(LINK, (*REP, "linktype"), "image/*"), f"{R0}.linktype"),
    ("link blank linkurl", changed(LINK, (*REP, "linkurl"), " "), f"{R0}.linkurl"),
    (
        "link without tracking",
        changed(LINK, (*REP, "adobestock#trackingdata"), DELETE),
        f"{R0}.adobestock#trackingdata",
    ),
    (
        "link tracking a list",
        changed(LINK, (*REP, "adobestock#trackingdata"), []),
        f"{R0}.adobestock#trackingdata",
    ),
    # Color elements need an RGB color (§1.9).
    ("color without RGB", element("color", color_rep(cmyk()), png()), "representations"),
    (
        "color with RGB.tint only",
        element(
            "color", color_rep({"mode": "RGB.tint", "value": {"r": 1, "g": 1, "b": 1, "tint": 5}})
        ),
        "representations",
    ),
    ("color without reps", element("color"), "representations"),
    # Representation types an element type does not take (§1.6, §1.9).
    (
        "pdf on a color",
        element("color", color_rep(rgb()), {"type": "application/pdf", "path": "a"}),
        "representations[1].type",
    ),
    (
        "video on a color",
        element("color", color_rep(rgb()), {"type": "video/mp4", "path": "a"}),
        "representations[1].type",
    ),
    (
        "color on a character style",
        element(
            "characterstyle",
            style_rep("characterstyle", character_style()),
            color_rep(rgb(), "rendition"),
        ),
        "representations[1].type",
    ),
    (
        "paragraph rep on a character style",
        element("characterstyle", style_rep("paragraphstyle", paragraph_style())),
        f"{R0}.type",
    ),
    ("color on a graphic", element("image", png(), color_rep(rgb())), "representations[1].type"),
    ("theme on a gradient", element("gradient", theme_rep()), f"{R0}.type"),
    ("gradient on a theme", element("colortheme", gradient_rep()), f"{R0}.type"),
    (
        "font on a color",
        element("color", color_rep(rgb()), font_rep() | {"relationship": "rendition"}),
        "representations[1].type",
    ),
    # Adobe's samples, broken.
    (
        "sample image without href",
        changed(SAMPLE_IMAGE, (*REP, "storage_href"), None),
        f"{R0}.storage_href",
    ),
]


def assert_refused(payload: Any, field: str) -> None:
    """``payload`` is refused with one InvalidElement naming ``field``, rendered as 400."""
    with pytest.raises(InvalidElement) as caught:
        validate_element(payload)
    assert caught.value.field == field
    assert caught.value.status == 400
    assert caught.value.body() == {
        "reason": "invalid_element",
        "message": caught.value.message,
    }
    assert caught.value.message.startswith(f"{field}: ")


@pytest.mark.parametrize(("payload", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_the_field_named(payload: Any, field: str) -> None:
    assert_refused(payload, field)


def test_case_ids_are_unique() -> None:
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


def test_messages_say_what_is_allowed() -> None:
    with pytest.raises(InvalidElement) as caught:
        validate_element(changed(COLOR, (*C, "value", "r"), 256))
    assert (
        caught.value.message
        == "representations[0].color#data.value.r: must be a number from 0 to 255"
    )
    with pytest.raises(InvalidElement) as caught:
        validate_element(changed(THEME, (*T, "baseSwatchIndex"), 9))
    assert caught.value.message.endswith("must be an integer from 0 to 4")


def test_messages_never_echo_the_value() -> None:
    secret = "s3cr3t-value-" * 10
    for payload in (
        changed(IMAGE, ("type",), secret),
        changed(COLOR, (*C, "mode"), secret),
        changed(CHARACTER, (*S, "fontSize"), secret),
    ):
        with pytest.raises(InvalidElement) as caught:
            validate_element(payload)
        assert secret not in caught.value.message


def test_refused_types_are_named_with_what_the_element_takes() -> None:
    payload = element("font", font_rep(), color_rep(rgb(), "rendition"))
    with pytest.raises(InvalidElement) as caught:
        validate_element(payload)
    assert caught.value.message == (
        "representations[1].type: is not allowed in an element of type "
        "application/vnd.adobe.element.font+dcx, which takes application/vnd.adobe.font+json, "
        "image/*, application/vnd.adobe.library.link+dcx"
    )


def test_representations_alone_follow_the_same_rules() -> None:
    color_element = "application/vnd.adobe.element.color+dcx"
    validate_representations([color_rep(rgb())], color_element)
    for reps, kind, field in (
        ([color_rep(cmyk())], color_element, "representations"),
        ([png("primary"), png("primary")], color_element, "representations[1].relationship"),
        ([font_rep()], color_element, "representations[0].type"),
        (None, "image/*", "type"),
        ({}, color_element, "representations"),
    ):
        with pytest.raises(InvalidElement) as caught:
            validate_representations(reps, kind)
        assert caught.value.field == field
