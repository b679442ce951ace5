"""Console pages for projects: the list, one project, its APIs, renaming and deleting."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cclibs.console import libraries as library_pages
from cclibs.console._pages import (
    console_path,
    owned_project,
    owner,
    redirect_with_flash,
    render,
)
from cclibs.oauth.apis import APIS
from cclibs.oauth.registration import NotFound, RegistrationError
from cclibs.web.errors import PageNotFound
from cclibs.web.forms import read_form
from cclibs.web.routing import Routes
from cclibs.web.state import app_state

__all__ = ["router"]

router = Routes()
router.routes.extend(library_pages.router.routes)  # the user's libraries and invitations


@router.get("/console")
async def index(request: Request) -> Response:
    user = await owner(request)
    projects = await app_state(request).oauth.projects.list_for(user.id)
    return render(request, "console/index.html", {"projects": projects, "apis": APIS})


@router.post("/console/projects")
async def create_project(request: Request) -> Response:
    user = await owner(request)
    form = await read_form(request, ("name",))
    state = app_state(request)
    try:
        project = await state.oauth.projects.create(user.id, form["name"])
    except RegistrationError as error:
        projects = await state.oauth.projects.list_for(user.id)
        return render(
            request,
            "console/index.html",
            {"projects": projects, "apis": APIS, "errors": {"name": error.message}, "form": form},
            status=400,
        )
    return redirect_with_flash(
        request, console_path(project.id), notice=f"Project {project.name} is created."
    )


async def _project_page(
    request: Request, *, status: int = 200, errors: dict[str, str] | None = None, **extra: object
) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    return render(
        request,
        "console/project.html",
        {
            "project": overview.project,
            "credentials": overview.credentials,
            "apis": APIS,
            "errors": errors or {},
            **extra,
        },
        status=status,
    )


@router.get("/console/projects/{project_id}")
async def project_page(request: Request) -> Response:
    return await _project_page(request)


@router.post("/console/projects/{project_id}/rename")
async def rename_project(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    form = await read_form(request, ("name",))
    try:
        project = await app_state(request).oauth.projects.rename(
            user.id, overview.project.id, form["name"]
        )
    except RegistrationError as error:
        return await _project_page(request, status=400, errors={"name": error.message}, form=form)
    path = console_path(project.id)
    return redirect_with_flash(request, path, notice="The project is renamed.")


@router.post("/console/projects/{project_id}/apis")
async def add_api(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    form = await read_form(request, ("api",))
    try:
        await app_state(request).oauth.projects.add_api(user.id, overview.project.id, form["api"])
    except RegistrationError as error:
        return await _project_page(request, status=400, errors={"api": error.message})
    title = APIS[form["api"]].title
    return redirect_with_flash(
        request,
        console_path(overview.project.id),
        notice=f"{title} is added. Its scopes are now allowed to this project's credentials.",
    )


@router.post("/console/projects/{project_id}/apis/{api}/remove")
async def remove_api(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    await read_form(request, ())
    api = request.path_params["api"]
    try:
        await app_state(request).oauth.projects.remove_api(user.id, overview.project.id, api)
    except NotFound:
        raise PageNotFound() from None
    return redirect_with_flash(
        request,
        console_path(overview.project.id),
        notice=f"{APIS[api].title} is removed, with its scopes.",
    )


@router.get("/console/projects/{project_id}/delete")
async def confirm_delete(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    return render(
        request,
        "console/project_delete.html",
        {"project": overview.project, "credentials": overview.credentials},
    )


@router.post("/console/projects/{project_id}/delete")
async def delete_project(request: Request) -> Response:
    user = await owner(request)
    overview = await owned_project(request, user)
    await read_form(request, ())
    await app_state(request).oauth.projects.delete(user.id, overview.project.id)
    return redirect_with_flash(
        request, "/console", notice=f"Project {overview.project.name} is deleted."
    )
