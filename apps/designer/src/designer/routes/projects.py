"""Projects: create, list, read, save, rename, copy, delete, restore; export and import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from bms_schemas.designer import (
    CompositeCreate,
    Project,
    ProjectCopy,
    ProjectCreate,
    ProjectList,
    ProjectRename,
    ProjectSave,
)
from designer.exchange import export_zip, import_zip
from designer.routes.deps import ERRORS, Svc, User
from supervisor_engine import extract_composite

router = APIRouter(prefix="/api/projects", tags=["projects"], responses=ERRORS)

ZIP_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get("", response_model=ProjectList)
def list_projects(
    services: Svc,
    _user: User,
    deleted: Annotated[bool, Query(description="List the deleted projects instead.")] = False,
) -> ProjectList:
    """Projects by name; the deleted ones (restorable) with ``deleted=true``."""
    return ProjectList(projects=tuple(services.projects.list(deleted=deleted)))


@router.post("", response_model=Project, status_code=201)
def create_project(services: Svc, _user: User, body: ProjectCreate) -> Project:
    """A new project at revision 1."""
    return services.projects.create(body.name, body.content)


@router.post("/import", response_model=Project, status_code=201, openapi_extra=ZIP_BODY)
async def import_project(
    services: Svc,
    _user: User,
    request: Request,
    name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> Project:
    """A new project from an export zip (body: application/zip); refuses unknown versions."""
    imported_name, content = import_zip(await request.body())
    return services.projects.create(name or imported_name, content)


@router.get("/{project_id}", response_model=Project)
def get_project(services: Svc, _user: User, project_id: str) -> Project:
    """A project with its content and current revision."""
    return services.projects.get(project_id)


@router.put("/{project_id}", response_model=Project)
def save_project(services: Svc, _user: User, project_id: str, body: ProjectSave) -> Project:
    """Replace the content; 409 with the current revision when ``revision`` is stale."""
    return services.projects.save(project_id, body.revision, body.content)


@router.post("/{project_id}/composites", response_model=Project, status_code=201)
def create_composite(services: Svc, _user: User, project_id: str, body: CompositeCreate) -> Project:
    """Replace the selected blocks by an instance of a new composite made of them.

    The engine library builds it (typed inputs and outputs from the wires that cross the
    selection); 409 when ``revision`` is stale, 422 naming ``nodes`` when the selection
    cannot become a composite.
    """
    project = services.projects.get(project_id)
    graph, _definition = extract_composite(
        project.content.graph, body.nodes, body.name, services.registry, title=body.title
    )
    content = project.content.model_copy(update={"graph": graph})
    return services.projects.save(project_id, body.revision, content)


@router.post("/{project_id}/rename", response_model=Project)
def rename_project(services: Svc, _user: User, project_id: str, body: ProjectRename) -> Project:
    """A new name; 409 when ``revision`` is stale."""
    return services.projects.rename(project_id, body.revision, body.name)


@router.post("/{project_id}/copy", response_model=Project, status_code=201)
def copy_project(services: Svc, _user: User, project_id: str, body: ProjectCopy) -> Project:
    """A new project with the same content."""
    return services.projects.copy(project_id, body.name)


@router.delete("/{project_id}", response_model=Project)
def delete_project(services: Svc, _user: User, project_id: str) -> Project:
    """Soft delete: the project leaves the list and can be restored."""
    return services.projects.delete(project_id)


@router.post("/{project_id}/restore", response_model=Project)
def restore_project(services: Svc, _user: User, project_id: str) -> Project:
    """Bring a deleted project back."""
    return services.projects.restore(project_id)


@router.get(
    "/{project_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_project(services: Svc, _user: User, project_id: str) -> Response:
    """The project as a zip of small JSON files (logic per flow, layout apart)."""
    project = services.projects.get(project_id)
    return Response(
        export_zip(project.name, project.content),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="project-{project.id}.zip"'},
    )
