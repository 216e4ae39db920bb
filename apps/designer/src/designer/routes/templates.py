"""Equipment templates: preview and apply a template to the devices of the project's IoT service.

The engine library does the binding (``supervisor_engine.apply_template``); the
Designer only gathers the devices, as the IoT service describes them, and saves.
"""

from __future__ import annotations

from fastapi import APIRouter

from bms_schemas import Equipment, Graph
from bms_schemas.designer import TemplateApplied
from bms_schemas.iot import DeviceDetail
from bms_schemas.templates import TemplateApply, TemplatePreview, TemplateRequest
from designer.routes.deps import ERRORS, Svc, User
from designer.services import Services
from supervisor_engine import apply_template, equipment_from_device, tag_points

router = APIRouter(
    prefix="/api/projects/{project_id}/templates", tags=["templates"], responses=ERRORS
)


async def _equipment(services: Services, body: TemplateRequest) -> list[Equipment]:
    """Every device the IoT service knows (or those asked for), as equipment with tagged points."""
    known = await services.iot.json("GET", "/devices")
    wanted = set(body.devices)
    instances = [d["instance"] for d in known if not wanted or d["instance"] in wanted]
    equipment: list[Equipment] = []
    for instance in sorted(instances):
        detail = DeviceDetail.model_validate(await services.iot.json("GET", f"/devices/{instance}"))
        item = equipment_from_device(detail)
        equipment.append(
            item.model_copy(update={"points": tuple(tag_points(item.points, body.tags))})
        )
    return equipment


def _check(graph: Graph, body: TemplateRequest) -> None:
    """Refuse a template that does not fit the graph before asking the IoT service anything."""
    apply_template(graph, body.template, [])


@router.post("/preview", response_model=TemplatePreview)
async def preview_template(
    services: Svc, _user: User, project_id: str, body: TemplateRequest
) -> TemplatePreview:
    """Every binding, the unresolved and the ambiguous ones, and the diff; nothing saved."""
    project = services.projects.get(project_id)
    _check(project.content.graph, body)
    equipment = await _equipment(services, body)
    return apply_template(project.content.graph, body.template, equipment)[1]


@router.post("/apply", response_model=TemplateApplied)
async def apply(
    services: Svc, _user: User, project_id: str, body: TemplateApply
) -> TemplateApplied:
    """Apply and save (409 when ``revision`` is stale); the preview says what was done."""
    project = services.projects.get(project_id)
    _check(project.content.graph, body)
    equipment = await _equipment(services, body)
    graph, preview = apply_template(project.content.graph, body.template, equipment)
    saved = services.projects.save(
        project_id, body.revision, project.content.model_copy(update={"graph": graph})
    )
    return TemplateApplied(project=saved, preview=preview)
