"""Colors of a library as ``.ase`` swatches, and swatches as color and color-theme elements.

Color objects are the ``color#data`` of compat reference §1.9: ``mode`` RGB (r, g, b 0..255),
CMYK (c, m, y, k 0..100), Lab (l 0..100, a and b -128..127) or Gray (one number 0..100),
``type`` process or spot (with ``spotColorName``). An ``.ase`` file holds the same four models
scaled to 0..1 (``cclibs.sdk.ase``).

Library to file: a color element becomes one swatch (its primary color, or its first color
that the file can hold: HSB and tints cannot be), named as the element; a color theme becomes a
group named as the element, with its five swatches named by their RGB hex.

File to library: a group of exactly five swatches becomes a color theme, any other group's
swatches and the ungrouped ones become colors. A CMYK, Lab or Gray swatch keeps its own mode as
the primary color and gains an RGB rendition, as Adobe's color elements carry one (§1.9's
example; every theme swatch must include RGB). ASE's "global" type has no equal in
``color#data``; it becomes process.

``export_ase`` and ``import_ase`` do this for a whole library (an import that fails midway
deletes the library it began); ``read_ase_file`` names the file in its one-line error.

Gray: ``color#data`` counts ink (its default profile is "Dot Gain 20%", 100 is black); an
``.ase`` Gray component counts light (1 is white). The two are converted as ``1 - ink/100``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cclibs.sdk._targets import staged_file
from cclibs.sdk.ase import AseError, ColorType, Entry, Group, Swatch, read_ase, write_ase
from cclibs.sdk.folder import FolderProgress, create_in_order, delete_quietly

if TYPE_CHECKING:
    from cclibs.sdk.api import Client
    from cclibs.sdk.api.types import Library

__all__ = [
    "COLOR_ELEMENT",
    "COLOR_REP",
    "THEME_ELEMENT",
    "THEME_REP",
    "colors_from_swatch",
    "element_payloads",
    "entries_from_elements",
    "export_ase",
    "hex_of",
    "import_ase",
    "read_ase_file",
    "swatch_from_color",
]

COLOR_ELEMENT = "application/vnd.adobe.element.color+dcx"
THEME_ELEMENT = "application/vnd.adobe.element.colortheme+dcx"
COLOR_REP = "application/vnd.adobe.color+json"
THEME_REP = "application/vnd.adobe.colortheme+json"
THEME_SIZE = 5

# CIE L*a*b* (D50, the Lab profile "CIELAB D50" of §1.9) to linear sRGB: XYZ with the D50
# white, then the Bradford-adapted XYZ(D50) to sRGB matrix (Lindbloom's tables).
_D50 = (0.96422, 1.0, 0.82521)
_XYZ_D50_TO_SRGB = (
    (3.1338561, -1.6168667, -0.4906146),
    (-0.9787684, 1.9161415, 0.0334540),
    (0.0719453, -0.2289914, 1.4052427),
)
_EPSILON = 216 / 24389
_KAPPA = 24389 / 27


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _number(value: float) -> float | int:
    """A component for ``color#data``: rounded off float32 noise, whole numbers as ints."""
    rounded = round(value, 4)
    return int(rounded) if rounded.is_integer() else rounded


def _component(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


# color#data -> swatch -----------------------------------------------------------------------


def swatch_from_color(name: str, color: Mapping[str, Any]) -> Swatch | None:
    """The swatch of one color object; None for a mode an ``.ase`` file cannot hold."""
    mode = color.get("mode")
    value = color.get("value")
    kind: ColorType = "spot" if color.get("type") == "spot" else "normal"
    if mode == "Gray":
        return Swatch(name, "Gray", (_clamp(1 - _component(value) / 100, 0, 1),), kind)
    if not isinstance(value, Mapping):
        return None
    get = value.get
    if mode == "RGB":
        rgb = tuple(_clamp(_component(get(k)) / 255, 0, 1) for k in "rgb")
        return Swatch(name, "RGB", rgb, kind)
    if mode == "CMYK":
        cmyk = tuple(_clamp(_component(get(k)) / 100, 0, 1) for k in "cmyk")
        return Swatch(name, "CMYK", cmyk, kind)
    if mode == "Lab":
        lab = (_clamp(_component(get("l")) / 100, 0, 1), _component(get("a")), _component(get("b")))
        return Swatch(name, "LAB", lab, kind)
    return None


def _first_swatch(name: str, colors: Iterable[Mapping[str, Any]]) -> Swatch | None:
    for color in colors:
        swatch = swatch_from_color(name, color)
        if swatch is not None:
            return swatch
    return None


def hex_of(colors: Iterable[Mapping[str, Any]]) -> str:
    """``#RRGGBB`` of the first RGB color in the list ('' when there is none)."""
    for color in colors:
        value = color.get("value")
        if color.get("mode") == "RGB" and isinstance(value, Mapping):
            parts = (round(_clamp(_component(value.get(k)), 0, 255)) for k in "rgb")
            return "#" + "".join(f"{part:02X}" for part in parts)
    return ""


def _reps_of(element: Mapping[str, Any], rep_type: str, key: str) -> list[Any]:
    """The payloads of ``rep_type`` in the element, the primary one first."""
    reps = [
        rep
        for rep in element.get("representations") or ()
        if isinstance(rep, Mapping) and rep.get("type") == rep_type and key in rep
    ]
    reps.sort(key=lambda rep: 0 if rep.get("relationship") == "primary" else 1)
    return [rep[key] for rep in reps]


def entries_from_elements(elements: Iterable[Mapping[str, Any]]) -> list[Entry]:
    """Swatches for the color elements and groups for the color themes, in the order given;
    other elements (and colors in no mode a file can hold) are left out."""
    entries: list[Entry] = []
    for element in elements:
        name = str(element.get("name") or "")
        if element.get("type") == COLOR_ELEMENT:
            colors = [c for c in _reps_of(element, COLOR_REP, "color#data") if isinstance(c, dict)]
            swatch = _first_swatch(name, colors)
            if swatch is not None:
                entries.append(swatch)
        elif element.get("type") == THEME_ELEMENT:
            themes = [t for t in _reps_of(element, THEME_REP, "colortheme#data") if t]
            group = _group_of(name, themes[0]) if themes else None
            if group is not None:
                entries.append(group)
    return entries


def _group_of(name: str, theme: Any) -> Group | None:
    swatches: list[Swatch] = []
    listed_swatches = theme.get("swatches") if isinstance(theme, Mapping) else None
    for colors in listed_swatches if isinstance(listed_swatches, list) else ():
        listed = [c for c in colors if isinstance(c, Mapping)] if isinstance(colors, list) else []
        swatch = _first_swatch(hex_of(listed), listed)
        if swatch is not None:
            swatches.append(swatch)
    return Group(name, tuple(swatches)) if swatches else None


# swatch -> color#data -----------------------------------------------------------------------


def _gamma(linear: float) -> float:
    """The sRGB transfer function (IEC 61966-2-1)."""
    if linear <= 0.0031308:
        return 12.92 * linear
    return 1.055 * math.pow(linear, 1 / 2.4) - 0.055


def _lab_to_rgb(lightness: float, a: float, b: float) -> tuple[float, float, float]:
    fy = (lightness + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def inverse(f: float) -> float:
        return f**3 if f**3 > _EPSILON else (116 * f - 16) / _KAPPA

    y = fy**3 if lightness > _KAPPA * _EPSILON else lightness / _KAPPA
    xyz = (_D50[0] * inverse(fx), _D50[1] * y, _D50[2] * inverse(fz))
    r, g, b_ = (
        255 * _clamp(_gamma(_clamp(sum(m * v for m, v in zip(row, xyz, strict=True)), 0, 1)), 0, 1)
        for row in _XYZ_D50_TO_SRGB
    )
    return r, g, b_


def _rgb_of(swatch: Swatch) -> tuple[float, float, float]:
    values = swatch.values
    if swatch.model == "RGB":
        return values[0] * 255, values[1] * 255, values[2] * 255
    if swatch.model == "CMYK":
        # Device CMYK to RGB without a profile: a rendition to show, not a proof.
        c, m, y, k = (_clamp(v, 0, 1) for v in values)
        return 255 * (1 - c) * (1 - k), 255 * (1 - m) * (1 - k), 255 * (1 - y) * (1 - k)
    if swatch.model == "LAB":
        return _lab_to_rgb(_clamp(values[0], 0, 1) * 100, values[1], values[2])
    level = 255 * _clamp(values[0], 0, 1)
    return level, level, level


def _own_mode(swatch: Swatch) -> dict[str, Any]:
    v = swatch.values
    if swatch.model == "CMYK":
        value: Any = {k: _number(_clamp(x, 0, 1) * 100) for k, x in zip("cmyk", v, strict=True)}
        return {"mode": "CMYK", "value": value}
    if swatch.model == "LAB":
        lab = (_clamp(v[0], 0, 1) * 100, _clamp(v[1], -128, 127), _clamp(v[2], -128, 127))
        return {"mode": "Lab", "value": {k: _number(x) for k, x in zip("lab", lab, strict=True)}}
    return {"mode": "Gray", "value": _number((1 - _clamp(v[0], 0, 1)) * 100)}


def colors_from_swatch(swatch: Swatch) -> list[dict[str, Any]]:
    """``color#data`` objects: the swatch in its own mode first, then an RGB one unless it
    is RGB already."""
    rgb = {
        "mode": "RGB",
        "value": {
            k: _number(_clamp(x, 0, 255)) for k, x in zip("rgb", _rgb_of(swatch), strict=True)
        },
    }
    colors = [rgb] if swatch.model == "RGB" else [_own_mode(swatch), rgb]
    for color in colors:
        color["type"] = "spot" if swatch.kind == "spot" else "process"
        if swatch.kind == "spot":
            color["spotColorName"] = swatch.name or "spot"
    return colors


def _color_payload(swatch: Swatch) -> dict[str, Any]:
    colors = colors_from_swatch(swatch)
    reps = [
        {
            "type": COLOR_REP,
            "relationship": "primary" if index == 0 else "rendition",
            "color#data": color,
        }
        for index, color in enumerate(colors)
    ]
    return {"name": swatch.name or hex_of(colors), "type": COLOR_ELEMENT, "representations": reps}


def _theme_payload(group: Group) -> dict[str, Any]:
    theme = {"swatches": [colors_from_swatch(swatch) for swatch in group.swatches]}
    rep = {"type": THEME_REP, "relationship": "primary", "colortheme#data": theme}
    return {"name": group.name or "Color theme", "type": THEME_ELEMENT, "representations": [rep]}


def element_payloads(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """``{name, type, representations}`` of the elements the file's entries become."""
    payloads: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, Swatch):
            payloads.append(_color_payload(entry))
        elif len(entry.swatches) == THEME_SIZE:
            payloads.append(_theme_payload(entry))
        else:
            payloads.extend(_color_payload(swatch) for swatch in entry.swatches)
    return payloads


# A library to and from a file -----------------------------------------------------------------


def export_ase(
    client: Client, library_id: str, path: str | Path, *, force: bool = False
) -> list[Entry]:
    """Write the library's colors and color themes as an ``.ase`` file (in creation order,
    as the folder export orders them); returns what was written."""
    target = Path(path)
    with staged_file(target, force=force) as staging:
        elements = client.elements(
            library_id,
            type=f"{COLOR_ELEMENT},{THEME_ELEMENT}",
            order_by="created_date",
            selector="full",
        )
        entries = entries_from_elements(elements)
        staging.write_bytes(write_ase(entries))
    return entries


def read_ase_file(path: str | Path) -> list[Entry]:
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise AseError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        return read_ase(data)
    except AseError as exc:
        raise AseError(f"{source} is not a valid .ase file: {exc}") from None


def import_ase(
    client: Client,
    path: str | Path,
    *,
    name: str | None = None,
    progress: FolderProgress | None = None,
) -> Library:
    """A new library (named ``name`` or as the file) with the file's colors and themes.
    The file is read and checked first; on any failure the new library is deleted again."""
    source = Path(path)
    payloads = element_payloads(read_ase_file(source))
    library = client.create_library(name or source.stem)
    try:
        last_ms = 0
        for index, payload in enumerate(payloads, start=1):
            last_ms = create_in_order(
                client, library["id"], payload, payload["representations"], last_ms
            )
            if progress is not None:
                progress.elements(index, len(payloads))
    except BaseException:
        delete_quietly(client, library["id"])
        raise
    return client.library(library["id"])
