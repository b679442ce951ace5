"""Sharing a library: invitations by email, accepting and declining, collaborators, roles,
leaving, publishing, and what ``ownership`` and ``owner=`` then say (compat reference §1.3,
§1.5; the extension endpoints are cclibs')."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.api_answers import error_of
from tests.support.api_auth import ApiCallers
from tests.support.sharing import LIBRARIES, Person, Team, invite, person, share, team

pytestmark = pytest.mark.anyio

INVITATIONS = "/api/v1/invitations"
COLOR = {
    "name": "Red",
    "type": "application/vnd.adobe.element.color+dcx",
    "client": {"deviceId": "d", "device": "pytest", "app": "cclibs-tests"},
    "representations": [
        {
            "type": "application/vnd.adobe.color+json",
            "relationship": "primary",
            "color#data": {"mode": "RGB", "value": {"r": 1, "g": 2, "b": 3}},
        }
    ],
}


@pytest.fixture
async def people(api_callers: ApiCallers) -> Team:
    return await team(api_callers)


async def library_of(client: httpx.AsyncClient, owner: Person, name: str = "Shared") -> str:
    made = await client.post(LIBRARIES, json={"name": name}, headers=owner.headers)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def listed(client: httpx.AsyncClient, who: Person, owner: str | None = None) -> list[Any]:
    params = {"owner": owner} if owner else {}
    answer = await client.get(LIBRARIES, params=params, headers=who.headers)
    assert answer.status_code == 200, answer.text
    return sorted((lib["name"], lib["ownership"]) for lib in answer.json()["libraries"])


async def pending(client: httpx.AsyncClient, who: Person) -> list[dict[str, Any]]:
    answer = await client.get(INVITATIONS, headers=who.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_count"] == len(body["invitations"])
    invitations: list[dict[str, Any]] = body["invitations"]
    return invitations


async def test_invite_accept_and_the_owner_filters(client: httpx.AsyncClient, people: Team) -> None:
    owner, viewer = people.owner, people.viewer
    lib = await library_of(client, owner)
    await library_of(client, owner, "Alone")
    await library_of(client, viewer, "Viewer's own")

    invitation = await invite(client, owner, lib, viewer.email.upper(), "viewer")
    assert invitation["recipient_email"] == viewer.email
    assert invitation["role"] == "viewer" and invitation["can_share"] is False
    assert invitation["can_comment"] is True
    assert invitation["library_name"] == "Shared"
    assert invitation["_links"]["accept"]["href"] == f"{INVITATIONS}/{invitation['id']}/accept"
    # Before accepting, the library is not the viewer's to see.
    error_of(await client.get(f"{LIBRARIES}/{lib}", headers=viewer.headers), 404)
    assert [i["id"] for i in await pending(client, viewer)] == [invitation["id"]]
    assert await pending(client, people.stranger) == []

    accepted = await client.post(invitation["_links"]["accept"]["href"], headers=viewer.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == lib
    assert accepted.json()["ownership"] == "incoming"
    assert await pending(client, viewer) == []

    assert await listed(client, viewer) == [("Shared", "incoming"), ("Viewer's own", "private")]
    assert await listed(client, viewer, "incoming") == [("Shared", "incoming")]
    assert await listed(client, viewer, "private") == [("Viewer's own", "private")]
    assert await listed(client, viewer, "outgoing") == []
    assert await listed(client, owner) == [("Alone", "private"), ("Shared", "outgoing")]
    assert await listed(client, owner, "outgoing") == [("Shared", "outgoing")]
    assert await listed(client, owner, "private") == [("Alone", "private")]
    assert await listed(client, owner, "incoming") == []
    counted = await client.get(LIBRARIES, params={"owner": "all"}, headers=viewer.headers)
    assert counted.json()["total_count"] == 2
    error_of(
        await client.get(LIBRARIES, params={"owner": "everyone"}, headers=viewer.headers),
        400,
        "owner",
    )

    seen = await client.get(f"{LIBRARIES}/{lib}", headers=viewer.headers)
    assert seen.status_code == 200 and seen.json()["ownership"] == "incoming"
    mine = await client.get(f"{LIBRARIES}/{lib}", headers=owner.headers)
    assert mine.json()["ownership"] == "outgoing"


async def test_the_collaborators_and_the_collaboration_selector(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, editor, viewer = people.owner, people.editor, people.viewer
    lib = await library_of(client, owner)
    await share(client, owner, lib, editor, "editor", can_share=True)
    await share(client, owner, lib, viewer, "viewer", can_comment=False)
    await invite(client, owner, lib, "not-yet@example.com", "viewer")

    as_owner = (await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=owner.headers)).json()
    assert as_owner["owner"]["user_id"] == owner.id
    assert as_owner["owner"]["email"] == owner.email
    assert as_owner["total_count"] == 2
    people_seen = {
        c["email"]: (c["role"], c["can_share"], c["can_comment"]) for c in as_owner["collaborators"]
    }
    assert people_seen == {
        editor.email: ("editor", True, True),
        viewer.email: ("viewer", False, False),
    }
    assert [i["recipient_email"] for i in as_owner["invitations"]] == ["not-yet@example.com"]
    # A viewer sees who shares the library, not the pending invitations.
    as_viewer = (
        await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=viewer.headers)
    ).json()
    assert as_viewer["total_count"] == 2 and as_viewer["invitations"] == []
    # An editor who may share sees them.
    as_editor = (
        await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=editor.headers)
    ).json()
    assert len(as_editor["invitations"]) == 1

    selected = await client.get(
        f"{LIBRARIES}/{lib}", params={"selector": "collaboration"}, headers=owner.headers
    )
    collaboration = selected.json()["collaboration"]
    assert collaboration["ownerId"] == owner.id
    assert collaboration["state"] == "shared"
    assert collaboration["public"] is False
    # The owner first; the others in the order they joined (here at one frozen instant).
    roles = [c["role"] for c in collaboration["collaborators"]]
    assert roles[0] == "owner" and sorted(roles[1:]) == ["editor", "viewer"]
    assert {c["email"] for c in collaboration["directCollaborators"]} == {
        editor.email,
        viewer.email,
    }
    assert [i["recipientEmail"] for i in collaboration["invitations"]] == ["not-yet@example.com"]
    listed_with = await client.get(
        LIBRARIES, params={"selector": "collaboration"}, headers=viewer.headers
    )
    shown = listed_with.json()["libraries"][0]["collaboration"]
    assert shown["invitations"] == [] and len(shown["directCollaborators"]) == 2


async def test_decline_and_other_peoples_invitations(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, viewer, stranger = people.owner, people.viewer, people.stranger
    lib = await library_of(client, owner)
    invitation = await invite(client, owner, lib, viewer.email, "editor")
    for verb in ("accept", "decline"):
        # Nobody else may answer it, and to them it does not exist.
        error_of(
            await client.post(f"{INVITATIONS}/{invitation['id']}/{verb}", headers=stranger.headers),
            404,
        )
        error_of(
            await client.post(f"{INVITATIONS}/{invitation['id']}/{verb}", headers=owner.headers),
            404,
        )
    declined = await client.post(
        f"{INVITATIONS}/{invitation['id']}/decline", headers=viewer.headers
    )
    assert declined.status_code == 204
    assert await pending(client, viewer) == []
    error_of(
        await client.post(f"{INVITATIONS}/{invitation['id']}/accept", headers=viewer.headers), 404
    )
    error_of(await client.get(f"{LIBRARIES}/{lib}", headers=viewer.headers), 404)
    error_of(await client.post(f"{INVITATIONS}/not-an-id/accept", headers=viewer.headers), 404)
    sharing = (await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=owner.headers)).json()
    assert sharing["collaborators"] == [] and sharing["invitations"] == []


async def test_an_invitation_waits_for_the_account_of_its_email(
    client: httpx.AsyncClient, api_callers: ApiCallers, people: Team
) -> None:
    owner = people.owner
    lib = await library_of(client, owner)
    # NFKC and casefold: a fullwidth, upper-case address is the same recipient.
    await invite(client, owner, lib, "\uff2eew.Comer@Example.COM", "editor")
    newcomer = Person(
        await api_callers.user(email="new.comer@example.com"), "new.comer@example.com"
    )
    [invitation] = await pending(client, newcomer)
    assert invitation["recipient_email"] == "new.comer@example.com"
    assert invitation["sender_id"] == owner.id
    accepted = await client.post(invitation["_links"]["accept"]["href"], headers=newcomer.headers)
    assert accepted.status_code == 200
    written = await client.post(f"{LIBRARIES}/{lib}/elements", json=COLOR, headers=newcomer.headers)
    assert written.status_code == 201, written.text


async def test_inviting_again_replaces_the_pending_invitation(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, viewer = people.owner, people.viewer
    lib = await library_of(client, owner)
    first = await invite(client, owner, lib, viewer.email, "viewer")
    second = await invite(client, owner, lib, viewer.email, "editor")
    [only] = await pending(client, viewer)
    assert only["id"] == second["id"] != first["id"]
    assert only["role"] == "editor"
    error_of(await client.post(f"{INVITATIONS}/{first['id']}/accept", headers=viewer.headers), 404)


async def test_bad_invitations_are_refused_with_reasons(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, viewer = people.owner, people.viewer
    lib = await library_of(client, owner)
    href = f"{LIBRARIES}/{lib}/collaborators"
    for body, fragment in (
        ({"email": "nobody", "role": "viewer"}, "email"),
        ({"email": "a b@example.com", "role": "viewer"}, "email"),
        ({"email": 7, "role": "viewer"}, "email"),
        ({"email": viewer.email, "role": "owner"}, "role"),
        ({"email": viewer.email}, "role"),
        ({"email": viewer.email, "role": "viewer", "can_share": "yes"}, "can_share"),
        ([viewer.email], ""),
    ):
        error_of(await client.post(href, json=body, headers=owner.headers), 400, fragment)
    error_of(await client.post(href, content=b"{", headers=owner.headers), 400)
    error_of(
        await client.post(
            href, json={"email": owner.email, "role": "viewer"}, headers=owner.headers
        ),
        409,
    )
    await share(client, owner, lib, viewer, "viewer")
    error_of(
        await client.post(
            href, json={"email": viewer.email, "role": "editor"}, headers=owner.headers
        ),
        409,
        "change their role",
    )
    assert await pending(client, viewer) == []


async def test_roles_change_and_collaborators_are_removed(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, editor, viewer = people.owner, people.editor, people.viewer
    lib = await library_of(client, owner)
    await share(client, owner, lib, editor, "editor")
    await share(client, owner, lib, viewer, "viewer")
    elements = f"{LIBRARIES}/{lib}/elements"
    error_of(await client.post(elements, json=COLOR, headers=viewer.headers), 403, "viewer")

    promoted = await client.patch(
        f"{LIBRARIES}/{lib}/collaborators/{viewer.email}",
        json={"role": "editor", "can_share": True},
        headers=owner.headers,
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "editor" and promoted.json()["can_share"] is True
    assert promoted.json()["can_comment"] is True  # left out: unchanged
    assert (await client.post(elements, json=COLOR, headers=viewer.headers)).status_code == 201
    error_of(
        await client.patch(
            f"{LIBRARIES}/{lib}/collaborators/{viewer.id}",
            json={"role": "owner"},
            headers=owner.headers,
        ),
        400,
        "role",
    )
    error_of(
        await client.patch(
            f"{LIBRARIES}/{lib}/collaborators/{editor.id}",
            json={"role": "viewer"},
            headers=viewer.headers,
        ),
        403,
    )
    error_of(
        await client.patch(
            f"{LIBRARIES}/{lib}/collaborators/nobody@example.com",
            json={"role": "viewer"},
            headers=owner.headers,
        ),
        404,
    )

    removed = await client.delete(
        f"{LIBRARIES}/{lib}/collaborators/{editor.id}", headers=owner.headers
    )
    assert removed.status_code == 204
    error_of(await client.get(f"{LIBRARIES}/{lib}", headers=editor.headers), 404)
    assert await listed(client, editor) == []
    error_of(
        await client.delete(f"{LIBRARIES}/{lib}/collaborators/{editor.id}", headers=owner.headers),
        404,
    )
    # A pending invitation is withdrawn by its email.
    await invite(client, owner, lib, "later@example.com", "viewer")
    withdrawn = await client.delete(
        f"{LIBRARIES}/{lib}/collaborators/LATER@example.com", headers=owner.headers
    )
    assert withdrawn.status_code == 204
    sharing = (await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=owner.headers)).json()
    assert sharing["invitations"] == []
    assert [c["user_id"] for c in sharing["collaborators"]] == [viewer.id]


async def test_leaving_a_library(client: httpx.AsyncClient, people: Team) -> None:
    owner, viewer = people.owner, people.viewer
    lib = await library_of(client, owner)
    await share(client, owner, lib, viewer, "viewer")
    error_of(
        await client.delete(f"{LIBRARIES}/{lib}/collaborators/me", headers=owner.headers),
        409,
        "owner",
    )
    left = await client.delete(f"{LIBRARIES}/{lib}/collaborators/me", headers=viewer.headers)
    assert left.status_code == 204
    error_of(await client.get(f"{LIBRARIES}/{lib}", headers=viewer.headers), 404)
    error_of(
        await client.delete(f"{LIBRARIES}/{lib}/collaborators/me", headers=viewer.headers), 404
    )
    assert await listed(client, owner) == [("Shared", "private")]
    # Leaving by one's own id is the same.
    await share(client, owner, lib, viewer, "viewer")
    again = await client.delete(
        f"{LIBRARIES}/{lib}/collaborators/{viewer.id}", headers=viewer.headers
    )
    assert again.status_code == 204


async def test_sharing_onward_is_bounded_by_ones_own_role(
    client: httpx.AsyncClient, api_callers: ApiCallers, people: Team
) -> None:
    owner, editor, viewer = people.owner, people.editor, people.viewer
    lib = await library_of(client, owner)
    await share(client, owner, lib, viewer, "viewer", can_share=True)
    await share(client, owner, lib, editor, "editor")
    third = await person(api_callers, "third")
    href = f"{LIBRARIES}/{lib}/collaborators"
    # A viewer who may share invites viewers, not editors.
    error_of(
        await client.post(
            href, json={"email": third.email, "role": "editor"}, headers=viewer.headers
        ),
        403,
    )
    made = await client.post(
        href, json={"email": third.email, "role": "viewer"}, headers=viewer.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["sender_id"] == viewer.id
    # An editor without can_share invites nobody.
    error_of(
        await client.post(
            href, json={"email": "x@example.com", "role": "viewer"}, headers=editor.headers
        ),
        403,
    )
    # Nor do collaborators remove others, or change roles.
    error_of(await client.delete(f"{href}/{editor.id}", headers=viewer.headers), 403)


async def test_invitations_go_with_their_senders_right_to_send_them(
    client: httpx.AsyncClient, api_callers: ApiCallers, people: Team
) -> None:
    """Removed, gone, or no longer allowed to share: what a collaborator sent is withdrawn;
    what others sent stays."""
    owner, editor, viewer = people.owner, people.editor, people.viewer
    lib = await library_of(client, owner)
    await share(client, owner, lib, editor, "editor", can_share=True)
    await share(client, owner, lib, viewer, "viewer", can_share=True)
    third, fourth = await person(api_callers, "third"), await person(api_callers, "fourth")
    href = f"{LIBRARIES}/{lib}/collaborators"

    # The editor loses the right to share: their invitation goes, the owner's stays.
    from_editor = await invite(client, editor, lib, third.email, "editor")
    from_owner = await invite(client, owner, lib, fourth.email, "viewer")
    changed = await client.patch(
        f"{href}/{editor.id}", json={"can_share": False}, headers=owner.headers
    )
    assert changed.status_code == 200, changed.text
    assert await pending(client, third) == []
    accept = f"{INVITATIONS}/{from_editor['id']}/accept"
    error_of(await client.post(accept, headers=third.headers), 404)
    assert [i["id"] for i in await pending(client, fourth)] == [from_owner["id"]]

    # An editor made viewer keeps what a viewer may send, and loses the rest.
    await client.patch(f"{href}/{editor.id}", json={"can_share": True}, headers=owner.headers)
    as_viewer = await invite(client, editor, lib, third.email, "viewer")
    as_editor = await invite(client, editor, lib, "someone@example.com", "editor")
    await client.patch(f"{href}/{editor.id}", json={"role": "viewer"}, headers=owner.headers)
    left = {i["id"] for i in (await client.get(href, headers=owner.headers)).json()["invitations"]}
    assert as_viewer["id"] in left and as_editor["id"] not in left

    # Removed by the owner, or leaving: everything they sent goes.
    await client.delete(f"{href}/{editor.id}", headers=owner.headers)
    assert await pending(client, third) == []
    from_viewer = await invite(client, viewer, lib, third.email, "viewer")
    assert (await client.delete(f"{href}/me", headers=viewer.headers)).status_code == 204
    assert await pending(client, third) == []
    error_of(
        await client.post(f"{INVITATIONS}/{from_viewer['id']}/accept", headers=third.headers), 404
    )
    assert [i["id"] for i in await pending(client, fourth)] == [from_owner["id"]]


async def test_publish_and_unpublish(client: httpx.AsyncClient, people: Team) -> None:
    owner, editor = people.owner, people.editor
    lib = await library_of(client, owner)
    await share(client, owner, lib, editor, "editor")
    error_of(await client.put(f"{LIBRARIES}/{lib}/public", headers=editor.headers), 403, "editor")
    error_of(await client.put(f"{LIBRARIES}/{lib}/public", headers=people.stranger.headers), 404)

    published = await client.put(f"{LIBRARIES}/{lib}/public", headers=owner.headers)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["public"] is True and isinstance(body["published_date"], int)
    assert body["_links"]["public"]["href"] == f"/api/v1/public/libraries/{lib}"
    again = await client.put(f"{LIBRARIES}/{lib}/public", headers=owner.headers)
    assert again.json()["published_date"] == body["published_date"]
    selected = await client.get(
        f"{LIBRARIES}/{lib}", params={"selector": "collaboration"}, headers=editor.headers
    )
    assert selected.json()["collaboration"]["public"] is True
    # Publishing shares with nobody: a stranger's private endpoints still say 404.
    error_of(await client.get(f"{LIBRARIES}/{lib}", headers=people.stranger.headers), 404)

    error_of(await client.delete(f"{LIBRARIES}/{lib}/public", headers=editor.headers), 403)
    assert (
        await client.delete(f"{LIBRARIES}/{lib}/public", headers=owner.headers)
    ).status_code == 204
    sharing = (await client.get(f"{LIBRARIES}/{lib}/collaborators", headers=owner.headers)).json()
    assert sharing["public"] is False


async def test_a_deleted_library_takes_its_sharing_along(
    client: httpx.AsyncClient, people: Team
) -> None:
    owner, viewer, editor = people.owner, people.viewer, people.editor
    lib = await library_of(client, owner)
    await share(client, owner, lib, viewer, "viewer")
    await invite(client, owner, lib, editor.email, "editor")
    assert (await client.delete(f"{LIBRARIES}/{lib}", headers=owner.headers)).status_code == 204
    assert await listed(client, viewer) == []
    assert await pending(client, editor) == []


SHARING_OPERATIONS = {
    "getLibraryCollaborators",
    "inviteLibraryCollaborator",
    "updateLibraryCollaborator",
    "removeLibraryCollaborator",
    "getInvitations",
    "acceptInvitation",
    "declineInvitation",
    "publishLibrary",
    "unpublishLibrary",
}


async def test_the_answers_fit_the_openapi_document(
    client: httpx.AsyncClient, people: Team
) -> None:
    from tests.api.test_openapi import CheckedApi

    owner, editor, viewer = people.owner, people.editor, people.viewer
    api = CheckedApi(client, owner.caller)
    lib = await library_of(client, owner)
    href = f"{LIBRARIES}/{lib}"
    first = await api(
        "POST", f"{href}/collaborators", expect=201, json={"email": viewer.email, "role": "viewer"}
    )
    second = await api(
        "POST",
        f"{href}/collaborators",
        expect=201,
        json={"email": editor.email, "role": "editor", "can_share": True, "can_comment": False},
    )
    await api("GET", INVITATIONS, expect=200, headers=viewer.headers)
    await api(
        "POST", f"{INVITATIONS}/{first.json()['id']}/accept", expect=200, headers=viewer.headers
    )
    await api(
        "POST", f"{INVITATIONS}/{second.json()['id']}/decline", expect=204, headers=editor.headers
    )
    await api(
        "POST", f"{INVITATIONS}/{second.json()['id']}/accept", expect=404, headers=editor.headers
    )
    await api("GET", f"{href}/collaborators", expect=200)
    await api("GET", f"{href}/collaborators", expect=200, headers=viewer.headers)
    await api("GET", href, expect=200, params={"selector": "collaboration"})
    await api(
        "GET", LIBRARIES, expect=200, params={"owner": "outgoing", "selector": "collaboration"}
    )
    await api("PATCH", f"{href}/collaborators/{viewer.id}", expect=200, json={"can_share": True})
    await api("PATCH", f"{href}/collaborators/{viewer.id}", expect=400, json={"role": 1})
    await api(
        "PATCH",
        f"{href}/collaborators/{viewer.id}",
        expect=403,
        json={"role": "editor"},
        headers=viewer.headers,
    )
    await api("PUT", f"{href}/public", expect=200)
    await api("PUT", f"{href}/public", expect=403, headers=viewer.headers)
    await api("DELETE", f"{href}/public", expect=204)
    await api("DELETE", f"{href}/public", expect=404, headers=people.stranger.headers)
    await api(
        "POST", f"{href}/collaborators", expect=409, json={"email": viewer.email, "role": "viewer"}
    )
    await api("POST", f"{href}/collaborators", expect=415, data={"email": "x"})
    await api("DELETE", f"{href}/collaborators/me", expect=409)
    await api("DELETE", f"{href}/collaborators/me", expect=204, headers=viewer.headers)
    await api("DELETE", f"{href}/collaborators/{viewer.id}", expect=404)
    await api("GET", INVITATIONS, expect=401, auth=False)
    assert api.succeeded >= SHARING_OPERATIONS
