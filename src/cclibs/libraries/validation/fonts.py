"""Fonts: the ``font#data`` of ``application/vnd.adobe.font+json``, and the ``adbeFont`` of
character and paragraph styles.

Compat reference §1.9: every field is optional, and a field that is given must be a
non-blank string. Other keys are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cclibs.libraries.validation._values import (
    ValueChecker,
    check_fields,
    need_nonblank,
    need_object,
)

__all__ = ["FONT_FIELDS", "check_font"]

FONT_FIELDS: Mapping[str, ValueChecker] = {
    key: need_nonblank
    for key in ("name", "family", "postScriptName", "style", "typekitFontId", "foundry")
}


def check_font(data: Any, field: str) -> None:
    check_fields(need_object(data, field), field, FONT_FIELDS)
