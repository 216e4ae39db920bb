"""Limits authored in a project: validated in plain words, carried into the bundle, in the diff."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from bms_schemas.designer import ProjectContent
from bms_schemas.iot import PointInfo
from bms_schemas.point_limits import LimitsDraft
from designer.building import project_bundle
from designer.diff import bundle_diff
from designer.point_limits import InvalidLimitsError, check_limits
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


def _save(client: TestClient, project: dict[str, Any], point: str, limits: Any) -> Any:
    revision = client.get(f"/api/projects/{project['id']}").json()["revision"]
    return client.put(
        f"/api/projects/{project['id']}/limits",
        json={"revision": revision, "point": point, "limits": limits},
    )


def test_the_point_table_lists_commanded_points_and_saves_their_limits(
    client: TestClient, project: dict[str, Any]
) -> None:
    table = client.get(f"/api/projects/{project['id']}/limits").json()
    [row] = table["points"]
    assert (row["point"], row["nodes"], row["priority"], row["limits"]) == (
        f"{DAMPER}/present-value", ["damper"], 10, None,
    )  # fmt: skip
    assert table["limitAction"] == "refuse"
    assert any("IoT service did not answer" in p for p in table["problems"])  # IoT away here
    limits = {"min": 5, "max": 80, "maxRatePerS": 2, "degraded": "fallback", "fallback": 20}
    saved = _save(client, project, DAMPER, limits)
    assert saved.status_code == 200, saved.text
    [row] = saved.json()["points"]
    assert (row["limits"]["max"], row["limits"]["fallback"]) == (80.0, 20)
    stored = client.get(f"/api/projects/{project['id']}").json()
    assert stored["content"]["constraints"][0]["maxRatePerS"] == 2.0
    action = client.put(
        f"/api/projects/{project['id']}/limit-action",
        json={"revision": stored["revision"], "limitAction": "clamp"},
    )
    assert action.json()["limitAction"] == "clamp"
    removed = _save(client, project, DAMPER, None)
    assert removed.json()["points"][0]["limits"] is None
    stale = client.put(
        f"/api/projects/{project['id']}/limits",
        json={"revision": 0, "point": DAMPER, "limits": limits},
    )
    assert stale.status_code == 409


def test_bad_limits_are_answered_on_each_field_in_plain_words(
    client: TestClient, project: dict[str, Any]
) -> None:
    for limits, fields in (
        ({"min": 90, "max": 80}, {"min": "minimum must be below maximum"}),
        ({"degraded": "fallback"}, {"fallback": "the fallback policy needs a fallback value"}),
        (
            {"min": 0, "max": 50, "degraded": "fallback", "fallback": 70},
            {"fallback": "must be at most the maximum 50"},
        ),
        ({"maxRatePerS": 0, "maxPriority": 17}, {"maxRatePerS": "must be greater than 0",
                                                 "maxPriority": "must be at most 16"}),
    ):  # fmt: skip
        response = _save(client, project, DAMPER, limits)
        assert response.status_code == 422, limits
        error = response.json()
        assert error["code"] == "invalid_limits"
        assert error["details"]["fields"] == fields
        assert error["details"]["field"] == f"limits.{next(iter(fields))}"
        assert "Value error" not in error["message"]
    bad_point = _save(client, project, "not a point", {"max": 1})
    assert bad_point.status_code == 422
    assert bad_point.json()["details"]["field"] == "point"
    assert client.get(f"/api/projects/{project['id']}").json()["content"]["constraints"] == []


def test_a_limit_outside_the_devices_own_range_names_it_with_its_unit() -> None:
    info = PointInfo.model_validate(
        {"point": DAMPER, "name": "damper", "objectType": "analog-output", "unitSymbol": "%",
         "commandable": True, "writable": True, "cov": True, "minValue": 0, "maxValue": 100}
    )  # fmt: skip
    with pytest.raises(InvalidLimitsError) as caught:
        check_limits(f"{DAMPER}/present-value", LimitsDraft(min=-5, max=150), info)
    assert caught.value.details["fields"] == {
        "min": "must be at least 0 %",
        "max": "must be at most 100 %",
    }
