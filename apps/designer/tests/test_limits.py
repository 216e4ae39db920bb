"""Limits authored in a project: validated in plain words, carried into the bundle, in the diff."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from bms_schemas.designer import ProjectContent
from designer.building import project_bundle
from designer.diff import bundle_diff
from supervisor_engine import default_registry

from .conftest import DAMPER, content


def _limits(**fields: Any) -> dict[str, Any]:
    return {"point": DAMPER, **fields}


def test_limits_and_calendars_go_into_the_bundle(client: TestClient) -> None:
    body = content() | {
        "constraints": [_limits(min=0, max=80, degraded="fallback", fallback=20)],
        "calendars": {"holidays": {"entries": [{"kind": "date", "date": "2026-12-25"}]}},
        "defaults": {"limitAction": "clamp"},
    }
    project = client.post("/api/projects", json={"name": "limits", "content": body}).json()
    built = client.post(f"/api/projects/{project['id']}/bundles", json={"version": "1.0.0"})
    assert built.status_code == 201, built.text
    document = built.json()["document"]
    [constraint] = document["constraints"]
    assert (constraint["point"], constraint["max"], constraint["fallback"]) == (
        f"{DAMPER}/present-value", 80.0, 20,
    )  # fmt: skip
    assert document["defaults"]["limitAction"] == "clamp"
    assert "holidays" in document["schedules"]["calendars"]
    assert document["project"] == {"id": project["id"], "name": "limits"}


def test_bad_limits_are_refused_in_plain_words_on_the_field(client: TestClient) -> None:
    for limits, words in (
        (_limits(min=90, max=80), "min 90.0 is above max 80.0"),
        (_limits(degraded="fallback"), "the 'fallback' policy needs a fallback value"),
    ):
        body = content() | {"constraints": [limits]}
        response = client.post("/api/projects", json={"name": "bad", "content": body})
        assert response.status_code == 422
        error = response.json()
        assert error["details"]["field"] == "body.content.constraints.0"
        assert error["message"] == f"body.content.constraints.0: {words}"
        assert "Value error" not in error["message"]


def test_the_deploy_diff_shows_limits_old_to_new() -> None:
    registry = default_registry()
    before = ProjectContent.model_validate(content() | {"constraints": [_limits(max=90)]})
    after = ProjectContent.model_validate(
        content() | {"constraints": [_limits(max=80, degraded="relinquish")]}
    )
    old, _ = project_bundle(before, registry, version="1.0.0", created_by="t")
    new, _ = project_bundle(after, registry, version="1.1.0", created_by="t")
    [change] = bundle_diff(old, new, registry)["constraint_changes"]
    assert change.point == f"{DAMPER}/present-value"
    assert {k: (v.before, v.after) for k, v in change.changes.items()} == {
        "max": (90.0, 80.0),
        "degraded": ("hold", "relinquish"),
    }
