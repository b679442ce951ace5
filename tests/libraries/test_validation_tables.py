"""The validation tables are complete: every representation type and element type that the
compat reference names (§1.6, §1.9) has its entry, and the package stays pure Python."""

from __future__ import annotations

import subprocess
import sys

import pytest

import cclibs.libraries.validation as validation
from cclibs.libraries.errors import InvalidElement
from cclibs.libraries.validation import ELEMENT_TYPES, RULES, UPLOADED_TYPES, is_uploaded_type
from cclibs.libraries.validation.colors import CHANNELS, MODES
from cclibs.libraries.validation.mime import INLINE_TYPES, LINK, check_mime
from cclibs.libraries.validation.representations import rule_for
from cclibs.libraries.validation.styles import CHARACTER_PROPERTIES, PARAGRAPH_PROPERTIES

# Transcribed from §1.9's table of representation types, and §1.6's supported audio types.
SECTION_1_9_REPRESENTATION_TYPES = [
    "application/vnd.adobe.color+json",
    "application/vnd.adobe.colortheme+json",
    "application/vnd.adobe.gradient+json",
    "application/vnd.adobe.gradient.noise+json",
    "application/vnd.adobe.font+json",
    "application/vnd.adobe.characterstyle+json",
    "application/vnd.adobe.paragraphstyle+json",
    "application/vnd.adobe.indesign-idms",
    "application/vnd.adobe.library.link+dcx",
    "image/gif",
    "image/jpeg",
    "image/jpg",
    "image/png",
    "image/svg+xml",
    *[
        "audio/mpeg",
        "audio/x-mpeg",
        "audio/mpeg3",
        "audio/x-mpeg-3",
        "audio/mp3",
        "audio/m4a",
        "audio/wav",
        "audio/x-wav",
        "audio/vnd.wave",
        "audio/wave",
        "audio/aac",
        "audio/aacp",
        "audio/aif",
        "audio/x-aiff",
    ],
]

# §1.6's user-uploaded list (Adobe's assetMimeTypes), without the four family wildcards.
SECTION_1_6_UPLOADED_TYPES = [
    "application/photoshop",
    "application/ai",
    "application/pdf",
    "application/zip",
    "application/postscript",
    "application/vnd.adobe.indesign-idms",
    "application/x-indesign",
    "application/vnd.adobe.muse-collection",
    "application/vnd.adobe.pstouch",
    "application/vnd.adobe.psremix",
    "application/vnd.adobe.ideas",
    "application/vnd.adobe.ase",
    "application/mxf",
    "application/x-shockwave-flash",
    "application/msword",
    "application/msexcel",
    "application/mspowerpoint",
    "application/vnd.ms-publisher",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
]

SECTION_1_9_ELEMENT_KINDS = [
    "image",
    "brush",
    "layerstyle",
    "template",
    "color",
    "colortheme",
    "gradient",
    "pattern",
    "characterstyle",
    "paragraphstyle",
    "text",
    "look",
    "video",
    "animation",
    "graphic",
    "3d",
    "material",
    "light",
    "font",
]


@pytest.mark.parametrize("kind", SECTION_1_9_REPRESENTATION_TYPES + SECTION_1_6_UPLOADED_TYPES)
def test_rules_cover_every_named_representation_type(kind: str) -> None:
    assert kind in RULES


def test_uploaded_types_are_the_listed_ones() -> None:
    assert set(SECTION_1_6_UPLOADED_TYPES) == UPLOADED_TYPES


def test_rules_keys_are_concrete_lower_case_types() -> None:
    for kind in RULES:
        assert check_mime(kind, "type") == kind


@pytest.mark.parametrize("kind", SECTION_1_9_ELEMENT_KINDS)
def test_element_types_cover_every_named_element_type(kind: str) -> None:
    assert f"application/vnd.adobe.element.{kind}+dcx" in ELEMENT_TYPES


def test_the_library_type_is_not_an_element_type() -> None:
    assert "application/vnd.adobe.library+dcx" not in ELEMENT_TYPES


def test_every_element_type_takes_image_renditions_and_links() -> None:
    for allowed in ELEMENT_TYPES.values():
        assert allowed("image/png")
        assert allowed("image/webp")
        assert allowed(LINK)


INLINE_HOMES = {
    "application/vnd.adobe.color+json": {"color"},
    "application/vnd.adobe.colortheme+json": {"colortheme"},
    "application/vnd.adobe.gradient+json": {"gradient"},
    "application/vnd.adobe.gradient.noise+json": {"gradient"},
    "application/vnd.adobe.font+json": {"font"},
    "application/vnd.adobe.characterstyle+json": {"characterstyle"},
    "application/vnd.adobe.paragraphstyle+json": {"paragraphstyle"},
}


@pytest.mark.parametrize(("kind", "homes"), INLINE_HOMES.items())
def test_each_inline_type_belongs_to_its_element_types_only(kind: str, homes: set[str]) -> None:
    assert set(INLINE_HOMES) == INLINE_TYPES
    accepting = {
        element.removeprefix("application/vnd.adobe.element.").removesuffix("+dcx")
        for element, allowed in ELEMENT_TYPES.items()
        if allowed(kind)
    }
    assert accepting == homes


def test_only_styles_and_file_elements_take_indesign_snippets() -> None:
    for kind in ("color", "colortheme", "gradient", "font"):
        assert not ELEMENT_TYPES[f"application/vnd.adobe.element.{kind}+dcx"](
            "application/vnd.adobe.indesign-idms"
        )
    for kind in ("characterstyle", "paragraphstyle", "image", "template"):
        assert ELEMENT_TYPES[f"application/vnd.adobe.element.{kind}+dcx"](
            "application/vnd.adobe.indesign-idms"
        )


def test_every_color_mode_has_its_channels() -> None:
    for mode in MODES:
        base = mode.removesuffix(".tint")
        assert base == "Gray" or base in CHANNELS


def test_paragraph_styles_take_every_character_property() -> None:
    assert set(CHARACTER_PROPERTIES) <= set(PARAGRAPH_PROPERTIES)


@pytest.mark.parametrize(
    ("mime", "uploaded"),
    [
        ("image/png", True),
        ("image/webp", True),
        ("IMAGE/PNG", True),
        ("video/mp4", True),
        ("text/plain; charset=utf-8", True),
        ("audio/ogg", True),
        ("application/pdf", True),
        ("application/vnd.adobe.indesign-idms", True),
        ("application/vnd.adobe.color+json", False),
        ("application/vnd.adobe.library.link+dcx", False),
        ("application/octet-stream", False),
        ("image", False),
        ("", False),
    ],
)
def test_is_uploaded_type(mime: str, uploaded: bool) -> None:
    assert is_uploaded_type(mime) is uploaded


def test_types_without_a_rule_fall_back_by_family() -> None:
    rep_without_file = {"type": "x"}
    for kind in ("video/mp4", "text/csv", "audio/ogg", "image/webp"):
        with pytest.raises(InvalidElement):
            rule_for(kind)(rep_without_file, "rep")
    rule_for("application/x-sketch")(rep_without_file, "rep")


def test_public_surface() -> None:
    assert set(validation.__all__) == {
        "ELEMENT_TYPES",
        "RULES",
        "UPLOADED_TYPES",
        "AllowedTypes",
        "Checker",
        "check_color",
        "is_uploaded_type",
        "validate_element",
        "validate_representation",
        "validate_representations",
    }
    for name in validation.__all__:
        assert getattr(validation, name) is not None


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        RULES["image/png"] = RULES["image/gif"]  # type: ignore[index]
    with pytest.raises(TypeError):
        ELEMENT_TYPES["x/y"] = ELEMENT_TYPES["application/vnd.adobe.element.image+dcx"]  # type: ignore[index]


def test_the_package_imports_only_the_standard_library() -> None:
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import cclibs.libraries.validation\n"
        "loaded = {m.split('.')[0] for m in set(sys.modules) - before}\n"
        "print(','.join(sorted(loaded - set(sys.stdlib_module_names) - {'cclibs'})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
