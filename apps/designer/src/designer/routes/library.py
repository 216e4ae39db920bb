"""Composite library files: export a project's composites, import them into another project."""

from __future__ import annotations

from fastapi import APIRouter

from bms_schemas import CompositeLibrary
from bms_schemas.designer import CompositeImport, CompositeImported
from designer.library import export_library, import_library
from designer.routes.deps import ERRORS, Svc, User

router = APIRouter(
    prefix="/api/projects/{project_id}/composites/library", tags=["composites"], responses=ERRORS
)


@router.get("", response_model=CompositeLibrary)
def export_composites(services: Svc, _user: User, project_id: str) -> CompositeLibrary:
    """The project's composites, every version, as a library file."""
    return export_library(services.projects.get(project_id).content.graph)


@router.post("", response_model=CompositeImported)
def import_composites(
    services: Svc, _user: User, project_id: str, body: CompositeImport
) -> CompositeImported:
    """Add a library's composites; 409 naming each NAME@VERSION held with other content."""
    project = services.projects.get(project_id)
    result = import_library(project.content.graph, body.library)
    content = project.content.model_copy(update={"graph": result.graph})
    saved = services.projects.save(project_id, body.revision, content)
    return CompositeImported(project=saved, imported=result.imported, unchanged=result.unchanged)
