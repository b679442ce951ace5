"""Generated requests for every operation of the served OpenAPI document (schemathesis), sent
to the app in-process with a real token: no answer may be a 5xx, and every answer must be
one the document describes (its status, media type, headers and schema).

Requests are generated valid (positive) and invalid (negative) from the document, once per
run and deterministically (``derandomize``), then sent on each database. Half of those of an
operation with a library, element, upload or file in its path or query name real ones: a
library with an element, an uploaded file and a chunked upload is made before each operation
(and again after a write that may have used it up), and the placeholders below are replaced
by their ids. Three requests in four carry the real token; the fourth, the generated
credentials. A failure is reported with the request as a curl command.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from PIL import Image
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.api_auth import ApiCaller

pytestmark = pytest.mark.anyio

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}
"""Requests per operation (each as often with real ids as with generated ones)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SEEDED = {"libraryId": "SEEDlibrary", "elementId": "SEEDelement", "uploadId": "SEEDupload"}
"""Path parameters that name the seed (the placeholder is replaced when the case is sent)."""
SEEDED_QUERY = {"component_id": "SEEDasset"}
BASE_URL = "http://testserver"

_generated: dict[str, list[tuple[str, Case]]] = {}
"""The cases of a document (by its ETag): generated once, sent on every database."""


def collect(strategy: st.SearchStrategy[Case], count: int) -> list[Case]:
    found: list[Case] = []

    @hypothesis.settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(strategy)
    def draw(case: Case) -> None:
        found.append(case)

    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        draw()  # Unsatisfiable: nothing to negate in an operation without parameters or body
    return found


def strategies(op: APIOperation, mode: GenerationMode) -> list[st.SearchStrategy[Case]]:
    """Generated values, and the same with the seed's ids where the operation names any."""
    names = {p.name for p in op.path_parameters}
    query = {p.name for p in op.query}
    seeded = {name: value for name, value in SEEDED.items() if name in names}
    seeded_query = {name: value for name, value in SEEDED_QUERY.items() if name in query}
    found = [op.as_strategy(mode)]
    if seeded or seeded_query:
        found.append(
            op.as_strategy(mode, path_parameters=seeded or None, query=seeded_query or None)
        )
    return found


def generated_cases(document: Mapping[str, Any], etag: str) -> list[tuple[str, Case]]:
    """(operation label, case) for each operation, in the document's order."""
    if etag not in _generated:
        schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document)))
        cases: list[tuple[str, Case]] = []
        for result in schema.get_all_operations():
            op = result.ok()
            for mode, count in EXAMPLES.items():
                for strategy in strategies(op, mode):
                    cases.extend((op.label, case) for case in collect(strategy, count))
        _generated[etag] = cases
    return _generated[etag]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


COLOR = {
    "name": "Seed",
    "type": "application/vnd.adobe.element.color+dcx",
    "client": {"app": "fuzz", "deviceId": "device-1", "device": "laptop"},
    "representations": [
        {
            "type": "application/vnd.adobe.color+json",
            "relationship": "primary",
            "color#data": {"mode": "RGB", "value": {"r": 10, "g": 20, "b": 30}},
        }
    ],
}


@dataclass
class Seed:
    """A library with an element, an uploaded file and an unfinished chunked upload."""

    library: str
    element: str
    asset: str
    upload: str

    def fill(self, text: str) -> str:
        for placeholder, value in (
            ("SEEDlibrary", self.library),
            ("SEEDelement", self.element),
            ("SEEDupload", self.upload),
            ("SEEDasset", self.asset),
        ):
            text = text.replace(placeholder, value)
        return text


async def new_seed(client: httpx.AsyncClient, caller: ApiCaller) -> Seed:
    async def post(url: str, **options: Any) -> dict[str, Any]:
        response = await client.post(url, headers=caller.headers, **options)
        assert response.is_success, response.text
        answer: dict[str, Any] = response.json()
        return answer

    library = await post("/api/v1/libraries", json={"name": "Fuzz seed"})
    lib = f"/api/v1/libraries/{library['library_urn']}"
    asset = await post(
        f"{lib}/representations/content",
        files={"Representation-Content": ("asset", png(), "image/png")},
        data={"Representation-Data": '{"type": "image/png"}'},
    )
    element = await post(f"{lib}/elements", json=COLOR)
    upload = await post(f"{lib}/representations/uploads", json={"type": "image/png"})
    return Seed(
        library["library_urn"], element["elements"][0]["id"], asset["id"], upload["upload_id"]
    )


def as_request(case: Case, seed: Seed, caller: ApiCaller | None) -> httpx.Request:
    """The case as the bytes schemathesis would send, with the seed's ids and, unless
    ``caller`` is None, a real token (else the generated Authorization and x-api-key)."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    kwargs.pop("cookies", None)
    prepared = requests.Request(**kwargs).prepare()
    assert prepared.url is not None and prepared.method is not None
    body = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    headers = {name: _header_bytes(value) for name, value in prepared.headers.items()}
    request = httpx.Request(prepared.method, seed.fill(prepared.url), headers=headers, content=body)
    if caller is not None:
        request.headers.update(caller.headers)
    return request


def _header_bytes(value: str | bytes) -> bytes:
    """As requests would send it: Latin-1 (RFC 9110 §5.5), else UTF-8 bytes."""
    if isinstance(value, bytes):
        return value
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def curl(request: httpx.Request, caller: ApiCaller) -> str:
    """The request, to send again (the test token shown as ``$TOKEN``)."""
    shown = {k: v for k, v in request.headers.items() if k not in ("host", "user-agent")}
    headers = " ".join(f"-H '{k}: {v}'" for k, v in shown.items())
    headers = headers.replace(caller.access_token, "$TOKEN")
    body = request.content[:1000].decode("utf-8", "replace")
    return f"curl -X {request.method} '{request.url}' {headers} --data-raw '{body}'"


async def test_generated_requests_get_answers_the_document_describes(
    client: httpx.AsyncClient, api_caller: ApiCaller
) -> None:
    served = await client.get("/api/v1/openapi.json")
    cases = generated_cases(served.json(), served.headers["etag"])
    assert len({label for label, _ in cases}) == len(
        [op for methods in served.json()["paths"].values() for op in methods]
    ), "every operation has cases"
    failures: list[str] = []
    seed: Seed | None = None
    current = ""
    for index, (label, case) in enumerate(cases):
        if seed is None or label != current:  # a fresh seed for each operation
            seed, current = await new_seed(client, api_caller), label
        request = as_request(case, seed, api_caller if index % 4 else None)
        response = await client.send(request)
        if request.method in ("DELETE", "POST") and response.is_success:
            seed = None  # it may be gone (deleted, moved, finalized): make another
        failure = check(case, response)
        if failure:
            failures.append(f"{label}: {failure}\n  {curl(request, api_caller)}")
    assert not failures, f"{len(failures)} of {len(cases)} answers broke the document:\n" + (
        "\n\n".join(failures[:20])
    )


def check(case: Case, response: httpx.Response) -> str | None:
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        titles = sorted({f"{f.title}: {f.message[:300]}" for f in group.exceptions})
        return f"{response.status_code} " + "; ".join(titles)
    return None
