"""The demo project: created in the Designer on first start and deployed to the engine.

Everything goes through the Designer's HTTP API, as a user would: sign in,
create the project, build and sign a bundle, deploy it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bms_schemas import Graph
from supervisor_engine.demo import demo_constraints

log = logging.getLogger("bms_stack")

DEMO_NAME = "Demo building"


def admin_password(data_dir: Path, given: str | None) -> str:
    """The admin's password: as given, or as the Designer wrote it on first start."""
    if given:
        return given
    return (data_dir / "designer" / "admin-password").read_text().strip()


class DesignerClient:
    """A signed-in session with the Designer."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        response = self.http.post(
            "/api/auth/login", json={"username": username, "password": password}
        )
        response.raise_for_status()
        self.http.headers["X-CSRF-Token"] = response.json()["csrfToken"]

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(
                f"Designer {method} {path}: {response.status_code} {response.text[:500]}"
            )
        return response.json() if response.content else None

    def close(self) -> None:
        self.http.close()


def demo_content(graph: Graph) -> dict[str, Any]:
    """The demo project's content: its graph, limits on every commanded point, clamped."""
    return {
        "graph": graph.model_dump(mode="json", by_alias=True),
        "constraints": [c.model_dump(mode="json", by_alias=True) for c in demo_constraints(graph)],
        "defaults": {"limitAction": "clamp"},
    }


def provision_demo(designer: DesignerClient, graph: Callable[[], Graph]) -> str | None:
    """Create and deploy the demo project unless it exists; the version deployed, if any."""
    projects = designer.call("GET", "/api/projects")["projects"]
    if any(p["name"] == DEMO_NAME for p in projects):
        return None
    content = demo_content(graph())
    project = designer.call("POST", "/api/projects", json={"name": DEMO_NAME, "content": content})
    report = designer.call("POST", f"/api/projects/{project['id']}/validate")
    if not report["valid"]:
        raise RuntimeError(f"the demo project does not validate: {report['issues'][:3]}")
    bundle = designer.call(
        "POST", f"/api/projects/{project['id']}/bundles", json={"version": "1.0.0"}
    )
    entry = designer.call(
        "POST", f"/api/projects/{project['id']}/deployments", json={"version": bundle["version"]}
    )
    if entry["outcome"] != "active":
        raise RuntimeError(f"the engine did not accept the demo bundle: {entry['engineAnswer']}")
    log.info("demo project deployed: %s %s", bundle["version"], bundle["hash"])
    return str(bundle["version"])
