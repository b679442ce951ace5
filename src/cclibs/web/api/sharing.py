"""cclibs' sharing extension over HTTP: collaborators, invitations and publication.

Adobe's public API cannot share (compat reference §1.5); these routes add it in the API's own
style. ``DELETE .../collaborators/me`` is how a collaborator leaves a library. Every route
acts for the user of a token with the ``cc_libraries`` scope, as every other route does.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cclibs.libraries.sharing_wire import (
    collaborator_view,
    invitation_view,
    invitations_view,
    publication_view,
    sharing_view,
)
from cclibs.libraries.wire import library_view
from cclibs.web.api.auth import api_caller
from cclibs.web.api.http import json_body, json_response, operation
from cclibs.web.api.libraries import links_for
from cclibs.web.state import app_state

__all__: list[str] = []

_SHARING = "Sharing"
_COLLABORATORS = "/libraries/{libraryId}/collaborators"
_INVITATIONS = "/invitations"


@operation(
    "GET",
    _COLLABORATORS,
    "getLibraryCollaborators",
    "List who shares a library: its owner, collaborators and (for those who may share) "
    "pending invitations",
    tag=_SHARING,
    responses={200: "LibrarySharing"},
)
async def list_collaborators(request: Request) -> Response:
    caller = await api_caller(request)
    sharing = await app_state(request).libraries.sharing.sharing(
        caller, request.path_params["libraryId"]
    )
    return json_response(sharing_view(sharing))


@operation(
    "POST",
    _COLLABORATORS,
    "inviteLibraryCollaborator",
    "Invite someone by email as viewer or editor (the owner; or a collaborator with "
    "can_share, up to their own role)",
    tag=_SHARING,
    body="InvitationPayload",
    responses={201: "SharingInvitation"},
)
async def invite(request: Request) -> Response:
    caller = await api_caller(request)
    invitation = await app_state(request).libraries.sharing.invite(
        caller, request.path_params["libraryId"], await json_body(request)
    )
    return json_response(invitation_view(invitation), 201)


@operation(
    "PATCH",
    _COLLABORATORS + "/{collaborator}",
    "updateLibraryCollaborator",
    "Change a collaborator's role or rights (the owner)",
    tag=_SHARING,
    body="CollaboratorPayload",
    responses={200: "LibraryCollaborator"},
)
async def change(request: Request) -> Response:
    caller = await api_caller(request)
    state = app_state(request)
    library_id = request.path_params["libraryId"]
    changed = await state.libraries.sharing.change(
        caller, library_id, request.path_params["collaborator"], await json_body(request)
    )
    library = await state.libraries.library(caller, library_id)
    return json_response(collaborator_view(changed, library))


@operation(
    "DELETE",
    _COLLABORATORS + "/{collaborator}",
    "removeLibraryCollaborator",
    "Remove a collaborator or withdraw an invitation (the owner), or leave the library (me)",
    tag=_SHARING,
    responses={204: None},
)
async def remove(request: Request) -> Response:
    caller = await api_caller(request)
    await app_state(request).libraries.sharing.remove(
        caller, request.path_params["libraryId"], request.path_params["collaborator"]
    )
    return Response(status_code=204)


@operation(
    "GET",
    _INVITATIONS,
    "getInvitations",
    "Your pending invitations (to your account's email), newest first",
    tag=_SHARING,
    responses={200: "SharingInvitations"},
)
async def my_invitations(request: Request) -> Response:
    caller = await api_caller(request)
    found = await app_state(request).libraries.sharing.my_invitations(caller)
    return json_response(invitations_view(found))


@operation(
    "POST",
    _INVITATIONS + "/{invitationId}/accept",
    "acceptInvitation",
    "Accept an invitation: the library, as you now see it",
    tag=_SHARING,
    responses={200: "DbLibraryInfo"},
)
async def accept(request: Request) -> Response:
    caller = await api_caller(request)
    state = app_state(request)
    library = await state.libraries.sharing.accept(caller, request.path_params["invitationId"])
    return json_response(library_view(library, links_for(state)), etag=library.etag)


@operation(
    "POST",
    _INVITATIONS + "/{invitationId}/decline",
    "declineInvitation",
    "Decline an invitation",
    tag=_SHARING,
    responses={204: None},
)
async def decline(request: Request) -> Response:
    caller = await api_caller(request)
    await app_state(request).libraries.sharing.decline(caller, request.path_params["invitationId"])
    return Response(status_code=204)


@operation(
    "PUT",
    "/libraries/{libraryId}/public",
    "publishLibrary",
    "Publish a library: anyone with an API key reads it at /api/v1/public/libraries/{id} "
    "(the owner)",
    tag=_SHARING,
    responses={200: "LibraryPublication"},
)
async def publish(request: Request) -> Response:
    caller = await api_caller(request)
    library = await app_state(request).libraries.sharing.publish(
        caller, request.path_params["libraryId"], public=True
    )
    return json_response(publication_view(library))


@operation(
    "DELETE",
    "/libraries/{libraryId}/public",
    "unpublishLibrary",
    "Unpublish a library (the owner)",
    tag=_SHARING,
    responses={204: None},
)
async def unpublish(request: Request) -> Response:
    caller = await api_caller(request)
    await app_state(request).libraries.sharing.publish(
        caller, request.path_params["libraryId"], public=False
    )
    return Response(status_code=204)
