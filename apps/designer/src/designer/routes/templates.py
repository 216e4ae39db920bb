"""Equipment templates: preview and apply a template to the devices of the project's IoT service.

The engine library does the binding (``supervisor_engine.apply_template``); the
Designer only gathers the devices, as the IoT service describes them, tags
their points with the project's tags (and any the request adds), and saves.
An applied template is kept in the project under its name, so applying it
again after it changed updates every instance it made.
"""

from __future__ import annotations

from fastapi import APIRouter

from bms_schemas import Equipment, EquipmentTemplate, Graph, TagFile
from bms_schemas.designer import ProjectContent, TemplateApplied
from bms_schemas.iot import DeviceDetail
from bms_schemas.templates import TemplateApply, TemplatePreview, TemplateRequest
from designer.routes.deps import ERRORS, Svc, User
from designer.services import Services
from supervisor_engine import apply_template, equipment_from_device, merge_tags, tag_points

router = APIRouter(
    prefix="/api/projects/{project_id}/templates", tags=["templates"], responses=ERRORS
)


async def device_details(services: Services, devices: tuple[int, ...] = ()) -> list[DeviceDetail]:
    """Every device the IoT service knows (or those asked for), with its points, by instance."""
    known = await services.iot.json("GET", "/devices")
    wanted = set(devices)
    instances = [d["instance"] for d in known if not wanted or d["instance"] in wanted]
    return [
        DeviceDetail.model_validate(await services.iot.json("GET", f"/devices/{instance}"))
        for instance in sorted(instances)
    ]


async def _equipment(services: Services, body: TemplateRequest, tags: TagFile) -> list[Equipment]:
    """The devices as equipment whose points carry the project's tags and the request's."""
    merged = merge_tags(tags, body.tags)
    equipment: list[Equipment] = []
    for detail in await device_details(services, body.devices):
        item = equipment_from_device(detail)
        equipment.append(item.model_copy(update={"points": tuple(tag_points(item.points, merged))}))
    return equipment


def _check(graph: Graph, body: TemplateRequest) -> None:
    """Refuse a template that does not fit the graph before asking the IoT service anything."""
    apply_template(graph, body.template, [])


def _kept(content: ProjectContent, template: EquipmentTemplate) -> tuple[EquipmentTemplate, ...]:
    """The project's templates with ``template`` in place of the one of its name (or added)."""
    others = tuple(t for t in content.templates if t.name != template.name)
    return (*others, template)


@router.post("/preview", response_model=TemplatePreview)
async def preview_template(
    services: Svc, _user: User, project_id: str, body: TemplateRequest
) -> TemplatePreview:
    """Every binding, the unresolved and the ambiguous ones, and the diff; nothing saved."""
    project = services.projects.get(project_id)
    _check(project.content.graph, body)
    equipment = await _equipment(services, body, project.content.tags)
    return apply_template(project.content.graph, body.template, equipment)[1]


@router.post("/apply", response_model=TemplateApplied)
async def apply(
    services: Svc, _user: User, project_id: str, body: TemplateApply
) -> TemplateApplied:
    """Apply, keep the template in the project, and save (409 when ``revision`` is stale)."""
    project = services.projects.get(project_id)
    _check(project.content.graph, body)
    equipment = await _equipment(services, body, project.content.tags)
    graph, preview = apply_template(project.content.graph, body.template, equipment)
    content = project.content.model_copy(
        update={"graph": graph, "templates": _kept(project.content, body.template)}
    )
    saved = services.projects.save(project_id, body.revision, content)
    return TemplateApplied(project=saved, preview=preview)
