"""Color and color-theme representations from plain colors (compat reference §1.9).

A color is ``"#RRGGBB"`` (or ``#RGB``) or ``(r, g, b)`` with channels 0..255; it becomes an
RGB ``color#data`` of type ``process``, which every Creative Cloud app reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cclibs.sdk.api.types import Color, Representation
from cclibs.sdk.errors import SdkError

__all__ = ["SWATCHES", "color_representation", "rgb", "theme_representation"]

SWATCHES = 5
"""A color theme has exactly five swatches."""


def rgb(color: Color) -> dict[str, float]:
    """``color`` as ``color#data``'s RGB value ``{r, g, b}``."""
    if isinstance(color, str):
        text = color.strip().removeprefix("#")
        if len(text) == 3:
            text = "".join(c * 2 for c in text)
        try:
            if len(text) != 6:
                raise ValueError
            channels: tuple[float, ...] = tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            raise SdkError(f"{color!r} is not a color: use #RRGGBB or (r, g, b)") from None
    else:
        channels = tuple(color)
        ok = len(channels) == 3 and all(
            isinstance(c, int | float) and not isinstance(c, bool) and 0 <= c <= 255
            for c in channels
        )
        if not ok:
            raise SdkError(f"{color!r} is not a color: (r, g, b) with each 0..255")
    return dict(zip(("r", "g", "b"), channels, strict=True))


def _rgb_color(color: Color) -> dict[str, Any]:
    return {"mode": "RGB", "value": rgb(color), "type": "process"}


def color_representation(color: Color, alpha: float | None = None) -> Representation:
    data = _rgb_color(color)
    if alpha is not None:
        data["alpha"] = alpha
    return {
        "type": "application/vnd.adobe.color+json",
        "relationship": "primary",
        "color#data": data,
    }


def theme_representation(
    swatches: Sequence[Color], rule: str | None = None, mood: str | None = None
) -> Representation:
    if len(swatches) != SWATCHES:
        raise SdkError(f"a color theme has exactly {SWATCHES} swatches, not {len(swatches)}")
    data: dict[str, Any] = {"swatches": [[_rgb_color(color)] for color in swatches]}
    data.update({k: v for k, v in {"rule": rule, "mood": mood}.items() if v is not None})
    return {
        "type": "application/vnd.adobe.colortheme+json",
        "relationship": "primary",
        "colortheme#data": data,
    }
