"""Two `cclibs serve` processes on one PostgreSQL database and one S3 bucket, as behind a load
balancer: whatever one of them issues or stores, the other honours or serves (issue 13).

Accounts and credentials are made in the shared database from the test process (the
servers' own services); every token and file then goes through the servers over HTTP.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from PIL import Image

from cclibs.oauth.clients import ClientType
from cclibs.oauth.scopes import parse_scopes
from cclibs.services import Services
from cclibs.storage.versions import CHECK_INTERVAL
from tests.http.oauth.conftest import refused_within
from tests.support.api_auth import SERVER_SCOPE, new_user, new_web_app, user_token
from tests.support.elements import image_element_body
from tests.support.scaleout import LIBRARIES, Cluster, basic, introspect, libraries, token

pytestmark = pytest.mark.anyio

CLIENT = {"deviceId": "scale-out", "device": "pytest", "app": "cclibs-tests"}
MiB = 1024 * 1024


async def test_a_token_issued_by_one_is_accepted_by_the_other(
    pair: Cluster, services: Services
) -> None:
    owner = await new_user(services)
    created = await services.oauth.clients.create(
        owner_id=owner.id,
        client_type=ClientType.SERVER,
        name="Scale-out service",
        scopes=parse_scopes(SERVER_SCOPE),
    )
    service_auth = basic(created.client.client_id, created.secret)
    app = await new_web_app(services, owner.id)
    user = await user_token(
        services, app, await new_user(services), scope=f"{SERVER_SCOPE},offline_access"
    )
    assert user.refresh_token is not None
    refresh = user.refresh_token
    for issuer, other in ((pair.a, pair.b), (pair.b, pair.a)):
        # client_credentials: what one signs, the other's introspection finds active.
        issued = await token(
            issuer,
            {"grant_type": "client_credentials", "scope": SERVER_SCOPE},
            service_auth,
        )
        assert issued.status_code == 200, issued.text
        value = issued.json()["access_token"]
        assert (await introspect(other, value, service_auth))["active"] is True
        forged = value[:-6] + ("AAAAAA" if not value.endswith("AAAAAA") else "BBBBBB")
        assert (await introspect(other, forged, service_auth)) == {"active": False}
        # A user's access token from one works on the other's Libraries API.
        refreshed = await token(
            issuer,
            {"grant_type": "refresh_token", "refresh_token": refresh},
            basic(app.client_id, app.secret),
        )
        assert refreshed.status_code == 200, refreshed.text
        refresh = refreshed.json()["refresh_token"]
        access = refreshed.json()["access_token"]
        assert (await libraries(other, access, app.client_id)).status_code == 200
        assert (await libraries(other, access[:-6] + "AAAAAA", app.client_id)).status_code == 401


async def test_refresh_rotation_is_one_family_across_both(
    pair: Cluster, services: Services
) -> None:
    owner = await new_user(services)
    app = await new_web_app(services, owner.id)
    user = await new_user(services)
    first = await user_token(services, app, user, scope=f"{SERVER_SCOPE},offline_access")
    assert first.refresh_token is not None
    auth = basic(app.client_id, app.secret)

    # Rotated on A; the old token replayed on B within the grace window gets the very same
    # successor (as one process answers a racing repeat): the family does not fork.
    on_a = await token(
        pair.a, {"grant_type": "refresh_token", "refresh_token": first.refresh_token}, auth
    )
    assert on_a.status_code == 200, on_a.text
    successor = on_a.json()["refresh_token"]
    assert successor != first.refresh_token
    repeat_on_b = await token(
        pair.b, {"grant_type": "refresh_token", "refresh_token": first.refresh_token}, auth
    )
    assert repeat_on_b.status_code == 200, repeat_on_b.text
    assert repeat_on_b.json()["refresh_token"] == successor

    # The new one works on B, and B's access token on A.
    on_b = await token(pair.b, {"grant_type": "refresh_token", "refresh_token": successor}, auth)
    assert on_b.status_code == 200, on_b.text
    latest = on_b.json()["refresh_token"]
    assert (await libraries(pair.a, on_b.json()["access_token"], app.client_id)).status_code == 200

    # Past the grace window (aged in the database, as time would), a replay on A ends the
    # family, and B then refuses the live token too.
    aged = await pair.execute(
        "UPDATE refresh_tokens SET rotated_at = rotated_at - interval '1 hour' "
        "WHERE rotated_at IS NOT NULL"
    )
    assert aged != "UPDATE 0"
    replay = await token(pair.a, {"grant_type": "refresh_token", "refresh_token": successor}, auth)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    after = await token(pair.b, {"grant_type": "refresh_token", "refresh_token": latest}, auth)
    assert after.status_code == 400
    assert after.json()["error"] == "invalid_grant"


async def signed_in(services: Services) -> dict[str, str]:
    """The bearer headers of a user signed in to another user's web app."""
    owner = await new_user(services)
    app = await new_web_app(services, owner.id)
    return (await user_token(services, app, await new_user(services))).headers


@asynccontextmanager
async def both_servers(
    pair: Cluster, headers: dict[str, str]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """One client a server, with the same credentials, as a balancer sends one user to both."""
    async with (
        httpx.AsyncClient(base_url=pair.a, timeout=60, headers=headers) as a,
        httpx.AsyncClient(base_url=pair.b, timeout=60, headers=headers) as b,
    ):
        yield a, b


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 220)).save(out, format="PNG")
    return out.getvalue()


async def test_an_element_uploaded_through_one_is_downloaded_through_the_other(
    pair: Cluster, services: Services
) -> None:
    picture = png(64, 32)
    large = os.urandom(12 * MiB)  # past one part: a multipart upload to the bucket
    async with both_servers(pair, await signed_in(services)) as (a, b):
        made = await a.post(LIBRARIES, json={"name": "Shared"})
        assert made.status_code == 201, made.text
        href = f"{LIBRARIES}/{made.json()['library_urn']}"
        uploaded: list[dict[str, Any]] = []
        for content, kind in ((picture, "image/png"), (large, "application/octet-stream")):
            answer = await a.post(
                f"{href}/representations/content",
                files={"Representation-Content": ("file", content, kind)},
                data={"Representation-Data": f'{{"type": "{kind}"}}'},
            )
            assert answer.status_code == 200, answer.text
            uploaded.append(answer.json())
        element = await a.post(
            f"{href}/elements",
            json=image_element_body("Picture", uploaded[0]["storage_href"], CLIENT),
        )
        assert element.status_code == 201, element.text
        element_id = element.json()["elements"][0]["id"]
        thumbnail_path = httpx.URL(element.json()["elements"][0]["thumbnail"]["rendition"]).path

        # B lists the element and serves both files and a thumbnail, from the bucket.
        listed = await b.get(f"{href}/elements")
        assert listed.status_code == 200, listed.text
        assert [e["id"] for e in listed.json()["elements"]] == [element_id]
        for content, answer in zip((picture, large), uploaded, strict=True):
            path = httpx.URL(answer["storage_href"]).raw_path.decode()
            downloaded = await b.get(path)
            assert downloaded.status_code == 200, downloaded.text[:200]
            assert downloaded.content == content
        thumbnail = await b.get(thumbnail_path.rsplit("/", 1)[0] + "/:rendition;size=16")
        assert thumbnail.status_code == 200, thumbnail.text[:200]
        assert Image.open(io.BytesIO(thumbnail.content)).size == (16, 8)
    stored = pair.s3.objects(pair.bucket)
    for content in (picture, large):
        key = hashlib.sha256(content).hexdigest()
        assert stored[f"blobs/sha256/{key[:2]}/{key[2:4]}/{key}"] == len(content)
    assert any(name.startswith("blobs/renditions/") for name in stored)
    # Nothing of it on either server's disk.
    for node in ("a", "b"):
        assert list(pair.data_dir(node).rglob("sha256")) == []
        assert list(pair.data_dir(node).rglob("*.png")) == []


async def test_a_chunked_upload_takes_parts_on_both_and_is_joined_in_the_bucket(
    pair: Cluster, services: Services
) -> None:
    parts = [os.urandom(6 * MiB), os.urandom(5 * MiB), b"the end"]
    async with both_servers(pair, await signed_in(services)) as (a, b):
        made = await a.post(LIBRARIES, json={"name": "Chunked"})
        assert made.status_code == 201, made.text
        started = await b.post(
            f"{LIBRARIES}/{made.json()['library_urn']}/representations/uploads",
            json={"type": "video/mp4"},
        )
        assert started.status_code == 201, started.text
        href = started.json()["_links"]["self"]["href"]
        # Parts go to whichever server the balancer picks; the upload is one all the same.
        for number, (node, content) in enumerate(zip((a, b, a), parts, strict=True), 1):
            sent = await node.put(f"{href}/parts/{number}", content=content)
            assert sent.status_code == 200, sent.text
        done = await b.post(href, json={"parts": [1, 2, 3]})
        assert done.status_code == 200, done.text
        whole = b"".join(parts)
        assert done.json()["content_length"] == len(whole)
        downloaded = await a.get(httpx.URL(done.json()["storage_href"]).raw_path.decode())
        assert downloaded.status_code == 200
        assert downloaded.content == whole
    # Joined in the bucket, and the parts released once joined.
    stored = pair.s3.objects(pair.bucket, "blobs/sha256/")
    for content, kept in ((whole, True), *((part, False) for part in parts)):
        key = hashlib.sha256(content).hexdigest()
        assert (f"blobs/sha256/{key[:2]}/{key[2:4]}/{key}" in stored) is kept


# Changes made elsewhere (here: the test process, as an admin command or a third server
# would) reach both servers' in-memory credentials within the stated bound.

MARGIN = 2.0
"""Seconds allowed past ``CHECK_INTERVAL`` for the polls and a busy machine."""


async def test_a_revoked_secret_stops_working_on_both_within_the_bound(
    pair: Cluster, services: Services
) -> None:
    owner = await new_user(services)
    registry = services.oauth.clients
    created = await registry.create(
        owner_id=owner.id,
        client_type=ClientType.SERVER,
        name="Rotated service",
        scopes=parse_scopes(SERVER_SCOPE),
    )
    client_id = created.client.client_id
    [old] = await registry.secrets(owner.id, client_id)
    fresh = await registry.add_secret(client_id, owner_id=owner.id)
    form = {"grant_type": "client_credentials", "scope": SERVER_SCOPE}

    async def status(base: str, secret: str | None) -> int:
        return (await token(base, form, basic(client_id, secret))).status_code

    # Both servers hold the credential in memory and accept the old secret before the change.
    for base in (pair.a, pair.b):
        assert await status(base, created.secret) == 200
    await registry.revoke_secret(owner.id, client_id, str(old.id))
    for base in (pair.a, pair.b):

        async def refused(base: str = base) -> bool:
            return await status(base, created.secret) == 401

        await refused_within(refused, CHECK_INTERVAL + MARGIN)
        assert await status(base, fresh) == 200  # the other secret still works


async def test_a_disabled_user_is_refused_by_both_within_the_bound(
    pair: Cluster, services: Services
) -> None:
    owner = await new_user(services)
    app = await new_web_app(services, owner.id)
    person = await new_user(services)
    user = await user_token(services, app, person, scope=SERVER_SCOPE)
    for base in (pair.a, pair.b):
        assert (await libraries(base, user.access_token, app.client_id)).status_code == 200
    await services.accounts.set_disabled(person.id, True)
    for base in (pair.a, pair.b):

        async def refused(base: str = base) -> bool:
            answer = await libraries(base, user.access_token, app.client_id)
            return answer.status_code == 401

        await refused_within(refused, CHECK_INTERVAL + MARGIN)
