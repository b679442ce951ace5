"""Adobe Swatch Exchange: the writer's bytes against the format, byte by byte, built here with
``struct`` from the specification (not with the codec); reading back; malformed files refused;
and the mapping between swatches and color / color-theme elements."""

from __future__ import annotations

import struct

import pytest

from cclibs.sdk.ase import AseError, Group, Swatch, read_ase, write_ase
from cclibs.sdk.swatches import (
    COLOR_ELEMENT,
    COLOR_REP,
    THEME_ELEMENT,
    THEME_REP,
    element_payloads,
    entries_from_elements,
)


def name(text: str) -> bytes:
    """u16 length in UTF-16 code units including the NUL, UTF-16BE, NUL."""
    return struct.pack(">H", len(text) + 1) + text.encode("utf-16-be") + b"\x00\x00"


def color_block(text: str, model: bytes, values: tuple[float, ...], kind: int) -> bytes:
    body = name(text) + model + struct.pack(f">{len(values)}f", *values) + struct.pack(">H", kind)
    return struct.pack(">HI", 0x0001, len(body)) + body


def group_start(text: str) -> bytes:
    body = name(text)
    return struct.pack(">HI", 0xC001, len(body)) + body


GROUP_END = struct.pack(">HI", 0xC002, 0)


def header(blocks: int) -> bytes:
    return b"ASEF" + struct.pack(">HHI", 1, 0, blocks)


# A theme of five swatches, one of each model and type, with values a float32 holds exactly.
THEME = Group(
    "Sunset é",
    (
        Swatch("#FF8000", "RGB", (1.0, 0.5, 0.0), "normal"),
        Swatch("Ink", "CMYK", (0.0, 0.25, 0.5, 0.75), "global"),
        Swatch("Lab", "LAB", (0.5, 20.0, -32.5), "normal"),
        Swatch("Gray", "Gray", (0.25,), "normal"),
        Swatch("Pantone 1", "RGB", (0.0, 0.0, 1.0), "spot"),
    ),
)
THEME_BYTES = (
    header(7)
    + group_start("Sunset é")
    + color_block("#FF8000", b"RGB ", (1.0, 0.5, 0.0), 2)
    + color_block("Ink", b"CMYK", (0.0, 0.25, 0.5, 0.75), 0)
    + color_block("Lab", b"LAB ", (0.5, 20.0, -32.5), 2)
    + color_block("Gray", b"Gray", (0.25,), 2)
    + color_block("Pantone 1", b"RGB ", (0.0, 0.0, 1.0), 1)
    + GROUP_END
)


def test_a_five_color_theme_is_written_as_the_format_says() -> None:
    assert write_ase([THEME]) == THEME_BYTES


def test_the_bytes_read_back_as_the_same_theme() -> None:
    assert read_ase(THEME_BYTES) == [THEME]


def test_ungrouped_swatches_and_an_empty_name() -> None:
    loose = [Swatch("", "Gray", (1.0,)), THEME]
    expected = header(8) + color_block("", b"Gray", (1.0,), 2) + THEME_BYTES[len(header(7)) :]
    assert write_ase(loose) == expected
    assert read_ase(expected) == loose


def test_a_theme_element_becomes_a_group_of_its_five_swatches() -> None:
    def rgb(r: int, g: int, b: int) -> list[dict[str, object]]:
        return [{"mode": "RGB", "value": {"r": r, "g": g, "b": b}, "type": "process"}]

    element = {
        "name": "Sea",
        "type": THEME_ELEMENT,
        "representations": [
            {
                "type": THEME_REP,
                "relationship": "primary",
                "colortheme#data": {
                    "swatches": [
                        rgb(255, 0, 0),
                        rgb(0, 255, 0),
                        [
                            {"mode": "CMYK", "value": {"c": 100, "m": 50, "y": 0, "k": 0}},
                            *rgb(0, 128, 255),
                        ],
                        rgb(255, 255, 255),
                        [{"mode": "Gray", "value": 75}, *rgb(64, 64, 64)],
                    ],
                    "rule": "custom",
                },
            }
        ],
    }
    expected = (
        header(7)
        + group_start("Sea")
        + color_block("#FF0000", b"RGB ", (1.0, 0.0, 0.0), 2)
        + color_block("#00FF00", b"RGB ", (0.0, 1.0, 0.0), 2)
        + color_block("#0080FF", b"CMYK", (1.0, 0.5, 0.0, 0.0), 2)
        + color_block("#FFFFFF", b"RGB ", (1.0, 1.0, 1.0), 2)
        + color_block("#404040", b"Gray", (0.25,), 2)  # 75 % ink is 25 % light
        + GROUP_END
    )
    assert write_ase(entries_from_elements([element])) == expected


def test_a_color_element_becomes_a_swatch_named_as_the_element() -> None:
    element = {
        "name": "Brand red",
        "type": COLOR_ELEMENT,
        "representations": [
            {
                "type": COLOR_REP,
                "relationship": "rendition",
                "color#data": {"mode": "RGB", "value": {"r": 255, "g": 0, "b": 0}},
            },
            {
                "type": COLOR_REP,
                "relationship": "primary",
                "color#data": {
                    "mode": "Lab",
                    "value": {"l": 50, "a": 64, "b": 32},
                    "type": "spot",
                    "spotColorName": "Brand red",
                },
            },
        ],
    }
    expected = header(1) + color_block("Brand red", b"LAB ", (0.5, 64.0, 32.0), 1)
    assert write_ase(entries_from_elements([element])) == expected


def test_a_group_of_five_becomes_a_theme_with_rgb_in_every_swatch() -> None:
    [theme] = element_payloads(read_ase(THEME_BYTES))
    assert theme["name"] == "Sunset é"
    assert theme["type"] == THEME_ELEMENT
    [rep] = theme["representations"]
    assert rep["type"] == THEME_REP and rep["relationship"] == "primary"
    swatches = rep["colortheme#data"]["swatches"]
    assert [[color["mode"] for color in swatch] for swatch in swatches] == [
        ["RGB"],
        ["CMYK", "RGB"],
        ["Lab", "RGB"],
        ["Gray", "RGB"],
        ["RGB"],
    ]
    assert swatches[0][0]["value"] == {"r": 255, "g": 127.5, "b": 0}
    assert swatches[1][0]["value"] == {"c": 0, "m": 25, "y": 50, "k": 75}
    # CMYK 0/25/50/75 shown in RGB: 255 * (1 - x) * 0.25
    assert swatches[1][1]["value"] == {"r": 63.75, "g": 47.8125, "b": 31.875}
    assert swatches[2][0]["value"] == {"l": 50, "a": 20, "b": -32.5}
    assert swatches[3][0]["value"] == 75  # 25 % light is 75 % ink
    assert swatches[3][1]["value"] == {"r": 63.75, "g": 63.75, "b": 63.75}
    assert swatches[4][0]["type"] == "spot"
    assert swatches[4][0]["spotColorName"] == "Pantone 1"


def test_other_groups_and_loose_swatches_become_colors() -> None:
    entries = [
        Swatch("Alone", "RGB", (0.0, 0.0, 0.0)),
        Group("Pair", (Swatch("A", "RGB", (1.0, 1.0, 1.0)), Swatch("B", "Gray", (0.5,)))),
    ]
    payloads = element_payloads(entries)
    assert [(p["name"], p["type"]) for p in payloads] == [
        ("Alone", COLOR_ELEMENT),
        ("A", COLOR_ELEMENT),
        ("B", COLOR_ELEMENT),
    ]
    gray = payloads[2]["representations"]
    assert [(r["relationship"], r["color#data"]["mode"]) for r in gray] == [
        ("primary", "Gray"),
        ("rendition", "RGB"),
    ]


def test_lab_gets_an_srgb_rendition() -> None:
    [white, red] = element_payloads(
        [Swatch("w", "LAB", (1.0, 0.0, 0.0)), Swatch("r", "LAB", (0.5, 80.0, 67.0))]
    )
    assert white["representations"][1]["color#data"]["value"] == {"r": 255, "g": 255, "b": 255}
    rendition = red["representations"][1]["color#data"]["value"]
    assert rendition["r"] > 200 and rendition["g"] < 30 and rendition["b"] < 30


TRUNCATED_NAME = header(1) + struct.pack(">HI", 1, 8) + struct.pack(">H", 10) + b"\x00A" * 3
MALFORMED = {
    "not ase": (b"PK\x03\x04 a zip file", "no ASEF signature"),
    "empty": (b"", "no ASEF signature"),
    "version 2": (b"ASEF" + struct.pack(">HHI", 2, 0, 0), "version 2.0"),
    "short header": (b"ASEF\x00\x01", "ends inside the header"),
    "too few blocks": (header(2) + color_block("x", b"Gray", (0.5,), 2), "ends inside"),
    "too many blocks": (
        header(0) + color_block("x", b"Gray", (0.5,), 2),
        "bytes follow the last of the 0 blocks",
    ),
    "block past end": (header(1) + struct.pack(">HI", 1, 500) + b"\x00" * 10, "past the end"),
    "unknown model": (header(1) + color_block("x", b"HSV ", (0.5,), 2), "unknown model"),
    "wrong component count": (
        header(1) + color_block("x", b"RGB ", (0.5,), 2),
        "ends inside the color",
    ),
    "extra bytes in a block": (
        header(1)
        + struct.pack(">HI", 1, 18)
        + name("x")
        + b"Gray"
        + struct.pack(">fHH", 0.5, 2, 0),
        "longer than its color",
    ),
    "unknown color type": (header(1) + color_block("x", b"Gray", (0.5,), 7), "color type 7"),
    "unknown block": (header(1) + struct.pack(">HI", 0x0042, 0), "unknown block type 0x0042"),
    "end without start": (header(1) + GROUP_END, "never started"),
    "start without end": (header(1) + group_start("g"), "never ends"),
    "nested groups": (header(2) + group_start("a") + group_start("b"), "inside another group"),
    "name without NUL": (
        header(1) + struct.pack(">HI", 0xC001, 6) + struct.pack(">H", 2) + b"\x00A\x00B",
        "does not end with a NUL",
    ),
    "name longer than its block": (TRUNCATED_NAME, "ends inside the name"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_file_is_refused_with_a_reason(case: str) -> None:
    data, reason = MALFORMED[case]
    with pytest.raises(AseError) as raised:
        read_ase(data)
    message = str(raised.value)
    assert reason in message
    assert "\n" not in message
