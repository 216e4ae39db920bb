"""The project's point table: commanded points and their limits, read and edited."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from pydantic import TypeAdapter, ValidationError

from bms_schemas import PointRef
from bms_schemas.iot import PointInfo
from bms_schemas.point_limits import LimitActionSave, LimitsSave, PointLimitsTable
from designer.errors import UpstreamError
from designer.point_limits import canonical, check_limits, point_table, with_limits
from designer.routes.deps import ERRORS, Svc, User
from designer.services import Services

router = APIRouter(tags=["limits"], responses=ERRORS)

_POINTS = TypeAdapter(list[PointInfo])


async def _point_infos(
    services: Services, points: Iterable[str]
) -> tuple[dict[str, PointInfo], list[str]]:
    """What the IoT service knows of these points (name, unit, device range); best effort."""
    infos: dict[str, PointInfo] = {}
    devices = sorted({PointRef.parse(p).device for p in points})
    for device in devices:
        try:
            answer = await services.iot.json("GET", f"/devices/{device}/points")
            infos |= {str(i.point): i for i in _POINTS.validate_python(answer)}
        except UpstreamError as err:
            if err.status == 404:
                continue  # a device the service has not discovered: nothing known of it
            return infos, [f"the IoT service did not answer ({err.message}); no units or ranges"]
        except ValidationError:
            return infos, ["the IoT service answered something unreadable; no units or ranges"]
    return infos, []


async def _table(services: Services, project_id: str) -> PointLimitsTable:
    project = services.projects.get(project_id)
    rows, problems = point_table(project.content, services.registry, {})
    infos, more = await _point_infos(services, [r.point for r in rows])
    if infos:
        rows, _ = point_table(project.content, services.registry, infos)
    return PointLimitsTable(
        revision=project.revision,
        limit_action=project.content.defaults.limit_action,
        points=tuple(rows),
        problems=tuple(problems + more),
    )


@router.get("/api/projects/{project_id}/limits", response_model=PointLimitsTable)
async def get_limits(services: Svc, _user: User, project_id: str) -> PointLimitsTable:
    """Every point the project commands (and every point it has limits for), with its limits."""
    return await _table(services, project_id)


@router.put("/api/projects/{project_id}/limits", response_model=PointLimitsTable)
async def put_limits(
    services: Svc, _user: User, project_id: str, body: LimitsSave
) -> PointLimitsTable:
    """Set or remove one point's limits; 422 with each field's problem in plain words."""
    project = services.projects.get(project_id)
    point = canonical(body.point)
    constraint = None
    if body.limits is not None:
        infos, _ = await _point_infos(services, [point])
        constraint = check_limits(point, body.limits, infos.get(point))
    services.projects.save(
        project_id, body.revision, with_limits(project.content, point, constraint)
    )
    return await _table(services, project_id)


@router.put("/api/projects/{project_id}/limit-action", response_model=PointLimitsTable)
async def put_limit_action(
    services: Svc, _user: User, project_id: str, body: LimitActionSave
) -> PointLimitsTable:
    """Clamp or refuse a command outside its limits, for every point of the project."""
    project = services.projects.get(project_id)
    defaults = project.content.defaults.model_copy(update={"limit_action": body.limit_action})
    content = project.content.model_copy(update={"defaults": defaults})
    services.projects.save(project_id, body.revision, content)
    return await _table(services, project_id)
