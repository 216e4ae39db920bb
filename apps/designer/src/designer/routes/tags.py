"""Point tags of a project: the tag file (explicit tags, naming rules) and per-point edits.

Tags live in the project (``content.tags``), so each project may tag the same
devices its own way; the Devices page shows a device's points with the tags
templates will see, and where they come from.
"""

from __future__ import annotations

from fastapi import APIRouter

from bms_schemas import DeviceTags, PointTagsSave, TagFile, TagFileSave
from bms_schemas.designer import Project
from designer.errors import NotFoundError
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.templates import device_details
from supervisor_engine import equipment_from_device, point_tags

router = APIRouter(prefix="/api/projects/{project_id}/tags", tags=["tags"], responses=ERRORS)


@router.get("", response_model=TagFile)
def get_tags(services: Svc, _user: User, project_id: str) -> TagFile:
    """The project's tag file."""
    return services.projects.get(project_id).content.tags


@router.put("", response_model=Project)
def save_tags(services: Svc, _user: User, project_id: str, body: TagFileSave) -> Project:
    """Replace the project's tag file (409 when ``revision`` is stale)."""
    project = services.projects.get(project_id)
    content = project.content.model_copy(update={"tags": body.tags})
    return services.projects.save(project_id, body.revision, content)


@router.put("/points", response_model=Project)
def save_point_tags(services: Svc, _user: User, project_id: str, body: PointTagsSave) -> Project:
    """Set the tags the project gives one point by hand; naming rules still add theirs."""
    project = services.projects.get(project_id)
    points = dict(project.content.tags.points)
    if body.tags:
        points[body.point] = body.tags
    else:
        points.pop(body.point, None)
    tags = project.content.tags.model_copy(update={"points": points})
    content = project.content.model_copy(update={"tags": tags})
    return services.projects.save(project_id, body.revision, content)


@router.get("/devices/{instance}", response_model=DeviceTags)
async def device_tags(services: Svc, _user: User, project_id: str, instance: int) -> DeviceTags:
    """A device's points with the tags the project gives them, explicit and by rule."""
    tags = services.projects.get(project_id).content.tags
    details = await device_details(services, (instance,))
    if not details:
        raise NotFoundError(
            f"the IoT service knows no device {instance}", details={"field": "instance"}
        )
    item = equipment_from_device(details[0])
    return DeviceTags(
        instance=details[0].device.instance,
        name=item.name,
        points=tuple(point_tags(item.points, tags)),
    )
