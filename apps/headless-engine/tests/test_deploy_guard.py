"""Deploy identity and guard rails: another project or a lower version only when asked."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from headless_engine.app import create_app
from headless_engine.settings import Settings
from supervisor_engine import SigningKey, bundle_document, sign_document
from supervisor_engine.testing import make_bundle

from .conftest import TOKEN, zone_graph

AUTH = {"authorization": f"Bearer {TOKEN}"}


def _bundle(key: SigningKey, project: tuple[str, str], version: str) -> dict[str, Any]:
    document = bundle_document(make_bundle(zone_graph().build(), version=version))
    document["project"] = {"id": project[0], "name": project[1]}
    return sign_document(document, key)


def _deploy(engine: TestClient, document: dict[str, Any], **flags: Any) -> Any:
    return engine.post("/engine/deploy", json={"bundle": document, **flags})


OFFICE = ("p-office", "Office building")
SCHOOL = ("p-school", "School")


def test_another_projects_bundle_needs_confirmation(
    engine: TestClient, signing_key: SigningKey
) -> None:
    assert _deploy(engine, _bundle(signing_key, OFFICE, "1.0.0"), note="first").status_code == 200
    status = engine.get("/engine/status").json()
    assert (status["projectName"], status["version"]) == ("Office building", "1.0.0")

    refused = _deploy(engine, _bundle(signing_key, SCHOOL, "0.1.0"))
    assert refused.status_code == 409
    assert refused.json()["code"] == "other_project"
    assert "'Office building' version 1.0.0" in refused.json()["message"]
    assert "'School' version 0.1.0" in refused.json()["message"]
    status = engine.get("/engine/status").json()
    assert (status["projectName"], status["version"]) == ("Office building", "1.0.0")

    confirmed = _deploy(
        engine, _bundle(signing_key, SCHOOL, "0.1.0"), allowOtherProject=True, note="handover"
    )
    assert confirmed.status_code == 200, confirmed.text
    assert engine.get("/engine/status").json()["projectName"] == "School"
    history = engine.get("/engine/deployments").json()["entries"]
    rows = [(e["projectName"], e["version"], e["state"], e["note"]) for e in history
            if e["action"] == "deploy"]  # fmt: skip
    assert rows == [
        ("School", "0.1.0", "active", "handover"),
        ("School", "0.1.0", "refused", None),
        ("Office building", "1.0.0", "superseded", "first"),
    ]


def test_a_lower_version_needs_confirmation_and_a_rollback_is_marked(
    engine: TestClient, signing_key: SigningKey
) -> None:
    for version in ("1.0.0", "1.1.0"):
        assert _deploy(engine, _bundle(signing_key, OFFICE, version)).status_code == 200
    lower = _deploy(engine, _bundle(signing_key, OFFICE, "0.9.0"))
    assert lower.status_code == 409
    assert lower.json()["code"] == "lower_version"
    assert "0.9.0 is lower than the active 1.1.0" in lower.json()["message"]
    assert engine.get("/engine/status").json()["version"] == "1.1.0"
    assert engine.post("/engine/rollback", json={"version": "1.0.0"}).status_code == 200
    states = {
        (e["action"], e["version"]): e["state"]
        for e in engine.get("/engine/deployments").json()["entries"]
        if e["action"] in ("deploy", "rollback")
    }
    assert states == {
        ("deploy", "1.0.0"): "superseded",
        ("deploy", "1.1.0"): "rolled back",
        ("deploy", "0.9.0"): "refused",
        ("rollback", "1.0.0"): "active",
    }
    allowed = _deploy(engine, _bundle(signing_key, OFFICE, "0.9.0"), allowLowerVersion=True)
    assert allowed.status_code == 200


HOSPITAL = ("p-hospital", "Hospital")


def test_two_projects_at_the_same_version_are_stored_apart(
    engine: TestClient, signing_key: SigningKey
) -> None:
    # every new project starts at 0.1.0: the second one is no version conflict
    assert _deploy(engine, _bundle(signing_key, HOSPITAL, "0.1.0")).status_code == 200
    school = _deploy(engine, _bundle(signing_key, SCHOOL, "0.1.0"), allowOtherProject=True)
    assert school.status_code == 200, school.text
    history = engine.get("/engine/deployments").json()["entries"]
    rows = [(e["projectId"], e["projectName"], e["version"], e["state"]) for e in history
            if e["action"] == "deploy"]  # fmt: skip
    assert rows == [
        ("p-school", "School", "0.1.0", "active"),
        ("p-hospital", "Hospital", "0.1.0", "superseded"),
    ]
    # the same project at the same version with other content is still a conflict
    other = bundle_document(make_bundle(zone_graph(setpoint=23.0).build(), version="0.1.0"))
    other["project"] = {"id": SCHOOL[0], "name": SCHOOL[1]}
    conflict = _deploy(engine, sign_document(other, signing_key))
    assert conflict.status_code == 409
    assert "version 0.1.0 of project 'School' was deployed before" in conflict.json()["message"]


def test_a_rollback_to_another_projects_version_needs_confirmation(
    engine: TestClient, signing_key: SigningKey
) -> None:
    assert _deploy(engine, _bundle(signing_key, HOSPITAL, "0.1.0")).status_code == 200
    school = _deploy(engine, _bundle(signing_key, SCHOOL, "0.1.0"), allowOtherProject=True)
    assert school.status_code == 200
    back = {"version": "0.1.0", "projectId": HOSPITAL[0]}
    refused = engine.post("/engine/rollback", json=back)
    assert refused.status_code == 409
    assert refused.json()["code"] == "other_project"
    assert "'School' version 0.1.0" in refused.json()["message"]
    assert "'Hospital' version 0.1.0" in refused.json()["message"]
    assert engine.get("/engine/status").json()["projectName"] == "School"

    accepted = engine.post("/engine/rollback", json={**back, "allowOtherProject": True})
    assert accepted.status_code == 200, accepted.text
    status = engine.get("/engine/status").json()
    assert (status["projectName"], status["version"]) == ("Hospital", "0.1.0")
    rows = [(e["action"], e["projectName"], e["state"])
            for e in engine.get("/engine/deployments").json()["entries"]
            if e["action"] in ("deploy", "rollback")]  # fmt: skip
    assert rows == [
        ("rollback", "Hospital", "active"),
        ("rollback", "Hospital", "refused"),
        ("deploy", "School", "rolled back"),
        ("deploy", "Hospital", "superseded"),
    ]
    # unnamed, the version is the active project's
    assert engine.post("/engine/rollback", json={"version": "0.1.0"}).status_code == 200
    assert engine.get("/engine/status").json()["projectName"] == "Hospital"


def test_a_state_dir_from_before_project_keys_still_boots(
    settings: Settings, signing_key: SigningKey
) -> None:
    with TestClient(create_app(settings), headers=AUTH) as engine:
        assert _deploy(engine, _bundle(signing_key, HOSPITAL, "0.1.0")).status_code == 200
    # rewrite it the way the engine stored it before: bundles/<version>.json, no project key
    root = settings.state_dir
    (root / "bundles" / HOSPITAL[0] / "0.1.0.json").rename(root / "bundles" / "0.1.0.json")
    (root / "bundles" / HOSPITAL[0]).rmdir()
    pointer = json.loads((root / "active.json").read_text())
    del pointer["project"]
    (root / "active.json").write_text(json.dumps(pointer))

    with TestClient(create_app(settings), headers=AUTH) as engine:
        status = engine.get("/engine/status").json()
        assert (status["projectName"], status["version"], status["state"]) == (
            "Hospital", "0.1.0", "running",
        )  # fmt: skip
        # the old bundle still counts: same content redeploys, other content conflicts
        assert _deploy(engine, _bundle(signing_key, HOSPITAL, "0.1.0")).status_code == 200
        assert engine.post("/engine/rollback", json={"version": "0.1.0"}).status_code == 200
        school = _deploy(engine, _bundle(signing_key, SCHOOL, "0.1.0"), allowOtherProject=True)
        assert school.status_code == 200, school.text
