"""Elements, operation by operation: create each common type, refuse bad ones, list, get,
copy, move, rename, archive and replace representations.

Compat reference §1.2 (operations 14 to 20), §1.6 (``DbLibraryElementData``, the create,
copy and move payloads and the validation rules), §1.7 (representations) and §1.9 (element
and representation types).
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from PIL import Image

from cclibs.clock import FrozenClock
from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

JSON = dict[str, Any]
LIBRARIES = "/api/v1/libraries"
CLIENT = {"deviceId": "test-device", "device": "pytest", "app": "cclibs-tests"}


def element_type(kind: str) -> str:
    return f"application/vnd.adobe.element.{kind}+dcx"


COLOR_REP = "application/vnd.adobe.color+json"


def png(width: int = 40, height: int = 20, rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), rgb).save(out, format="PNG")
    return out.getvalue()


def rgb(r: float, g: float, b: float) -> JSON:
    return {"mode": "RGB", "value": {"r": r, "g": g, "b": b}}


def color(name: str, *, r: int = 10, description: str | None = None) -> JSON:
    payload: JSON = {
        "name": name,
        "type": element_type("color"),
        "client": CLIENT,
        "representations": [
            {"type": COLOR_REP, "relationship": "primary", "color#data": rgb(r, 20, 30)}
        ],
    }
    if description is not None:
        payload["description"] = description
    return payload


def font(name: str) -> JSON:
    return {
        "name": name,
        "type": element_type("font"),
        "client": CLIENT,
        "representations": [
            {
                "type": "application/vnd.adobe.font+json",
                "relationship": "primary",
                "font#data": {"name": "Source Sans Pro", "family": "Source Sans Pro"},
            }
        ],
    }


class Api:
    """The calls these tests make, as one caller."""

    def __init__(self, client: httpx.AsyncClient, caller: ApiCaller) -> None:
        self.client = client
        self.caller = caller
        self.headers = caller.headers

    async def library(self, name: str = "Elements") -> JSON:
        response = await self.client.post(LIBRARIES, json={"name": name}, headers=self.headers)
        assert response.status_code == 201, response.text
        body: JSON = response.json()
        return body

    async def reload(self, library: JSON) -> JSON:
        response = await self.client.get(f"{LIBRARIES}/{library['id']}", headers=self.headers)
        assert response.status_code == 200, response.text
        body: JSON = response.json()
        return body

    def elements_href(self, library: JSON) -> str:
        return f"{LIBRARIES}/{library['library_urn']}/elements"

    async def post(self, library: JSON, payload: object) -> httpx.Response:
        return await self.client.post(
            self.elements_href(library), json=payload, headers=self.headers
        )

    async def create(self, library: JSON, payload: JSON) -> JSON:
        response = await self.post(library, payload)
        assert response.status_code == 201, response.text
        body: JSON = response.json()
        assert body["total_count"] == 1
        element: JSON = body["elements"][0]
        return element

    async def get(self, library: JSON, element_id: str, **query: str) -> httpx.Response:
        return await self.client.get(
            f"{self.elements_href(library)}/{element_id}", params=query, headers=self.headers
        )

    async def list(self, library: JSON, **query: str | int) -> JSON:
        response = await self.client.get(
            self.elements_href(library), params=query, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: JSON = response.json()
        return body

    async def names(self, library: JSON, **query: str | int) -> list[str]:
        return [e["name"] for e in (await self.list(library, **query))["elements"]]

    async def upload(self, library: JSON, content: bytes, kind: str = "image/png") -> JSON:
        response = await self.client.post(
            f"{LIBRARIES}/{library['library_urn']}/representations/content",
            files={"Representation-Content": ("asset", content, kind)},
            data={"Representation-Data": json.dumps({"type": kind})},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        body: JSON = response.json()
        return body

    async def image(self, library: JSON, name: str, content: bytes | None = None) -> JSON:
        uploaded = await self.upload(library, content or png())
        rep = {
            "type": "image/png",
            "relationship": "primary",
            **{k: uploaded[k] for k in ("storage_href", "content_length", "etag", "md5")},
        }
        return await self.create(
            library,
            {
                "name": name,
                "type": element_type("image"),
                "client": CLIENT,
                "representations": [rep],
            },
        )

    async def put_reps(
        self, library: JSON, element_id: str, reps: list[JSON], **headers: str
    ) -> httpx.Response:
        return await self.client.put(
            f"{self.elements_href(library)}/{element_id}/representations",
            json={"representations": reps},
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api(client: httpx.AsyncClient, api_caller: ApiCaller) -> Api:
    return Api(client, api_caller)


# Create ---------------------------------------------------------------------------------


async def test_a_number_json_cannot_hold_is_refused_and_nothing_is_stored(api: Api) -> None:
    library = await api.library()
    payload = color("Red")
    payload["representations"][0]["custom#data"] = {"value": 0.5}
    good = json.dumps(payload).encode()
    for number in (b"NaN", b"Infinity", b"1e400"):
        bad = good.replace(b'{"value": 0.5}', b'{"value": ' + number + b"}")
        headers = {**api.headers, "Content-Type": "application/json"}
        refused = await api.client.post(api.elements_href(library), content=bad, headers=headers)
        error_of(refused, 400, "not valid JSON")
    assert (await api.list(library))["total_count"] == 0
    # A large integer is a JSON number like any other, and comes back as it went in.
    big = good.replace(b'{"value": 0.5}', b'{"value": 123456789012345678901234567890}')
    created = await api.client.post(
        api.elements_href(library),
        content=big,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text
    element = created.json()["elements"][0]
    fetched = await api.get(library, element["id"], selector="representations")
    assert fetched.status_code == 200, fetched.text
    reps = fetched.json()["representations"]
    assert reps[0]["custom#data"] == {"value": 123456789012345678901234567890}


async def test_create_a_color_in_several_modes(api: Api) -> None:
    library = await api.library()
    modes = [
        {"mode": "CMYK", "value": {"c": 100, "m": 79.05, "y": 39.5, "k": 31.25}, "type": "process"},
        {"mode": "Lab", "value": {"l": 50, "a": -20.5, "b": 100}},
        {"mode": "HSB", "value": {"h": 359.9, "s": 10, "b": 100}},
        {"mode": "Gray", "value": 42},
        {"mode": "RGB.tint", "value": {"r": 1, "g": 2, "b": 3}, "tint": 50},
        {"mode": "CMYK.tint", "value": {"c": 0, "m": 0, "y": 0, "k": 100, "tint": 20}},
        {"mode": "RGB", "value": {"r": 0, "g": 0, "b": 255}, "type": "spot", "spotColorName": "X"},
        {"mode": "RGB", "value": {"r": 0, "g": 0, "b": 255}, "alpha": 0.5},
    ]
    payload = {
        "name": "Deep blue",
        "type": element_type("color"),
        "client": CLIENT,
        "representations": [
            {"type": COLOR_REP, "relationship": "primary", "color#data": rgb(12.73, 56.03, 89.8)},
            *({"type": COLOR_REP, "relationship": "rendition", "color#data": m} for m in modes),
        ],
        "id": "chosen-by-the-client",  # ignored on create (§1.6)
    }
    response = await api.post(library, payload)
    assert response.status_code == 201, response.text
    element = response.json()["elements"][0]
    assert element["id"] != "chosen-by-the-client"
    assert len(element["id"]) == 36
    assert response.headers["location"] == f"{api.elements_href(library)}/{element['id']}"
    assert response.headers["etag"] == element["manifest_etag"]
    assert element["name"] == "Deep blue"
    assert element["type"] == element_type("color")
    assert element["parent_id"] == library["library_urn"]
    assert element["assetSubType"] == "element"
    assert isinstance(element["created_date"], int)
    reps = element["representations"]
    assert [r["color#data"] for r in reps] == [
        rep["color#data"] for rep in payload["representations"]
    ]
    assert len({r["id"] for r in reps}) == len(reps)
    assert element["thumbnail"]["rendition"].endswith("/:rendition;size=200")
    assert element["library#createdData"]["app"] == "cclibs-tests"
    assert element["library#createdData"]["userId"] == api.caller.user_id

    got = await api.get(library, element["id"], selector="representations")
    assert got.status_code == 200
    assert got.json()["representations"] == reps
    assert (await api.reload(library))["elements_count"] == 1


async def test_create_a_theme_gradient_font_and_character_style(api: Api) -> None:
    library = await api.library()
    swatch = [rgb(255, 0, 0), {"mode": "CMYK", "value": {"c": 0, "m": 100, "y": 100, "k": 0}}]
    payloads = {
        "colortheme": {
            "type": "application/vnd.adobe.colortheme+json",
            "colortheme#data": {
                "swatches": [
                    swatch,
                    [rgb(0, 255, 0)],
                    [rgb(0, 0, 255)],
                    [rgb(9, 9, 9)],
                    [rgb(1, 2, 3)],
                ],
                "rule": "analogous",
                "mood": "colorful",
                "baseSwatchIndex": 2,
                "tags": ["bright"],
            },
        },
        "gradient": {
            "type": "application/vnd.adobe.gradient+json",
            "gradient#data": {
                "type": "linear",
                "angle": 90,
                "stops": [
                    {"color": [rgb(255, 255, 255)], "offset": 0, "midpoint": 0.5},
                    {"color": [rgb(0, 0, 0)], "offset": 1, "midpoint": 0.5},
                ],
                "opacities": [{"opacity": 1, "offset": 0, "midpoint": 0.5}],
                "interpolation": "linear",
            },
        },
        "font": {
            "type": "application/vnd.adobe.font+json",
            "font#data": {
                "name": "Myriad Pro Bold",
                "family": "Myriad Pro",
                "postScriptName": "MyriadPro-Bold",
                "style": "Bold",
            },
        },
        "characterstyle": {
            "type": "application/vnd.adobe.characterstyle+json",
            "characterstyle#data": {
                "fontFamily": "Myriad Pro",
                "fontSize": {"value": 18, "type": "pt"},
                "fontWeight": 700,
                "color": [rgb(10, 20, 30)],
                "adbeFont": {"family": "Myriad Pro", "style": "Bold"},
            },
        },
    }
    for kind, rep in payloads.items():
        element = await api.create(
            library,
            {
                "name": f"My {kind}",
                "type": element_type(kind),
                "client": CLIENT,
                "representations": [{**rep, "relationship": "primary"}],
            },
        )
        assert element["type"] == element_type(kind)
        (stored,) = element["representations"]
        data_key = f"{kind}#data"
        assert stored[data_key] == rep[data_key], kind
        assert stored["relationship"] == "primary"
        assert stored["id"]
        has_swatch = kind in ("colortheme", "gradient")
        assert bool(element["thumbnail"]) is has_swatch, kind

    listed = await api.list(library, orderBy="name", selector="representations")
    assert listed["total_count"] == 4
    assert [e["type"] for e in listed["elements"]] == [
        element_type(k) for k in ("characterstyle", "colortheme", "font", "gradient")
    ]
    details = await api.client.get(
        f"{LIBRARIES}/{library['id']}", params={"selector": "details"}, headers=api.headers
    )
    assert details.json()["details"]["element_type_counts"] == {
        element_type(k): 1 for k in payloads
    }


async def test_create_an_image_from_an_upload(api: Api) -> None:
    library = await api.library()
    content = png(64, 32)
    uploaded = await api.upload(library, content)
    element = await api.create(
        library,
        {
            "name": "Logo",
            "type": element_type("image"),
            "client": CLIENT,
            "description": "The logo",
            "representations": [
                {
                    "type": "image/png",
                    "relationship": "primary",
                    "width": 64,
                    "height": 32,
                    **{k: uploaded[k] for k in ("storage_href", "content_length", "etag", "md5")},
                }
            ],
        },
    )
    (rep,) = element["representations"]
    assert rep["storage_href"] == uploaded["storage_href"]
    assert rep["content_length"] == len(content) == uploaded["content_length"]
    assert rep["md5"] == uploaded["md5"]
    assert rep["width"] == 64
    assert element["storage_used"] == len(content)
    assert element["thumbnail"]["type"] == "href"
    assert (await api.reload(library))["storage_used"] == len(content)

    download = await api.client.get(rep["storage_href"], headers=api.headers)
    assert download.status_code == 200
    assert download.content == content
    # path (the asset id) names the upload as well as storage_href does.
    by_path = await api.create(
        library,
        {
            "name": "Logo again",
            "type": element_type("image"),
            "client": CLIENT,
            "representations": [{"type": "image/png", "path": uploaded["asset_id"]}],
        },
    )
    assert by_path["representations"][0]["storage_href"] == uploaded["storage_href"]
    assert by_path["representations"][0]["relationship"] == "rendition"  # the default


async def test_validation_failures_are_400_naming_the_field(api: Api) -> None:
    library = await api.library()
    good_rep = {"type": COLOR_REP, "relationship": "primary", "color#data": rgb(1, 2, 3)}

    def with_rep(rep: object, kind: str = "color") -> JSON:
        return {
            "name": "Bad",
            "type": element_type(kind),
            "client": CLIENT,
            "representations": [rep],
        }

    def with_color(data: object) -> JSON:
        return with_rep({"type": COLOR_REP, "relationship": "primary", "color#data": data})

    def theme(swatches: object) -> JSON:
        rep = {
            "type": "application/vnd.adobe.colortheme+json",
            "colortheme#data": {"swatches": swatches},
        }
        return with_rep(rep, "colortheme")

    def gradient(data: JSON) -> JSON:
        rep = {"type": "application/vnd.adobe.gradient+json", "gradient#data": data}
        return with_rep(rep, "gradient")

    stop = {"color": [rgb(0, 0, 0)], "offset": 0}
    cases: list[tuple[object, str]] = [
        ({**color("x"), "name": ""}, "name"),
        ({k: v for k, v in color("x").items() if k != "name"}, "name"),
        ({**color("x"), "name": ["a"]}, "name"),
        ({**color("x"), "name": "n" * 1025}, "name"),
        ({k: v for k, v in color("x").items() if k != "type"}, "type"),
        ({**color("x"), "type": "application/*"}, "type"),
        ({**color("x"), "type": "not a mime type"}, "type"),
        ({**color("x"), "type": 7}, "type"),
        ({k: v for k, v in color("x").items() if k != "client"}, "client"),
        ({**color("x"), "client": "pytest"}, "client"),
        ({**color("x"), "client": {**CLIENT, "app": " "}}, "client.app"),
        ({**color("x"), "client": {**CLIENT, "deviceId": None}}, "client.deviceId"),
        ({**color("x"), "description": 5}, "description"),
        ({**color("x"), "representations": {"type": COLOR_REP}}, "representations"),
        (with_rep(1), "representations[0]"),
        (with_rep({"relationship": "primary"}), "representations[0].type"),
        (with_rep({**good_rep, "relationship": "main"}), "representations[0].relationship"),
        (with_rep({**good_rep, "width": "wide"}), "representations[0].width"),
        (with_rep({**good_rep, "content_length": -1}), "representations[0].content_length"),
        (with_rep({**good_rep, "is_full_size": "yes"}), "representations[0].is_full_size"),
        ({**color("x"), "representations": [good_rep, good_rep]}, "relationship"),
        (with_color(None), "color#data"),
        (with_color("red"), "color#data"),
        (with_color({"mode": "RGBA", "value": {"r": 1, "g": 2, "b": 3}}), "color#data.mode"),
        (with_color({"mode": "RGB", "value": {"r": 256, "g": 2, "b": 3}}), "color#data.value.r"),
        (with_color({"mode": "RGB", "value": {"r": "1", "g": 2, "b": 3}}), "color#data.value.r"),
        (with_color({"mode": "RGB", "value": [1, 2, 3]}), "color#data.value"),
        (with_color({**rgb(1, 2, 3), "alpha": 2}), "color#data.alpha"),
        (with_color({**rgb(1, 2, 3), "type": "spot"}), "spotColorName"),
        (with_color({"mode": "RGB.tint", "value": {"r": 1, "g": 2, "b": 3}}), "tint"),
        (
            with_color({"mode": "CMYK", "value": {"c": 0, "m": 0, "y": 0, "k": 0}}),
            "representations",
        ),  # a color needs an RGB representation
        (with_rep({"type": "application/vnd.adobe.font+json", "font#data": {}}), "type"),
        (theme([[rgb(1, 2, 3)]] * 4), "swatches"),
        (theme([[rgb(1, 2, 3)]] * 4 + [[]]), "swatches[4]"),
        (theme([[rgb(1, 2, 3)]] * 4 + [[{"mode": "Gray", "value": 3}]]), "swatches[4]"),
        (theme("five"), "swatches"),
        (gradient({"type": "conic", "stops": [stop]}), "gradient#data.type"),
        (gradient({"type": "linear", "stops": []}), "stops"),
        (gradient({"type": "linear", "stops": [{**stop, "offset": 2}]}), "stops[0].offset"),
        (gradient({"type": "linear", "stops": [stop], "angle": 400}), "angle"),
        (
            with_rep(
                {"type": "application/vnd.adobe.font+json", "font#data": {"name": " "}}, "font"
            ),
            "font#data.name",
        ),
        (
            with_rep(
                {
                    "type": "application/vnd.adobe.characterstyle+json",
                    "characterstyle#data": {"fontWeight": 5000},
                },
                "characterstyle",
            ),
            "fontWeight",
        ),
        (
            with_rep(
                {
                    "type": "application/vnd.adobe.characterstyle+json",
                    "characterstyle#data": {"fontSize": {"value": 12, "type": "furlong"}},
                },
                "characterstyle",
            ),
            "fontSize.type",
        ),
        (with_rep({"type": "image/png", "relationship": "primary"}, "image"), "representations[0]"),
        (
            with_rep(
                {
                    "type": "image/png",
                    "storage_href": "http://testserver/api/v1/storage/id/x?component_id=nope",
                },
                "image",
            ),
            "storage_href",
        ),
        (
            with_rep({"type": "application/vnd.adobe.library.link+dcx", "linkurl": "x"}, "image"),
            "representations[0]",
        ),
    ]
    for payload, fragment in cases:
        response = await api.post(library, payload)
        assert response.status_code == 400, (payload, response.status_code, response.text)
        error_of(response, 400, fragment)
    for body in ([color("x")], "color", 12, None):
        error_of(await api.post(library, body), 400)
    assert (await api.reload(library))["elements_count"] == 0


# List -----------------------------------------------------------------------------------


async def test_list_filters_by_type_and_group_and_orders(api: Api, clock: FrozenClock) -> None:
    library = await api.library()
    brand = {"id": "brand", "name": "Brand", "order": "a"}
    print_ = {"id": "print", "name": "Print", "classifier": "usage", "order": "b"}
    for name, groups in (("b", [brand]), ("A", [brand, print_]), ("c", [])):
        await api.create(library, {**color(name), "groups": groups})
        clock.advance(timedelta(seconds=1))
    await api.create(library, font("Sans"))

    body = await api.list(library)
    assert body["total_count"] == 4
    assert [e["name"] for e in body["elements"]] == ["Sans", "c", "A", "b"]
    assert body["_page"]["orderBy"] == "-modified_date"
    assert await api.names(library, orderBy="name") == ["A", "b", "c", "Sans"]
    assert await api.names(library, orderBy="-name") == ["Sans", "c", "b", "A"]
    assert await api.names(library, orderBy="created_date") == ["b", "A", "c", "Sans"]

    colors = await api.list(library, type=element_type("color"), orderBy="name")
    assert [e["name"] for e in colors["elements"]] == ["A", "b", "c"]
    assert colors["total_count"] == 3
    # The next page keeps the filter.
    two = await api.list(library, type=element_type("color"), orderBy="name", limit=2)
    rest = await api.client.get(two["_links"]["next"]["href"], headers=api.headers)
    assert [e["name"] for e in rest.json()["elements"]] == ["c"]
    assert rest.json()["total_count"] == 3
    both = f"{element_type('color')},{element_type('font')}"
    assert len(await api.names(library, type=both)) == 4
    assert await api.names(library, type=element_type("gradient")) == []

    assert await api.names(library, group="brand", orderBy="name") == ["A", "b"]
    assert await api.names(library, group="$default#brand", orderBy="name") == ["A", "b"]
    assert await api.names(library, group="usage#print") == ["A"]
    assert await api.names(library, group="print") == []  # print is in the usage classifier
    assert await api.names(library, group="$none$", orderBy="name") == ["c", "Sans"]
    (first,) = (await api.list(library, group="usage#print"))["elements"]
    assert [g["id"] for g in first["groups"]] == ["brand", "print"]

    for query, fragment in (
        ({"orderBy": "type"}, "orderBy"),
        ({"limit": "many"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"selector": "rendition_grid"}, "selector"),
        ({"start": "c1.@@@"}, "start"),
    ):
        response = await api.client.get(
            api.elements_href(library), params=query, headers=api.headers
        )
        error_of(response, 400, fragment)


async def test_list_limit_defaults_to_10_and_is_clamped_at_100(api: Api) -> None:
    library = await api.library()
    first = await api.create(library, color("Copy"))
    ids = [first["id"]]
    # Copying every element into its own library doubles it: 128 elements in 7 requests.
    while len(ids) < 128:
        response = await api.post(
            library, {"source": {"elements": ids, "id": library["library_urn"]}}
        )
        assert response.status_code == 201, response.text
        ids += [e["id"] for e in response.json()["elements"]]
    assert (await api.reload(library))["elements_count"] == 128

    default = await api.list(library)
    assert len(default["elements"]) == 10
    assert default["total_count"] == 128
    clamped = await api.list(library, limit=500)
    assert len(clamped["elements"]) == 100
    assert clamped["_page"]["count"] == 100
    rest = await api.client.get(clamped["_links"]["next"]["href"], headers=api.headers)
    assert rest.status_code == 200, rest.text
    assert len(rest.json()["elements"]) == 28
    seen = {e["id"] for e in clamped["elements"]} | {e["id"] for e in rest.json()["elements"]}
    assert seen == set(ids)
    by_offset = await api.list(library, start=120, limit=100)
    assert len(by_offset["elements"]) == 8


async def test_list_selectors(api: Api) -> None:
    library = await api.library()
    element = await api.create(library, color("Red", description="Warm"))

    (default,) = (await api.list(library))["elements"]
    assert "representations" not in default
    assert "details" not in default
    assert default["id"] == element["id"]
    assert default["thumbnail"]["rendition"]

    (details,) = (await api.list(library, selector="details"))["elements"]
    assert details["details"]["description"] == "Warm"
    assert details["details"]["created"]["app"] == "cclibs-tests"
    assert details["details"]["created"]["deviceId"] == "test-device"
    assert "representations" not in details

    (reps,) = (await api.list(library, selector="representations"))["elements"]
    assert reps["representations"][0]["color#data"] == rgb(10, 20, 30)
    assert "details" not in reps

    (full,) = (await api.list(library, selector="full"))["elements"]
    assert full["details"]["description"] == "Warm"
    assert full["representations"] == reps["representations"]
    (both,) = (await api.list(library, selector="details,representations"))["elements"]
    assert both["details"] == full["details"]
    assert both["representations"] == full["representations"]


# Get ------------------------------------------------------------------------------------


async def test_get_head_and_if_none_match(api: Api) -> None:
    library = await api.library()
    element = await api.create(library, color("Red"))
    other_library = await api.library("Other")

    got = await api.get(library, element["id"])
    assert got.status_code == 200
    assert got.json()["id"] == element["id"]
    assert got.json()["name"] == "Red"
    assert "representations" not in got.json()
    etag = got.headers["etag"]
    full = await api.get(library, element["id"], selector="full")
    assert full.json()["representations"] == element["representations"]

    by_id = await api.client.get(
        f"{LIBRARIES}/{library['id']}/elements/{element['id']}", headers=api.headers
    )
    assert by_id.status_code == 200
    cached = await api.client.get(
        f"{api.elements_href(library)}/{element['id']}",
        headers={**api.headers, "If-None-Match": etag},
    )
    assert cached.status_code == 304
    head = await api.client.head(
        f"{api.elements_href(library)}/{element['id']}", headers=api.headers
    )
    assert head.status_code == 200
    assert head.headers["etag"] == etag
    assert head.content == b""

    error_of(await api.get(library, "00000000-0000-4000-8000-000000000000"), 404)
    error_of(await api.get(library, "no-such-element"), 404)
    error_of(await api.get(other_library, element["id"]), 404)
    error_of(await api.get(library, element["id"], selector="grid"), 400, "selector")


# Copy and move --------------------------------------------------------------------------


async def test_copy_within_and_across_libraries(api: Api) -> None:
    home = await api.library("Home")
    away = await api.library("Away")
    red = await api.create(home, color("Red"))
    logo = await api.image(home, "Logo", png(30, 30))
    home_before = await api.reload(home)

    within = await api.post(home, {"source": {"elements": [red["id"]], "id": home["library_urn"]}})
    assert within.status_code == 201, within.text
    (dup,) = within.json()["elements"]
    assert dup["id"] != red["id"]
    assert dup["name"] == "Red"
    assert dup["representations"][0]["color#data"] == red["representations"][0]["color#data"]
    assert dup["representations"][0]["id"] != red["representations"][0]["id"]
    home_after = await api.reload(home)
    assert home_after["elements_count"] == home_before["elements_count"] + 1 == 3

    across = await api.post(
        away,
        {
            "source": {
                "elements": [{"id": red["id"], "name": "Red, copied"}, {"id": logo["id"]}],
                "id": home["library_urn"],
            }
        },
    )
    assert across.status_code == 201, across.text
    copies = {e["name"]: e for e in across.json()["elements"]}
    assert set(copies) == {"Red, copied", "Logo"}
    assert all(e["parent_id"] == away["library_urn"] for e in copies.values())
    assert (await api.reload(away))["elements_count"] == 2
    assert (await api.reload(home))["elements_count"] == 3  # a copy leaves the source alone
    assert (await api.get(home, red["id"])).json()["name"] == "Red"

    # The copied image's file is this library's now, with the same bytes.
    (rep,) = copies["Logo"]["representations"]
    assert away["library_urn"] in rep["storage_href"]
    original = await api.client.get(logo["representations"][0]["storage_href"], headers=api.headers)
    copied = await api.client.get(rep["storage_href"], headers=api.headers)
    assert copied.status_code == 200
    assert copied.content == original.content
    assert (await api.reload(away))["storage_used"] == rep["content_length"]

    missing = await api.post(
        away, {"source": {"elements": ["00000000-0000-4000-8000-000000000000"], "id": home["id"]}}
    )
    error_of(missing, 404)
    error_of(await api.post(away, {"source": {"elements": [], "id": home["id"]}}), 400, "source")
    error_of(await api.post(away, {"source": "everything"}), 400, "source")


async def test_move_across_libraries_changes_both_counts(api: Api) -> None:
    home = await api.library("Home")
    away = await api.library("Away")
    red = await api.create(home, color("Red"))
    blue = await api.create(home, color("Blue", r=200))
    await api.create(home, font("Stays"))
    logo = await api.image(home, "Logo")
    home_before = await api.reload(home)
    assert home_before["elements_count"] == 4

    moved = await api.post(
        away, {"self": {"elements": [red["id"], blue["id"], logo["id"]], "id": home["library_urn"]}}
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["total_count"] == 3
    assert {e["name"] for e in moved.json()["elements"]} == {"Red", "Blue", "Logo"}

    home_after = await api.reload(home)
    away_after = await api.reload(away)
    assert home_after["elements_count"] == 1
    assert away_after["elements_count"] == 3
    assert home_after["storage_used"] == 0
    assert away_after["storage_used"] == logo["storage_used"] > 0
    assert home_after["version"] != home_before["version"]
    assert await api.names(home) == ["Stays"]
    assert sorted(await api.names(away)) == ["Blue", "Logo", "Red"]
    error_of(await api.get(home, red["id"]), 404)
    moved_logo = next(e for e in moved.json()["elements"] if e["name"] == "Logo")
    download = await api.client.get(
        moved_logo["representations"][0]["storage_href"], headers=api.headers
    )
    assert download.status_code == 200

    # Moving what is no longer there is a 404, and changes nothing.
    again = await api.post(away, {"self": {"elements": [red["id"]], "id": home["id"]}})
    error_of(again, 404)
    assert (await api.reload(away))["elements_count"] == 3


# Metadata -------------------------------------------------------------------------------


async def test_metadata_renames_and_removes_descriptions(api: Api) -> None:
    library = await api.library()
    red = await api.create(library, color("Red", description="Warm"))
    blue = await api.create(library, color("Blue", description="Cool"))
    before = await api.reload(library)

    response = await api.client.put(
        f"{api.elements_href(library)}/metadata",
        json={
            "elements": [
                {"id": red["id"], "name": "Crimson"},
                {"id": blue["id"], "description": ""},
            ]
        },
        headers=api.headers,
    )
    assert response.status_code == 204, response.text
    red_now = (await api.get(library, red["id"], selector="details")).json()
    blue_now = (await api.get(library, blue["id"], selector="details")).json()
    assert red_now["name"] == "Crimson"
    assert red_now["details"]["description"] == "Warm"
    assert blue_now["name"] == "Blue"
    assert "description" not in blue_now["details"]
    assert "description" not in blue_now
    assert red_now["manifest_etag"] != red["manifest_etag"]
    assert (await api.reload(library))["version"] != before["version"]

    # Adobe's older shape: a bare list.
    bare = await api.client.put(
        f"{api.elements_href(library)}/metadata",
        json=[{"id": blue["id"], "description": "Cold"}],
        headers=api.headers,
    )
    assert bare.status_code == 204, bare.text
    blue_again = (await api.get(library, blue["id"], selector="details")).json()
    assert blue_again["details"]["description"] == "Cold"

    metadata = f"{api.elements_href(library)}/metadata"
    for body, fragment in (
        ({"elements": []}, "elements"),
        ({"elements": [{"name": "no id"}]}, "elements[0].id"),
        ({"elements": [{"id": red["id"], "name": ""}]}, "elements[0].name"),
        ({"elements": [{"id": red["id"], "description": 3}]}, "elements[0].description"),
    ):
        error_of(await api.client.put(metadata, json=body, headers=api.headers), 400, fragment)
    unknown = {"elements": [{"id": "00000000-0000-4000-8000-000000000000", "name": "x"}]}
    error_of(await api.client.put(metadata, json=unknown, headers=api.headers), 404)
    assert (await api.get(library, red["id"])).json()["name"] == "Crimson"


# Archive --------------------------------------------------------------------------------


async def test_archive_one_and_bulk(api: Api) -> None:
    library = await api.library()
    made = [await api.create(library, color(name)) for name in ("A", "B", "C", "D")]

    one = await api.client.delete(
        f"{api.elements_href(library)}/{made[0]['id']}", headers=api.headers
    )
    assert one.status_code == 204, one.text
    error_of(await api.get(library, made[0]["id"]), 404)
    after_one = await api.reload(library)
    assert (after_one["elements_count"], after_one["removed_elements_count"]) == (3, 1)

    bulk = await api.client.request(
        "DELETE",
        api.elements_href(library),
        json={"elements": [made[1]["id"], made[2]["id"]]},
        headers=api.headers,
    )
    assert bulk.status_code == 204, bulk.text
    after_bulk = await api.reload(library)
    assert (after_bulk["elements_count"], after_bulk["removed_elements_count"]) == (1, 3)
    assert await api.names(library) == ["D"]

    # Archiving what is archived or not there is a 404 and archives nothing.
    again = await api.client.request(
        "DELETE",
        api.elements_href(library),
        json={"elements": [made[3]["id"], made[0]["id"]]},
        headers=api.headers,
    )
    error_of(again, 404)
    assert await api.names(library) == ["D"]
    error_of(
        await api.client.delete(
            f"{api.elements_href(library)}/{made[0]['id']}", headers=api.headers
        ),
        404,
    )
    no_list = await api.client.request(
        "DELETE", api.elements_href(library), json={"elements": []}, headers=api.headers
    )
    error_of(no_list, 400, "elements")
    no_body = await api.client.request(
        "DELETE", api.elements_href(library), json={}, headers=api.headers
    )
    error_of(no_body, 400, "elements")


async def test_archive_one_with_if_match(api: Api) -> None:
    library = await api.library()
    red = await api.create(library, color("Red"))
    href = f"{api.elements_href(library)}/{red['id']}"
    await api.client.put(
        f"{api.elements_href(library)}/metadata",
        json={"elements": [{"id": red["id"], "name": "Renamed"}]},
        headers=api.headers,
    )
    stale = await api.client.delete(href, headers={**api.headers, "If-Match": red["manifest_etag"]})
    error_of(stale, 412)
    current = (await api.get(library, red["id"])).headers["etag"]
    archived = await api.client.delete(href, headers={**api.headers, "If-Match": current})
    assert archived.status_code == 204, archived.text


# PUT representations --------------------------------------------------------------------


async def test_put_representations_replaces_the_whole_set(api: Api) -> None:
    library = await api.library()
    element = await api.create(
        library,
        {
            **color("Red"),
            "representations": [
                {"type": COLOR_REP, "relationship": "primary", "color#data": rgb(255, 0, 0)},
                {
                    "type": COLOR_REP,
                    "relationship": "rendition",
                    "color#data": {"mode": "Gray", "value": 30},
                },
            ],
        },
    )
    primary, gray = element["representations"]

    # Keep the primary as returned, drop the gray one, add a Lab one.
    lab = {
        "type": COLOR_REP,
        "relationship": "rendition",
        "color#data": {"mode": "Lab", "value": {"l": 50, "a": 1, "b": 2}},
    }
    response = await api.put_reps(library, element["id"], [primary, lab])
    assert response.status_code == 200, response.text
    assert response.json()["total_count"] == 1
    (changed,) = response.json()["elements"]
    reps = changed["representations"]
    assert [r["color#data"]["mode"] for r in reps] == ["RGB", "Lab"]
    assert reps[0]["color#data"] == primary["color#data"]  # unchanged, sent as returned
    assert gray["id"] not in {r["id"] for r in reps}
    got = (await api.get(library, element["id"], selector="representations")).json()
    assert got["representations"] == reps
    assert got["manifest_etag"] != element["manifest_etag"]
    assert response.headers["etag"] == got["manifest_etag"]

    # An update of a rep under its id.
    recolored = {**reps[0], "color#data": rgb(0, 0, 255)}
    updated = await api.put_reps(library, element["id"], [recolored])
    assert updated.status_code == 200, updated.text
    (only,) = updated.json()["elements"][0]["representations"]
    assert only["color#data"] == rgb(0, 0, 255)

    # The set is validated as a create would be.
    cmyk_only = {
        "type": COLOR_REP,
        "color#data": {"mode": "CMYK", "value": {"c": 1, "m": 1, "y": 1, "k": 1}},
    }
    error_of(await api.put_reps(library, element["id"], [cmyk_only]), 400, "representations")
    error_of(
        await api.put_reps(
            library, element["id"], [{"type": COLOR_REP, "color#data": rgb(300, 0, 0)}]
        ),
        400,
        "value.r",
    )
    no_reps = await api.client.put(
        f"{api.elements_href(library)}/{element['id']}/representations",
        json={"name": "no representations"},
        headers=api.headers,
    )
    error_of(no_reps, 400, "representations")
    error_of(await api.put_reps(library, "00000000-0000-4000-8000-000000000000", [recolored]), 404)
    assert (await api.get(library, element["id"], selector="full")).json()["representations"] == [
        only
    ]


async def test_put_representations_keeps_uploaded_files(api: Api) -> None:
    library = await api.library()
    first_bytes = png(20, 20, (0, 0, 255))
    element = await api.image(library, "Logo", first_bytes)
    (image_rep,) = element["representations"]
    other = await api.upload(library, png(10, 10, (0, 255, 0)))

    # Sent back as returned, plus a new rendition: the upload keeps its id and file.
    thumb = {
        "type": "image/png",
        "relationship": "rendition",
        "storage_href": other["storage_href"],
    }
    response = await api.put_reps(library, element["id"], [image_rep, thumb])
    assert response.status_code == 200, response.text
    kept, added = response.json()["elements"][0]["representations"]
    assert kept["storage_href"] == image_rep["storage_href"]
    assert kept["md5"] == image_rep["md5"]
    assert added["storage_href"] == other["storage_href"]
    assert (
        response.json()["elements"][0]["storage_used"] == len(first_bytes) + other["content_length"]
    )

    # Another file under the same representation id is refused.
    swap = {**kept, "storage_href": other["storage_href"]}
    error_of(await api.put_reps(library, element["id"], [swap, added]), 400, "storage_href")
    still = (await api.get(library, element["id"], selector="representations")).json()
    assert [r["storage_href"] for r in still["representations"]] == [
        image_rep["storage_href"],
        other["storage_href"],
    ]
    download = await api.client.get(
        still["representations"][0]["storage_href"], headers=api.headers
    )
    assert download.content == first_bytes

    # Client-sent file facts do not override the upload's.
    lying = {**kept, "content_length": 1, "md5": "bm90IHRoZSBtZDU="}
    honest = await api.put_reps(library, element["id"], [lying])
    assert honest.status_code == 200, honest.text
    (rep,) = honest.json()["elements"][0]["representations"]
    assert rep["content_length"] == len(first_bytes)
    assert rep["md5"] == image_rep["md5"]


async def test_put_representations_with_if_match(api: Api) -> None:
    library = await api.library()
    element = await api.create(library, color("Red"))
    reps = element["representations"]
    stale_etag = element["manifest_etag"]

    first = await api.put_reps(library, element["id"], reps, **{"If-Match": stale_etag})
    assert first.status_code == 200, first.text
    current_etag = first.headers["etag"]
    assert current_etag != stale_etag

    stale = await api.put_reps(library, element["id"], reps, **{"If-Match": stale_etag})
    error_of(stale, 412)
    current = await api.put_reps(library, element["id"], reps, **{"If-Match": current_etag})
    assert current.status_code == 200, current.text
    assert (
        await api.put_reps(library, element["id"], reps, **{"If-Match": "*"})
    ).status_code == 200


# Versions, dates and ETags ---------------------------------------------------------------


async def test_library_version_and_modified_date_follow_its_content(
    api: Api, clock: FrozenClock
) -> None:
    library = await api.library()
    states = [await api.reload(library)]

    async def step(response: httpx.Response) -> None:
        assert response.status_code < 300, response.text
        clock.advance(timedelta(seconds=2))
        states.append(await api.reload(library))

    clock.advance(timedelta(seconds=2))
    element = await api.create(library, color("Red"))
    states.append(await api.reload(library))
    clock.advance(timedelta(seconds=2))
    href = f"{api.elements_href(library)}/{element['id']}"
    await step(
        await api.client.put(
            f"{api.elements_href(library)}/metadata",
            json={"elements": [{"id": element["id"], "name": "Crimson"}]},
            headers=api.headers,
        )
    )
    await step(await api.put_reps(library, element["id"], element["representations"]))
    await step(await api.client.delete(href, headers=api.headers))

    versions = [state["version"] for state in states]
    dates = [state["modified_date"] for state in states]
    etags = [state["manifest_etag"] for state in states]
    assert len(set(versions)) == len(versions) == 5, versions
    assert [int(v) for v in versions] == sorted(int(v) for v in versions)
    assert dates == sorted(dates) and len(set(dates)) == 5, dates
    assert len(set(etags)) == 5
    # Reading changes nothing.
    assert (await api.reload(library))["version"] == versions[-1]


async def test_element_etag_changes_with_the_element_only(api: Api) -> None:
    library = await api.library()
    red = await api.create(library, color("Red"))
    blue = await api.create(library, color("Blue"))

    async def etag(element: JSON) -> str:
        response = await api.get(library, element["id"])
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == response.json()["manifest_etag"]
        return response.headers["etag"]

    red_1, blue_1 = await etag(red), await etag(blue)
    assert red_1 == red["manifest_etag"]
    await api.client.put(
        f"{api.elements_href(library)}/metadata",
        json={"elements": [{"id": red["id"], "name": "Crimson"}]},
        headers=api.headers,
    )
    red_2, blue_2 = await etag(red), await etag(blue)
    assert red_2 != red_1
    assert blue_2 == blue_1
    await api.put_reps(library, red["id"], red["representations"])
    assert await etag(red) not in (red_1, red_2)


# Disagreements with the compat reference, or bugs (see the report) -----------------------


async def test_put_representations_answers_new_representation_ids(api: Api) -> None:
    """§1.6, PUT representations: "The response's reps get new ids." (SPEC op 20)."""
    library = await api.library()
    element = await api.create(library, color("Red"))
    (primary,) = element["representations"]
    response = await api.put_reps(library, element["id"], [primary])
    assert response.status_code == 200, response.text
    (rep,) = response.json()["elements"][0]["representations"]
    assert rep["color#data"] == primary["color#data"]
    assert rep["id"] != primary["id"]


@pytest.mark.parametrize("key", ["source", "self"])
async def test_copying_or_moving_an_archived_element_leaves_no_phantom(api: Api, key: str) -> None:
    """An archived element is not there for GET, metadata, representations or archive (404);
    copying or moving it must either be refused the same way, or give an element the
    target library shows. Today the 201 answer names an element that GET then 404s."""
    home = await api.library("Home")
    away = await api.library("Away")
    gone = await api.create(home, color("Gone"))
    archived = await api.client.delete(
        f"{api.elements_href(home)}/{gone['id']}", headers=api.headers
    )
    assert archived.status_code == 204

    response = await api.post(away, {key: {"elements": [gone["id"]], "id": home["library_urn"]}})
    assert response.status_code in (201, 404), response.text
    if response.status_code == 404:
        error_of(response, 404)
        assert (await api.reload(away))["removed_elements_count"] == 0
        return
    for element in response.json()["elements"]:
        got = await api.get(away, element["id"])
        assert got.status_code == 200, (key, got.text)
    assert (await api.reload(away))["elements_count"] == len(response.json()["elements"])
