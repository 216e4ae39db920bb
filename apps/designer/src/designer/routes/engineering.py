"""Engineering a project: the block catalogue, validation and simulation."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from bms_schemas import Catalogue
from bms_schemas.designer import SimulationRequest, SimulationResult, ValidationReport
from designer.building import validate_project
from designer.routes.deps import ERRORS, Svc, User
from designer.simulation import run

router = APIRouter(tags=["engineering"], responses=ERRORS)


@router.get("/api/blocks", response_model=Catalogue)
def list_blocks(services: Svc, _user: User) -> Catalogue:
    """The block catalogue: ports, types, parameter JSON Schemas, docs."""
    return services.registry.catalogue()


@router.post("/api/projects/{project_id}/validate", response_model=ValidationReport)
def validate(services: Svc, _user: User, project_id: str) -> ValidationReport:
    """The engine library's validation of the project's current content."""
    project = services.projects.get(project_id)
    issues = validate_project(project.content, services.registry)
    return ValidationReport(valid=not issues, issues=tuple(issues))


@router.post("/api/projects/{project_id}/simulate", response_model=SimulationResult)
async def simulate(
    services: Svc, _user: User, project_id: str, body: SimulationRequest
) -> SimulationResult:
    """Run the project's flows on the virtual clock with the given input signals."""
    project = services.projects.get(project_id)
    return await run_in_threadpool(run, project.content, body, services.registry)
