"""A composite version that a deployed bundle runs cannot be changed in place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from designer.models import deployments
from supervisor_engine.testing import GraphBuilder

DAMPER = "2001/analog-output,1"


def zone(version: int, ti_s: float) -> dict[str, Any]:
    return {
        "name": "zone",
        "version": version,
        "title": "Zone",
        "inputs": [
            {
                "name": "temp",
                "type": {"type": "number", "unit": "degC"},
                "targets": [{"node": "pid", "port": "pv"}],
            }
        ],
        "outputs": [
            {
                "name": "damper",
                "type": {"type": "number", "unit": "%"},
                "source": {"node": "pid", "port": "out"},
            },
        ],
        "nodes": [
            {"id": "sp", "type": "io.constant", "params": {"value": 22.0}},
            {
                "id": "pid",
                "type": "control.pid",
                "params": {"kp": 10.0, "tiS": ti_s, "action": "direct"},
            },
        ],
        "edges": [
            {"source": "sp", "sourcePort": "value", "target": "pid", "targetPort": "setpoint"}
        ],
    }


def content(*definitions: dict[str, Any], use: int = 1) -> dict[str, Any]:
    g = GraphBuilder(flow="zone", period_ms=1000)
    t = g.node("io.point-input", "t", point="2001/analog-value,1")
    z = g.node(f"composite:zone@{use}", "zone_1")
    out = g.node("io.point-output", "damper", point=DAMPER, priority=10)
    g.wire(t, "value", z, "temp").wire(z, "damper", out, "value")
    graph = g.build().model_dump(mode="json", by_alias=True)
    graph["composites"] = list(definitions)
    return {"graph": graph}


def test_a_deployed_composite_version_is_pinned(client):
    created = client.post("/api/projects", json={"name": "pins", "content": content(zone(1, 120))})
    pid = created.json()["id"]
    built = client.post(f"/api/projects/{pid}/bundles", json={"version": "1.0.0"})
    assert built.status_code == 201, built.text
    document = built.json()["document"]
    assert document["composites"]["zone"]["version"] == 1
    assert "zone_1__pid" in {n["id"] for n in document["graph"]["nodes"]}

    # The engine accepted 1.0.0 (recorded as the Designer records it; the engine is away here).
    services = client.app.state.services
    with services.database.begin() as db:
        db.execute(
            insert(deployments).values(project_id=pid, action="deploy", version="1.0.0", hash=None,
                                       by="admin", at=datetime.now(UTC), outcome="active")
        )  # fmt: skip

    revision = created.json()["revision"]
    edited = client.put(
        f"/api/projects/{pid}", json={"revision": revision, "content": content(zone(1, 600))}
    )
    assert edited.status_code == 200, edited.text
    refused = client.post(f"/api/projects/{pid}/bundles", json={"version": "1.1.0"})
    assert refused.status_code == 422
    [issue] = refused.json()["details"]["issues"]
    assert issue["code"] == "composite_pin_changed"
    assert "deployed bundle 1.0.0" in issue["message"]

    saved_as_new = content(zone(1, 120), zone(2, 600), use=2)
    revision = edited.json()["revision"]
    saved = client.put(f"/api/projects/{pid}", json={"revision": revision, "content": saved_as_new})
    assert saved.status_code == 200, saved.text
    rebuilt = client.post(f"/api/projects/{pid}/bundles", json={"version": "1.1.0"})
    assert rebuilt.status_code == 201, rebuilt.text
    assert rebuilt.json()["document"]["composites"]["zone"]["version"] == 2


def test_a_selection_becomes_a_composite_through_the_api(client):
    g = GraphBuilder(flow="zone", period_ms=1000)
    t = g.node("io.point-input", "t", point="2001/analog-value,1")
    sp = g.node("io.constant", "sp", value=22.0)
    pid = g.node("control.pid", "pid", kp=10.0, action="direct")
    out = g.node("io.point-output", "damper", point=DAMPER, priority=10)
    g.wire(t, "value", pid, "pv").wire(sp, "value", pid, "setpoint").wire(pid, "out", out, "value")
    created = client.post(
        "/api/projects",
        json={
            "name": "extract",
            "content": {"graph": g.build().model_dump(mode="json", by_alias=True)},
        },
    ).json()
    pid_ = created["id"]
    made = client.post(
        f"/api/projects/{pid_}/composites",
        json={"revision": created["revision"], "nodes": ["sp", "pid"], "name": "zone_loop"},
    )
    assert made.status_code == 201, made.text
    graph = made.json()["content"]["graph"]
    assert [c["name"] for c in graph["composites"]] == ["zone_loop"]
    assert {n["id"] for n in graph["nodes"]} == {"t", "zone_loop_1", "damper"}
    assert client.post(f"/api/projects/{pid_}/validate").json()["valid"] is True

    stale = client.post(
        f"/api/projects/{pid_}/composites",
        json={"revision": created["revision"], "nodes": ["t"], "name": "x"},
    )
    assert stale.status_code == 409
    bad = client.post(
        f"/api/projects/{pid_}/composites",
        json={"revision": made.json()["revision"], "nodes": ["nope"], "name": "x"},
    )
    assert bad.status_code == 422
    assert bad.json()["details"]["field"] == "nodes"
