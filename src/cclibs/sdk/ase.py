"""Adobe Swatch Exchange (``.ase``): a reader and a writer of the file format, nothing more.

The format, big-endian throughout:

    header     "ASEF"  u16 major = 1  u16 minor = 0  u32 number of blocks
    block      u16 type  u32 length of what follows  <length bytes>
      0x0001   color entry:  name, model (4 ASCII bytes), components (float32 each), u16 type
      0xC001   group start:  name
      0xC002   group end:    (empty)
    name       u16 length in UTF-16 code units, counting the terminating NUL; UTF-16BE; NUL

Models and components: ``"RGB "`` r, g, b in 0..1; ``"CMYK"`` c, m, y, k in 0..1; ``"LAB "``
L in 0..1 (L* / 100), a* and b* as they are; ``"Gray"`` one value in 0..1 (1 is white). Color
types: 0 global, 1 spot, 2 normal. The block count counts every block, group starts and ends
included. Groups do not nest.

How swatches become library elements (and back) is ``cclibs.sdk.swatches``'s business.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cclibs.sdk.errors import SdkError

__all__ = [
    "COMPONENTS",
    "AseError",
    "ColorModel",
    "ColorType",
    "Entry",
    "Group",
    "Swatch",
    "read_ase",
    "write_ase",
]

ColorModel = Literal["RGB", "CMYK", "LAB", "Gray"]
ColorType = Literal["global", "spot", "normal"]

SIGNATURE = b"ASEF"
VERSION = (1, 0)
COLOR_ENTRY = 0x0001
GROUP_START = 0xC001
GROUP_END = 0xC002

COMPONENTS: dict[ColorModel, int] = {"RGB": 3, "CMYK": 4, "LAB": 3, "Gray": 1}
"""How many float32 components each model carries."""
_MODEL_TAGS: dict[ColorModel, bytes] = {
    "RGB": b"RGB ",
    "CMYK": b"CMYK",
    "LAB": b"LAB ",
    "Gray": b"Gray",
}
_MODELS_BY_TAG = {tag: model for model, tag in _MODEL_TAGS.items()}
_TYPE_CODES: dict[ColorType, int] = {"global": 0, "spot": 1, "normal": 2}
_TYPES_BY_CODE = {code: kind for kind, code in _TYPE_CODES.items()}
_MAX_NAME_UNITS = 0xFFFF


class AseError(SdkError):
    """A file that is not a well-formed Adobe Swatch Exchange file (the message says where)."""


@dataclass(frozen=True, slots=True)
class Swatch:
    """One color entry: components as the file stores them (see the module docstring)."""

    name: str
    model: ColorModel
    values: tuple[float, ...]
    kind: ColorType = "normal"

    def __post_init__(self) -> None:
        if self.model not in COMPONENTS:
            raise ValueError(f"unknown color model {self.model!r}")
        if len(self.values) != COMPONENTS[self.model]:
            raise ValueError(f"{self.model} needs {COMPONENTS[self.model]} components")
        if self.kind not in _TYPE_CODES:
            raise ValueError(f"unknown color type {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    swatches: tuple[Swatch, ...]


Entry = Swatch | Group


# Writing ----------------------------------------------------------------------------------


def _name(text: str) -> bytes:
    encoded = (text + "\0").encode("utf-16-be")
    units = len(encoded) // 2
    if units > _MAX_NAME_UNITS:
        raise ValueError(f"the name {text[:40]!r}... is too long for an .ase file")
    return struct.pack(">H", units) + encoded


def _block(kind: int, body: bytes) -> bytes:
    return struct.pack(">HI", kind, len(body)) + body


def _color_block(swatch: Swatch) -> bytes:
    body = (
        _name(swatch.name)
        + _MODEL_TAGS[swatch.model]
        + struct.pack(f">{len(swatch.values)}f", *swatch.values)
        + struct.pack(">H", _TYPE_CODES[swatch.kind])
    )
    return _block(COLOR_ENTRY, body)


def _blocks(entries: Iterable[Entry]) -> Iterable[bytes]:
    for entry in entries:
        if isinstance(entry, Swatch):
            yield _color_block(entry)
            continue
        yield _block(GROUP_START, _name(entry.name))
        yield from (_color_block(swatch) for swatch in entry.swatches)
        yield _block(GROUP_END, b"")


def write_ase(entries: Sequence[Entry]) -> bytes:
    """The file's bytes: ungrouped swatches and groups, in the order given."""
    blocks = list(_blocks(entries))
    header = SIGNATURE + struct.pack(">HHI", *VERSION, len(blocks))
    return header + b"".join(blocks)


# Reading ----------------------------------------------------------------------------------


class _Cursor:
    def __init__(self, data: bytes, start: int = 0, end: int | None = None) -> None:
        self.data = data
        self.at = start
        self.end = len(data) if end is None else end

    def take(self, size: int, what: str) -> bytes:
        if self.at + size > self.end:
            container = "the file" if self.end == len(self.data) else "a block"
            raise AseError(f"{container} ends inside {what} (at byte {self.at})")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int | float, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))

    def name(self, what: str) -> str:
        (units,) = self.unpack(">H", f"the length of {what}")
        if units == 0:
            return ""
        raw = self.take(2 * int(units), what)
        if raw[-2:] != b"\0\0":
            raise AseError(f"{what} at byte {self.at - len(raw)} does not end with a NUL")
        try:
            return raw[:-2].decode("utf-16-be")
        except UnicodeDecodeError:
            raise AseError(f"{what} at byte {self.at - len(raw)} is not UTF-16") from None


def _read_color(block: _Cursor, where: int) -> Swatch:
    name = block.name(f"the name of the color at byte {where}")
    tag = block.take(4, f"the color model at byte {where}")
    model = _MODELS_BY_TAG.get(tag)
    if model is None:
        raise AseError(f"the color at byte {where} has an unknown model {tag!r}")
    count = COMPONENTS[model]
    values = tuple(float(v) for v in block.unpack(f">{count}f", f"the color at byte {where}"))
    (code,) = block.unpack(">H", f"the color type at byte {where}")
    kind = _TYPES_BY_CODE.get(int(code))
    if kind is None:
        raise AseError(f"the color at byte {where} has an unknown color type {code}")
    if block.at != block.end:
        raise AseError(f"the color block at byte {where} is longer than its color")
    return Swatch(name, model, values, kind)


def read_ase(data: bytes) -> list[Entry]:
    """Swatches and groups, in file order; ``AseError`` for anything malformed."""
    if data[:4] != SIGNATURE:
        raise AseError("not an Adobe Swatch Exchange file (no ASEF signature)")
    head = _Cursor(data, 4)
    major, minor, count = head.unpack(">HHI", "the header")
    if (major, minor) != VERSION:
        raise AseError(f"version {major}.{minor} of the format is not supported (only 1.0)")
    entries: list[Entry] = []
    group: tuple[str, list[Swatch]] | None = None
    for _ in range(int(count)):
        where = head.at
        kind, length = (int(v) for v in head.unpack(">HI", f"the block header at byte {where}"))
        body = _Cursor(data, head.at, head.at + length)
        if body.end > len(data):
            raise AseError(f"the block at byte {where} runs past the end of the file")
        head.at = body.end
        if kind == COLOR_ENTRY:
            swatch = _read_color(body, where)
            if group is not None:
                group[1].append(swatch)
            else:
                entries.append(swatch)
        elif kind == GROUP_START:
            if group is not None:
                raise AseError(f"a group starts at byte {where} inside another group")
            group = (body.name(f"the group name at byte {where}"), [])
            if body.at != body.end:
                raise AseError(f"the group block at byte {where} is longer than its name")
        elif kind == GROUP_END:
            if group is None:
                raise AseError(f"a group ends at byte {where} that never started")
            entries.append(Group(group[0], tuple(group[1])))
            group = None
        else:
            raise AseError(f"unknown block type 0x{kind:04X} at byte {where}")
    if group is not None:
        raise AseError(f"the group {group[0]!r} never ends")
    if head.at != len(data):
        raise AseError(f"{len(data) - head.at} bytes follow the last of the {count} blocks")
    return entries
