"""The demo project: created in the Designer on first start and deployed to the engine.

Everything goes through the Designer's HTTP API, as a user would: sign in,
create the project, build and sign a bundle, deploy it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from bms_schemas import Graph
from bms_schemas.designer import (
    BundleBuildRequest,
    BundleDetail,
    DeploymentEntry,
    DeploymentRequest,
    LoginRequest,
    Project,
    ProjectContent,
    ProjectCreate,
    ProjectList,
    SessionInfo,
    ValidationReport,
)
from bms_stack.demo_project import demo_constraints

log = logging.getLogger("bms_stack")

DEMO_NAME = "Demo building"


def admin_password(data_dir: Path, given: str | None) -> str:
    """The admin's password: as given, or as the Designer wrote it on first start."""
    if given:
        return given
    return (data_dir / "designer" / "admin-password").read_text().strip()


M = TypeVar("M", bound=BaseModel)


class DesignerClient:
    """A signed-in session with the Designer; requests and answers are its API's models."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        login = LoginRequest(username=username, password=password)
        session = self.call(SessionInfo, "POST", "/api/auth/login", login)
        self.http.headers["X-CSRF-Token"] = session.csrf_token

    def call(self, answer: type[M], method: str, path: str, body: BaseModel | None = None) -> M:
        json = body.model_dump(mode="json", by_alias=True) if body else None
        response = self.http.request(method, path, json=json)
        if response.status_code >= 400:
            raise RuntimeError(
                f"Designer {method} {path}: {response.status_code} {response.text[:500]}"
            )
        return answer.model_validate_json(response.content)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """An untyped call, for benches that poke at the API: the answer's JSON."""
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(
                f"Designer {method} {path}: {response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content else None

    def close(self) -> None:
        self.http.close()


def demo_content(graph: Graph) -> ProjectContent:
    """The demo project's content: its graph, limits on every commanded point, clamped."""
    return ProjectContent.model_validate(
        {
            "graph": graph,
            "constraints": demo_constraints(graph),
            "defaults": {"limitAction": "clamp"},
        }
    )


def provision_demo(designer: DesignerClient, graph: Callable[[], Graph]) -> str | None:
    """Create and deploy the demo project unless it exists; the version deployed, if any."""
    projects = designer.call(ProjectList, "GET", "/api/projects").projects
    if any(p.name == DEMO_NAME for p in projects):
        return None
    create = ProjectCreate(name=DEMO_NAME, content=demo_content(graph()))
    project = designer.call(Project, "POST", "/api/projects", create)
    base = f"/api/projects/{project.id}"
    report = designer.call(ValidationReport, "POST", f"{base}/validate")
    if not report.valid:
        raise RuntimeError(f"the demo project does not validate: {report.issues[:3]}")
    bundle = designer.call(
        BundleDetail, "POST", f"{base}/bundles", BundleBuildRequest(version="1.0.0")
    )
    deploy = DeploymentRequest(version=bundle.version)
    entry = designer.call(DeploymentEntry, "POST", f"{base}/deployments", deploy)
    if entry.outcome != "active":
        raise RuntimeError(f"the engine did not accept the demo bundle: {entry.engine_answer}")
    log.info("demo project deployed: %s %s", bundle.version, bundle.hash)
    return bundle.version
