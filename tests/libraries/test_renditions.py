"""Renditions: the :rendition segment, thumbnails of uploads, swatches of inline colors."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from cclibs.libraries.errors import BadRequest, UnsupportedMedia
from cclibs.libraries.renditions import (
    MAX_RENDITION_SIZE,
    color_swatch_png,
    colortheme_swatch_png,
    gradient_swatch_png,
    parse_rendition_segment,
    swatch_for,
    thumbnail_png,
)

RED = {"mode": "RGB", "value": {"r": 255, "g": 0, "b": 0}}
BLUE = {"mode": "RGB", "value": {"r": 0, "g": 0, "b": 255}}

# The :rendition segment


@pytest.mark.parametrize(
    ("segment", "size"),
    [
        (":rendition", None),
        (":rendition;size=200", 200),
        (":rendition;size=1", 1),
        (f":rendition;size={MAX_RENDITION_SIZE}", MAX_RENDITION_SIZE),
        (":rendition;page=0;size=64;version=1", 64),
        (":rendition;version=3", None),
        (":rendition;page", None),  # RFC 6570 expands an empty value without '='
    ],
)
def test_valid_segments(segment: str, size: int | None) -> None:
    assert parse_rendition_segment(segment) == size


@pytest.mark.parametrize(
    "segment",
    [
        ":rendition;size=0",
        ":rendition;size=99999",
        ":rendition;size=²",
        ":rendition;size=٣",  # an Arabic-Indic three
        ":rendition;size=-5",
        ":rendition;size=2.5",
        ":rendition;size= 200",
        ":rendition;size=",
        ":rendition;size",
        ":rendition;size=100;size=200",
        ":rendition;=5",
        ":rendition;",
        ":renditions;size=200",
        "rendition;size=200",
        ":raw",
        "",
        "junk",
    ],
)
def test_bad_segments_are_bad_requests(segment: str) -> None:
    with pytest.raises(BadRequest):
        parse_rendition_segment(segment)


# Thumbnails of uploaded images


def encoded(image: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


def halves(size: tuple[int, int]) -> Image.Image:
    """Red on the left half, blue on the right."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def test_a_thumbnail_fits_its_longest_side_to_the_size() -> None:
    thumbnail = decoded(thumbnail_png(encoded(halves((800, 400))), 200))

    assert thumbnail.size == (200, 100)
    assert thumbnail.convert("RGB").getpixel((10, 50)) == (255, 0, 0)
    assert thumbnail.convert("RGB").getpixel((190, 50)) == (0, 0, 255)


def test_a_portrait_image_fits_its_height() -> None:
    assert decoded(thumbnail_png(encoded(halves((300, 900))), 90)).size == (30, 90)


@pytest.mark.parametrize("size", [4000, 800, None])
def test_a_thumbnail_never_enlarges(size: int | None) -> None:
    assert decoded(thumbnail_png(encoded(halves((800, 400))), size)).size == (800, 400)


def test_transparency_is_kept() -> None:
    image = Image.new("RGBA", (40, 40), (0, 255, 0, 0))

    thumbnail = decoded(thumbnail_png(encoded(image), 20))

    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((5, 5))[3] == 0  # type: ignore[index]


def test_a_palette_gif_becomes_rgb() -> None:
    gif = encoded(halves((100, 50)).convert("P"), "GIF")

    thumbnail = decoded(thumbnail_png(gif, 50))

    assert thumbnail.mode == "RGB"
    assert thumbnail.size == (50, 25)


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    grey = decoded(thumbnail_png(encoded(Image.new("I;16", (20, 20), 32768)), 10))

    assert grey.mode == "RGB"
    assert grey.getpixel((5, 5)) == (128, 128, 128)


def test_a_jpeg_is_turned_upright_by_its_exif_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs 90° clockwise
    jpeg = encoded(halves((160, 80)), "JPEG", exif=exif, quality=95)

    upright = decoded(thumbnail_png(jpeg, None)).convert("RGB")

    assert upright.size == (80, 160)
    red, _, blue = upright.getpixel((40, 20))  # type: ignore[misc]
    assert red > 200 and blue < 60  # the left half is now on top
    red, _, blue = upright.getpixel((40, 140))  # type: ignore[misc]
    assert blue > 200 and red < 60


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not an image",
        b"%PDF-1.7\n",
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",  # EPS would run Ghostscript
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    ],
)
def test_what_is_not_a_raster_image_is_unsupported_media(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia):
        thumbnail_png(data, 200)


def test_a_truncated_image_is_unsupported_media() -> None:
    png = encoded(Image.effect_noise((300, 300), 64))

    with pytest.raises(UnsupportedMedia):
        thumbnail_png(png[: len(png) // 2], 100)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces ``width`` by ``height`` and holds almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (100_000, 100_000),  # Pillow's own bomb limit
        (9_000, 9_000),  # above this module's limit, below Pillow's
        (1, 2**31 - 1),
    ],
)
def test_a_decompression_bomb_is_refused_before_decoding(width: int, height: int) -> None:
    with pytest.raises(UnsupportedMedia, match="too large"):
        thumbnail_png(png_header_only(width, height), 200)


# Swatches


def pixel(png: bytes, xy: tuple[int, int]) -> tuple[int, int, int, int]:
    value = decoded(png).convert("RGBA").getpixel(xy)
    assert isinstance(value, tuple)
    r, g, b, a = value
    return (int(r), int(g), int(b), int(a))


def test_an_rgb_swatch_is_that_color() -> None:
    png = color_swatch_png(RED, 64)

    assert decoded(png).size == (64, 64)
    assert pixel(png, (0, 0)) == pixel(png, (63, 63)) == (255, 0, 0, 255)


def test_alpha_is_honoured() -> None:
    assert pixel(color_swatch_png({**RED, "alpha": 0.5}, 8), (4, 4)) == (255, 0, 0, 128)


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        ({"mode": "CMYK", "value": {"c": 0, "m": 100, "y": 100, "k": 0}}, (255, 0, 0)),
        ({"mode": "Lab", "value": {"l": 100, "a": 0, "b": 0}}, (255, 255, 255)),
        ({"mode": "Lab", "value": {"l": 54.3, "a": 80.8, "b": 69.9}}, (255, 0, 0)),  # ~red, D50
        ({"mode": "HSB", "value": {"h": 240, "s": 100, "b": 100}}, (0, 0, 255)),
        ({"mode": "Gray", "value": 0}, (255, 255, 255)),
        ({"mode": "Gray", "value": 100}, (0, 0, 0)),
        ({"mode": "RGB.tint", "value": {"r": 255, "g": 0, "b": 0, "tint": 50}}, (255, 128, 128)),
        (
            {"mode": "CMYK.tint", "value": {"c": 0, "m": 100, "y": 100, "k": 0}, "tint": 0},
            (255,) * 3,
        ),
    ],
)
def test_other_modes_convert_to_srgb(color: dict[str, object], expected: tuple[int, ...]) -> None:
    r, g, b, _ = pixel(color_swatch_png(color, 4), (1, 1))

    assert all(abs(got - want) <= 12 for got, want in zip((r, g, b), expected, strict=True))


def test_a_color_list_prefers_its_rgb_entry() -> None:
    cmyk_green = {"mode": "CMYK", "value": {"c": 100, "m": 0, "y": 100, "k": 0}}
    render = swatch_for(
        "application/vnd.adobe.colortheme+json",
        {"colortheme#data": {"swatches": [[cmyk_green, RED]] * 5}},
    )

    assert render is not None
    assert pixel(render(10), (5, 5)) == (255, 0, 0, 255)


def test_a_linear_gradient_runs_from_its_first_stop_to_its_last() -> None:
    gradient = {
        "type": "linear",
        "angle": 0,
        "stops": [
            {"offset": 1, "midpoint": 0.5, "color": [BLUE]},
            {"offset": 0, "midpoint": 0.5, "color": [RED]},
        ],
    }
    png = gradient_swatch_png(gradient, 100)

    left, middle, right = (pixel(png, (x, 50)) for x in (1, 50, 98))
    assert left[0] > 240 and left[2] < 15
    assert right[2] > 240 and right[0] < 15
    assert 90 < middle[0] < 165 and 90 < middle[2] < 165


def test_a_gradient_at_90_degrees_runs_bottom_to_top() -> None:
    stops = [{"offset": 0, "color": [RED]}, {"offset": 1, "color": [BLUE]}]
    png = gradient_swatch_png({"type": "linear", "angle": 90, "stops": stops}, 100)

    assert pixel(png, (50, 98))[0] > 240
    assert pixel(png, (50, 1))[2] > 240


def test_a_radial_gradient_runs_from_the_centre_out() -> None:
    stops = [{"offset": 0, "color": [RED]}, {"offset": 1, "color": [BLUE]}]
    png = gradient_swatch_png({"type": "radial", "stops": stops}, 101)

    assert pixel(png, (50, 50))[0] > 240
    assert pixel(png, (0, 50))[2] > 230
    assert pixel(png, (0, 0))[2] > 240


def test_gradient_opacities_set_the_alpha() -> None:
    gradient = {
        "stops": [{"offset": 0, "color": [RED]}, {"offset": 1, "color": [RED]}],
        "opacities": [{"offset": 0, "opacity": 1}, {"offset": 1, "opacity": 0}],
    }
    png = gradient_swatch_png(gradient, 100)

    assert pixel(png, (1, 50))[3] > 240
    assert pixel(png, (98, 50))[3] < 15


def test_a_full_size_gradient_renders() -> None:
    gradient = {
        "angle": 45,
        "stops": [{"offset": 0, "color": [RED]}, {"offset": 1, "color": [BLUE]}],
    }

    assert decoded(gradient_swatch_png(gradient, MAX_RENDITION_SIZE)).size == (2048, 2048)


def test_a_theme_is_five_stripes_of_its_colors() -> None:
    colors = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)]
    swatches = [[{"mode": "RGB", "value": dict(zip("rgb", c, strict=True))}] for c in colors]

    png = colortheme_swatch_png({"swatches": swatches}, 100)

    assert [pixel(png, (x, 50))[:3] for x in (10, 30, 50, 70, 90)] == colors
    assert pixel(png, (19, 0))[:3] == colors[0] and pixel(png, (20, 99))[:3] == colors[1]


def test_swatch_for_covers_the_inline_color_types() -> None:
    assert swatch_for("application/vnd.adobe.color+json", {"color#data": RED}) is not None
    gradient = {"gradient#data": {"stops": [{"offset": 0, "color": [RED]}]}}
    assert swatch_for("application/vnd.adobe.gradient+json", gradient) is not None
    assert swatch_for("image/png", {}) is None
    with pytest.raises(BadRequest):
        swatch_for("application/vnd.adobe.color+json", {"color#data": "red"})


@pytest.mark.parametrize(
    ("render", "payload"),
    [
        (color_swatch_png, {}),
        (color_swatch_png, {"mode": "Pantone", "value": {}}),
        (color_swatch_png, {"mode": "RGB", "value": {"r": "255", "g": 0, "b": 0}}),
        (color_swatch_png, {"mode": "RGB", "value": {"r": float("nan"), "g": 0, "b": 0}}),
        (color_swatch_png, {"mode": "RGB", "value": [255, 0, 0]}),
        (color_swatch_png, {"mode": "Lab", "value": 5}),
        (color_swatch_png, {"mode": "Gray", "value": True}),
        (color_swatch_png, {**RED, "alpha": "opaque"}),
        (colortheme_swatch_png, {}),
        (colortheme_swatch_png, {"swatches": "red"}),
        (colortheme_swatch_png, {"swatches": [[], [RED]]}),
        (gradient_swatch_png, {}),
        (gradient_swatch_png, {"stops": []}),
        (gradient_swatch_png, {"stops": [5]}),
        (gradient_swatch_png, {"stops": [{"offset": "0", "color": [RED]}]}),
        (gradient_swatch_png, {"stops": [{"offset": 0, "color": [RED]}], "angle": None}),
        (gradient_swatch_png, {"stops": [{"offset": 0, "color": [RED]}], "opacities": {}}),
    ],
)
def test_malformed_payloads_are_bad_requests(render: object, payload: dict[str, object]) -> None:
    assert callable(render)
    with pytest.raises(BadRequest):
        render(payload, 16)


@pytest.mark.parametrize("size", [0, -1, MAX_RENDITION_SIZE + 1])
def test_swatch_sizes_are_bounded(size: int) -> None:
    with pytest.raises(BadRequest):
        color_swatch_png(RED, size)
