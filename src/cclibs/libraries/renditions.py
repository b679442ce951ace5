"""Renditions: PNG thumbnails of uploaded images, and swatches of inline colors and gradients.

Compat reference §1.7: an element's ``thumbnail.rendition`` link ends in ``/:rendition;size=200``;
``size=N`` asks for a PNG whose longest side is N, no size for the full image. Adobe's
renditions never enlarge, so here the longest side is ``min(N, the image's longest side)``.
Inline representations (§1.9: ``color#data``, ``colortheme#data``, ``gradient#data``) have no
pixels of their own; they are drawn as square swatches of side N.

Everything here is pure and CPU-bound: bytes or JSON in, PNG bytes out. Callers run it in a
worker thread and cache the result. Any input that cannot be drawn ends in ``BadRequest`` or
``UnsupportedMedia``, never in another exception.

Pillow is imported by the first rendition drawn, not with this module: the server imports it
at start (for ``parse_rendition_segment``), and most processes never draw one.
"""

from __future__ import annotations

import colorsys
import functools
import io
import itertools
import math
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeAlias

from cclibs.libraries.errors import BadRequest, UnsupportedMedia

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "MAX_RENDITION_SIZE",
    "color_swatch_png",
    "colortheme_swatch_png",
    "gradient_swatch_png",
    "parse_rendition_segment",
    "swatch_for",
    "thumbnail_png",
]

MAX_RENDITION_SIZE = 2048
_MAX_PIXELS = 8192 * 8192
"""Larger images are refused before decoding: a few bytes of PNG header can announce
gigapixels (a decompression bomb). 8192² RGBA is already 256 MiB once decoded."""
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "PSD")
"""Decoders allowed to see uploads: the raster formats Creative Cloud apps store. Excluding
the rest keeps Pillow's rarer parsers, and EPS (which runs Ghostscript), off untrusted bytes."""


@functools.cache
def _decoding_errors() -> tuple[type[BaseException], ...]:
    from PIL import Image

    return (
        OSError,  # includes UnidentifiedImageError and truncated data
        ValueError,
        SyntaxError,  # some Pillow plugins report corrupt headers this way
        EOFError,
        struct.error,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,  # raised, not warned, where warnings are errors
    )


_PARAMETER = re.compile(r"([A-Za-z0-9_.%]+)(?:=(.*))?")
_SIZE = re.compile(r"[0-9]{1,9}")  # not \d, which also takes '²' and other digits

RGBA: TypeAlias = tuple[float, float, float, float]
"""Channels in 0..1."""


def parse_rendition_segment(segment: str) -> int | None:
    """The size asked by a ``:rendition`` path segment: None for the full size.

    The link template is ``:rendition{;page,size,version}`` (RFC 6570 path-style parameters),
    so ``;page=0`` and ``;version=1`` may come along; only ``size`` changes the answer.
    """
    name, *parameters = segment.split(";")
    if name != ":rendition":
        raise BadRequest("A rendition address ends in :rendition or :rendition;size=N.")
    size: int | None = None
    for parameter in parameters:
        match = _PARAMETER.fullmatch(parameter)
        if match is None:
            raise BadRequest(f"The rendition parameter {parameter!r} is not name=value.")
        if match[1] != "size":
            continue
        if size is not None:
            raise BadRequest("The rendition size is given twice.")
        size = _parse_size(match[2] or "")
    return size


def _parse_size(value: str) -> int:
    size = int(value) if _SIZE.fullmatch(value) else 0
    if not 1 <= size <= MAX_RENDITION_SIZE:
        raise BadRequest(
            f"The rendition size must be a whole number from 1 to {MAX_RENDITION_SIZE}."
        )
    return size


def thumbnail_png(image: bytes, size: int | None) -> bytes:
    """A PNG of ``image``, upright (EXIF orientation applied), longest side
    ``min(size, original)``; ``size=None`` keeps the full size."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(image), formats=_FORMATS) as opened:
            return _png(_fit(_upright(opened, size), size))
    except UnsupportedMedia:
        raise
    except _decoding_errors() as exc:
        raise UnsupportedMedia(_decoding_message(exc)) from None


def _upright(opened: Image.Image, size: int | None) -> Image.Image:
    from PIL import ImageOps

    width, height = opened.size
    if width * height > _MAX_PIXELS:
        raise UnsupportedMedia(f"The image is too large to render ({width}x{height} pixels).")
    # Mode conversion first: palette images would otherwise be resized without filtering.
    mode = "RGBA" if opened.has_transparency_data else "RGB"
    if size is not None:
        opened.draft(None, (size, size))  # JPEG: decode at 1/2, 1/4 or 1/8 scale when enough
    upright = ImageOps.exif_transpose(opened) or opened
    if upright.mode.startswith("I"):
        # 16-bit grey (Photoshop exports it): Pillow's convert clips to 255, so scale first.
        upright = upright.convert("I").point(lambda value: value / 256).convert("L")
    return upright if upright.mode == mode else upright.convert(mode)


def _fit(image: Image.Image, size: int | None) -> Image.Image:
    from PIL import Image

    width, height = image.size
    longest = max(width, height)
    if size is None or size >= longest:
        return image
    scale = size / longest
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    # reducing_gap shrinks by whole factors first: fast on large images, no visible loss.
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _decoding_message(exc: BaseException) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return f"Renditions are made from {', '.join(_FORMATS)} images only."
    if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
        return "The image is too large to render."
    return "The image data is damaged and cannot be rendered."


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# Swatches of inline representations (§1.9)


def color_swatch_png(color: Mapping[str, object], size: int) -> bytes:
    """A square of ``color`` (a ``color#data`` object), with its alpha."""
    from PIL import Image

    _check_swatch_size(size)
    return _png(Image.new("RGBA", (size, size), _bytes(_color_rgba(color))))


def colortheme_swatch_png(theme_data: Mapping[str, object], size: int) -> bytes:
    """Vertical stripes of equal width, one per swatch of the theme (five), left to right."""
    from PIL import Image

    _check_swatch_size(size)
    swatches = theme_data.get("swatches")
    if not isinstance(swatches, Sequence) or isinstance(swatches, str) or not swatches:
        raise BadRequest("colortheme#data.swatches must be a list of colors.")
    image = Image.new("RGBA", (size, size))
    count = len(swatches)
    for index, swatch in enumerate(swatches):
        left, right = round(index * size / count), round((index + 1) * size / count)
        image.paste(_bytes(_color_rgba(swatch)), (left, 0, right, size))
    return _png(image)


def gradient_swatch_png(gradient_data: Mapping[str, object], size: int) -> bytes:
    """The gradient across a square: ``linear`` along ``angle`` (degrees counter-clockwise,
    0 = left to right; its ends meet the corners, as in CSS) or ``radial`` from the centre to
    the middle of the edges. Stops use their RGB color, ``offset`` and ``midpoint``; ``opacities``
    set the alpha. Noise, smoothness, scale, aspect ratio and centre point are not drawn."""
    from PIL import Image

    _check_swatch_size(size)
    colors = _stops(gradient_data.get("stops"), "color", _color_rgba)
    if not colors:
        raise BadRequest("gradient#data.stops must hold at least one stop.")
    opacities = gradient_data.get("opacities")
    alphas = [] if opacities is None else _stops(opacities, "opacity", _alpha)
    # t (0..255 along the gradient) → RGBA, as one lookup table per channel.
    table = [_ramp(colors, i / 255) for i in range(256)]
    if alphas:
        table = [(*rgba[:3], _ramp(alphas, i / 255)[0]) for i, rgba in enumerate(table)]
    if gradient_data.get("type") == "radial":
        positions, reach = Image.radial_gradient("L").resize((size, size)), math.sqrt(2)
    else:
        positions, reach = _linear_positions(size, _number(gradient_data.get("angle", 0))), 1.0
    # Pillow's radial gradient reaches 255 at the corners; t = 1 at the edges is 255/√2.
    luts = [
        [round(255 * table[min(255, round(i * reach))][c]) for i in range(256)] for c in range(4)
    ]
    return _png(Image.merge("RGBA", [positions.point(lut) for lut in luts]))


def _linear_positions(size: int, angle: float) -> Image.Image:
    """An L image of ``size``² whose value grows 0 → 255 along ``angle``: a left-to-right ramp
    on a square big enough that, once rotated, it still covers the swatch, then cropped."""
    from PIL import Image

    theta = math.radians(angle)
    side = math.ceil(size * (abs(math.cos(theta)) + abs(math.sin(theta)))) + 2
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.TRANSPOSE)
    rotated = ramp.resize((side, side)).rotate(angle, Image.Resampling.BILINEAR)
    left = (side - size) // 2
    return rotated.crop((left, left, left + size, left + size))


_Stop: TypeAlias = tuple[float, float, tuple[float, ...]]
"""(offset, midpoint, values), offsets and midpoints in 0..1."""


def _stops(raw: object, key: str, read: Callable[[object], tuple[float, ...]]) -> list[_Stop]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise BadRequest(f"gradient#data: the {key} stops must be a list.")
    stops: list[_Stop] = []
    for stop in raw:
        if not isinstance(stop, Mapping):
            raise BadRequest(f"gradient#data: each {key} stop must be an object.")
        offset = _fraction(stop.get("offset", 0))
        stops.append((offset, _fraction(stop.get("midpoint", 0.5)), read(stop.get(key))))
    return sorted(stops, key=lambda s: s[0])


def _ramp(stops: list[_Stop], t: float) -> tuple[float, ...]:
    """The values at ``t``. Between two stops, the left stop's midpoint is where the mix is
    half and half (Illustrator's convention); before the first and after the last, flat."""
    if t <= stops[0][0]:
        return stops[0][2]
    for (start, midpoint, low), (end, _, high) in itertools.pairwise(stops):
        if t <= end:
            local = (t - start) / (end - start) if end > start else 1.0
            midpoint = min(max(midpoint, 0.01), 0.99)
            if local <= midpoint:
                local = 0.5 * local / midpoint
            else:
                local = 0.5 + 0.5 * (local - midpoint) / (1 - midpoint)
            return tuple(a + (b - a) * local for a, b in zip(low, high, strict=True))
    return stops[-1][2]


def _alpha(value: object) -> tuple[float]:
    return (_fraction(value),)


# Colors: color#data objects to sRGB


def _color_rgba(color: object) -> RGBA:
    """One color object, or a list of them (the RGB one is taken when there is one)."""
    if isinstance(color, Sequence) and not isinstance(color, str):
        objects = [c for c in color if isinstance(c, Mapping)]
        rgb = [c for c in objects if c.get("mode") == "RGB"]
        color = (rgb or objects)[0] if objects else None
    if not isinstance(color, Mapping):
        raise BadRequest("A color must be an object with mode and value.")
    mode, value = color.get("mode"), color.get("value")
    base = mode.removesuffix(".tint") if isinstance(mode, str) else None
    convert = _CONVERTERS.get(base or "")
    if convert is None:
        raise BadRequest(f"The color mode {mode!r} is not one of {', '.join(_CONVERTERS)}.")
    r, g, b = (min(max(channel, 0.0), 1.0) for channel in convert(value))
    if mode != base:
        # A tint mixes the color with paper white: 100 % is the color itself.
        tint = value.get("tint") if isinstance(value, Mapping) else None
        tint = _number(color.get("tint", 100) if tint is None else tint) / 100
        r, g, b = (1 - tint + tint * channel for channel in (r, g, b))
    return (r, g, b, _fraction(color.get("alpha", 1)))


def _from_rgb(value: object) -> tuple[float, float, float]:
    r, g, b = _channels(value, "rgb", 255)
    return (r, g, b)


def _from_cmyk(value: object) -> tuple[float, float, float]:
    # The naive formula, without the SWOP profile: good enough for a swatch.
    c, m, y, k = _channels(value, "cmyk", 100)
    return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))


def _from_lab(value: object) -> tuple[float, float, float]:
    """CIELAB (D50, Adobe's default profile) → XYZ → linear sRGB (Bradford-adapted) → sRGB."""
    if not isinstance(value, Mapping):
        raise BadRequest("A Lab color value must be an object {l, a, b}.")
    lightness, a, b = (_number(value.get(key)) for key in "lab")
    fy = (lightness + 16) / 116
    x, y, z = (
        white * (f**3 if f > 6 / 29 else 3 * (6 / 29) ** 2 * (f - 4 / 29))
        for white, f in ((0.96422, fy + a / 500), (1.0, fy), (0.82521, fy - b / 200))
    )
    linear = (
        3.1338561 * x - 1.6168667 * y - 0.4906146 * z,
        -0.9787684 * x + 1.9161415 * y + 0.0334540 * z,
        0.0719453 * x - 0.2289914 * y + 1.4052427 * z,
    )
    r, g, b = (_srgb_gamma(min(max(channel, 0.0), 1.0)) for channel in linear)
    return (r, g, b)


def _from_gray(value: object) -> tuple[float, float, float]:
    # Gray is ink coverage in Adobe's gray profiles: 0 is white, 100 is black.
    if isinstance(value, Mapping):
        value = value.get("gray", value.get("value"))
    level = 1 - _number(value) / 100
    return (level, level, level)


def _from_hsb(value: object) -> tuple[float, float, float]:
    if not isinstance(value, Mapping):
        raise BadRequest("An HSB color value must be an object {h, s, b}.")
    h, s, b = (_number(value.get(key)) for key in "hsb")
    return colorsys.hsv_to_rgb((h / 360) % 1.0, s / 100, b / 100)


_CONVERTERS: dict[str, Callable[[object], tuple[float, float, float]]] = {
    "RGB": _from_rgb,
    "CMYK": _from_cmyk,
    "Lab": _from_lab,
    "Gray": _from_gray,
    "HSB": _from_hsb,
}


def _srgb_gamma(linear: float) -> float:
    return 12.92 * linear if linear <= 0.0031308 else 1.055 * linear ** (1 / 2.4) - 0.055


def _channels(value: object, keys: str, scale: float) -> tuple[float, ...]:
    if not isinstance(value, Mapping):
        raise BadRequest(f"A color value must be an object {{{', '.join(keys)}}}.")
    return tuple(_number(value.get(key)) / scale for key in keys)


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRequest(f"Expected a number, got {value!r}.")
    return float(value)


def _fraction(value: object) -> float:
    """A 0..1 quantity; values above 1 are read as percentages (midpoints are 13..87 in
    Illustrator's scripting model), then clamped."""
    number = _number(value)
    return min(max(number / 100 if number > 1 else number, 0.0), 1.0)


def _bytes(rgba: RGBA) -> tuple[int, int, int, int]:
    r, g, b, a = (round(255 * channel) for channel in rgba)
    return (r, g, b, a)


def _check_swatch_size(size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_RENDITION_SIZE:
        raise BadRequest(f"A swatch size is a whole number from 1 to {MAX_RENDITION_SIZE}.")


_SWATCHES: dict[str, tuple[str, Callable[[Mapping[str, object], int], bytes]]] = {
    "application/vnd.adobe.color+json": ("color#data", color_swatch_png),
    "application/vnd.adobe.colortheme+json": ("colortheme#data", colortheme_swatch_png),
    "application/vnd.adobe.gradient+json": ("gradient#data", gradient_swatch_png),
}


def swatch_for(rep_type: str, rep: Mapping[str, object]) -> Callable[[int], bytes] | None:
    """The swatch renderer (size → PNG) for an inline representation, None for other types."""
    entry = _SWATCHES.get(rep_type)
    if entry is None:
        return None
    key, render = entry
    payload = rep.get(key)
    if not isinstance(payload, Mapping):
        raise BadRequest(f"A {rep_type} representation carries its {key} object.")
    return functools.partial(render, payload)
