"""MIME types: the concrete-type rule, the user-uploaded list and the representation types.

Compat reference §1.6 (element validation rules: concrete types, user-uploaded types, audio
types) and §1.9 (representation types). MIME types compare case-insensitively (RFC 2045
§5.1), so every lookup here goes through ``essence``: lower case, parameters dropped.
"""

from __future__ import annotations

import re

from cclibs.libraries.errors import InvalidElement

__all__ = [
    "AUDIO_TYPES",
    "CHARACTER_STYLE",
    "COLOR",
    "COLORTHEME",
    "FONT",
    "GRADIENT",
    "IMAGE_TYPES",
    "INDESIGN_SNIPPET",
    "INLINE_TYPES",
    "LINK",
    "NOISE_GRADIENT",
    "PARAGRAPH_STYLE",
    "UPLOADED_TYPES",
    "check_mime",
    "essence",
    "is_image",
    "is_uploaded_type",
]

COLOR = "application/vnd.adobe.color+json"
COLORTHEME = "application/vnd.adobe.colortheme+json"
GRADIENT = "application/vnd.adobe.gradient+json"
NOISE_GRADIENT = "application/vnd.adobe.gradient.noise+json"
FONT = "application/vnd.adobe.font+json"
CHARACTER_STYLE = "application/vnd.adobe.characterstyle+json"
PARAGRAPH_STYLE = "application/vnd.adobe.paragraphstyle+json"
INDESIGN_SNIPPET = "application/vnd.adobe.indesign-idms"
LINK = "application/vnd.adobe.library.link+dcx"

INLINE_TYPES = frozenset(
    {COLOR, COLORTHEME, GRADIENT, NOISE_GRADIENT, FONT, CHARACTER_STYLE, PARAGRAPH_STYLE}
)
"""Representations that carry their content in the element as a ``<x>#data`` object."""

IMAGE_TYPES = frozenset({"image/gif", "image/jpeg", "image/jpg", "image/png", "image/svg+xml"})
"""The image types §1.9 names; any other ``image/*`` is accepted the same way."""

AUDIO_TYPES = frozenset(
    {
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
    }
)
"""The supported audio types (§1.6): these need an ``audio#data`` object."""

_UPLOADED_FAMILIES = frozenset({"image", "video", "text", "audio"})

UPLOADED_TYPES = frozenset(
    {
        "application/photoshop",
        "application/ai",
        "application/pdf",
        "application/zip",
        "application/postscript",
        INDESIGN_SNIPPET,
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
    }
)
"""The concrete user-uploaded types of §1.6 (Adobe's ``assetMimeTypes``), beside the
``image/*``, ``video/*``, ``text/*`` and ``audio/*`` families."""

# RFC 6838 §4.2 restricted names; RFC 2045 §5.1 parameters. "*" is in neither name
# alphabet, so a wildcard never matches: it is not a concrete type.
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_WORD = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"(?:[^"\\\r\n]|\\[^\r\n])*"'
_MIME = re.compile(rf"({_NAME})/({_NAME})(?:[ \t]*;[ \t]*{_WORD}=(?:{_WORD}|{_QUOTED}))*[ \t]*")
_MAX_LENGTH = 1024


def essence(mime: str) -> str:
    """``type/subtype`` in lower case, without parameters; no validation."""
    return mime.split(";", 1)[0].strip().lower()


def check_mime(value: object, field: str) -> str:
    """A valid, concrete MIME type (no wildcard); returns its essence."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidElement(field, "must be a MIME type such as image/png")
    match = _MIME.fullmatch(value) if len(value) <= _MAX_LENGTH else None
    if match is None:
        head = value.split(";", 1)[0]
        if "*" in head:
            raise InvalidElement(field, "must be a concrete MIME type, not a wildcard")
        raise InvalidElement(field, "must be a valid MIME type such as image/png")
    return f"{match.group(1)}/{match.group(2)}".lower()


def is_uploaded_type(mime: str) -> bool:
    """Whether a representation of this type references an uploaded file (§1.6), and so
    needs a ``storage_href`` or ``path``."""
    kind = essence(mime)
    family, slash, _ = kind.partition("/")
    return bool(slash) and (family in _UPLOADED_FAMILIES or kind in UPLOADED_TYPES)


def is_image(mime: str) -> bool:
    return essence(mime).startswith("image/")
