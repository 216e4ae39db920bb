"""Shared calendars authored once per project: checked by the Problems panel's validation, not
only when a bundle is built, and carried into the bundle for the schedules that name them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

OFFICE = {"monday": [{"time": "07:00", "value": True}, {"time": "18:00", "value": False}]}


def _project(client: TestClient, calendars: dict[str, Any]) -> str:
    graph = {
        "flows": [{"id": "f", "name": "Main", "schedule": {"periodMs": 1000, "phaseMs": 0}}],
        "nodes": [
            {
                "id": "occ", "type": "schedule.weekly", "flow": "f",
                "params": {
                    "timezone": "Europe/Berlin", "default": False, "week": OFFICE,
                    "specialEvents": [{"when": {"kind": "calendar", "calendar": "holidays"}}],
                },
            },
        ],
        "edges": [],
    }  # fmt: skip
    body = {"name": "calendars", "content": {"graph": graph, "calendars": calendars}}
    created = client.post("/api/projects", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_schedule_naming_a_calendar_the_project_lacks_is_a_problem_before_build(
    client: TestClient,
) -> None:
    project = _project(client, {"closures": {"entries": []}})
    report = client.post(f"/api/projects/{project}/validate").json()
    [issue] = [i for i in report["issues"] if i["node"] == "occ"]
    assert "'holidays'" in issue["message"]
    assert "'closures'" in issue["message"]  # what the project does define


def test_a_schedule_naming_a_project_calendar_validates_and_builds(client: TestClient) -> None:
    christmas = {"entries": [{"kind": "date", "date": "2026-12-25"}]}
    project = _project(client, {"holidays": christmas})
    report = client.post(f"/api/projects/{project}/validate").json()
    assert [i for i in report["issues"] if i["node"] == "occ"] == []
    built = client.post(f"/api/projects/{project}/bundles", json={"version": "1.0.0"})
    assert built.status_code == 201, built.text
    assert built.json()["document"]["schedules"]["calendars"] == {"holidays": christmas}
