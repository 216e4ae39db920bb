"""Bundles, signing, deployments with the engine away (the e2e test has it present)."""

from __future__ import annotations

from bms_schemas import Bundle, BundleProject
from bms_schemas.engine import EngineStatus
from designer.deployments import guard_rails
from designer.diff import bundle_diff
from supervisor_engine import default_registry, public_key_from_pem, verify_document

from .conftest import content


def build(client, project_id, **body):
    return client.post(f"/api/projects/{project_id}/bundles", json=body)


def test_signing_key_is_shown_as_pem(client):
    body = client.get("/api/signing-key").json()
    assert body["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert len(body["keyId"]) == 16


def test_bundles_are_signed_by_the_designers_key_and_versions_bump(client, project):
    pid = project["id"]
    first = build(client, pid)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == "0.1.0"
    public = public_key_from_pem(client.get("/api/signing-key").json()["publicKeyPem"].encode())
    verify_document(first.json()["document"], [public])
    bound = {n["id"]: n for n in first.json()["document"]["graph"]["nodes"]}
    assert bound["t"]["params"]["point"] == "2001/analog-value,1"  # the binding applied
    assert (
        "layout" not in first.json()["document"]["graph"]
        or not first.json()["document"]["graph"]["layout"]
    )
    assert build(client, pid).json()["version"] == "0.1.1"
    assert build(client, pid, bump="minor").json()["version"] == "0.2.0"
    assert build(client, pid, version="2.0.0-rc.1").json()["version"] == "2.0.0-rc.1"
    assert build(client, pid, bump="major").json()["version"] == "3.0.0"
    listed = client.get(f"/api/projects/{pid}/bundles").json()["bundles"]
    assert [b["version"] for b in listed] == ["3.0.0", "2.0.0-rc.1", "0.2.0", "0.1.1", "0.1.0"]
    one = client.get(f"/api/projects/{pid}/bundles/0.1.0").json()
    assert one["hash"] == first.json()["hash"]


def test_a_version_built_twice_is_409(client, project):
    assert build(client, project["id"], version="1.0.0").status_code == 201
    again = build(client, project["id"], version="1.0.0")
    assert again.status_code == 409
    assert again.json()["details"]["field"] == "version"


def test_bad_version_is_422_naming_it(client, project):
    response = build(client, project["id"], version="1.0")
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "body.version"
    response = build(client, project["id"], bump="huge")
    assert response.json()["details"]["field"] == "body.bump"


def test_an_invalid_project_cannot_be_bundled(client):
    bad = content()
    bad["graph"]["edges"] = []
    created = client.post("/api/projects", json={"name": "bad", "content": bad}).json()
    response = build(client, created["id"])
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_project"
    assert client.get(f"/api/projects/{created['id']}/bundles").json()["bundles"] == []


def test_unknown_bundle_version_is_404(client, project):
    pid = project["id"]
    assert client.get(f"/api/projects/{pid}/bundles/9.9.9").status_code == 404
    for path in ("deployments", "rollback"):
        response = client.post(f"/api/projects/{pid}/{path}", json={"version": "9.9.9"})
        assert response.status_code == 404
    assert client.get(f"/api/projects/{pid}/bundles/9.9.9/diff").status_code == 404


def test_deploy_with_the_engine_away_is_502_and_recorded(client, project):
    pid = project["id"]
    build(client, pid)
    response = client.post(f"/api/projects/{pid}/deployments", json={"version": "0.1.0"})
    assert response.status_code == 502
    assert response.json()["code"] == "upstream_error"
    history = client.get(f"/api/projects/{pid}/deployments").json()["entries"]
    assert [(e["version"], e["outcome"], e["by"]) for e in history] == [
        ("0.1.0", "unreachable", "admin")
    ]
    # Without an engine the diff still comes from the server: against nothing earlier.
    diff = client.get(f"/api/projects/{pid}/bundles/0.1.0/diff").json()
    assert (diff["base"], diff["baseVersion"]) == ("none", None)
    assert "does not answer" in diff["engineError"]
    assert diff["blocksAdded"]


def test_without_an_engine_the_diff_is_against_the_previous_bundle_or_the_one_asked_for(
    client, project
):
    pid = project["id"]
    build(client, pid)
    changed = content(setpoint=23.0)
    saved = client.put(f"/api/projects/{pid}", json={"revision": 1, "content": changed})
    assert saved.status_code == 200, saved.text
    build(client, pid)
    build(client, pid)
    diff = client.get(f"/api/projects/{pid}/bundles/0.1.2/diff").json()
    assert (diff["base"], diff["baseVersion"]) == ("previous", "0.1.1")
    assert diff["blocksChanged"] == []
    chosen = client.get(f"/api/projects/{pid}/bundles/0.1.2/diff", params={"against": "0.1.0"})
    diff = chosen.json()
    assert (diff["base"], diff["baseVersion"], diff["engineError"]) == ("chosen", "0.1.0", None)
    assert [c["node"] for c in diff["blocksChanged"]] == ["sp"]
    missing = client.get(f"/api/projects/{pid}/bundles/0.1.2/diff", params={"against": "9.9.9"})
    assert missing.status_code == 404


def test_deployment_request_needs_a_semver(client, project):
    response = client.post(f"/api/projects/{project['id']}/deployments", json={})
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "body.version"


def _bundle(**kwargs) -> Bundle:
    from bms_schemas.designer import ProjectContent
    from designer.building import bound_graph
    from supervisor_engine import build_bundle

    graph = bound_graph(ProjectContent.model_validate(content(**kwargs)))
    return build_bundle(graph, default_registry(), version="1.0.0", created_by="t")


def test_diff_names_blocks_points_and_priorities():
    registry = default_registry()
    old = _bundle(setpoint=21.0, priority=10)
    new = _bundle(setpoint=22.0, priority=9, extra=True)
    diff = bundle_diff(old, new, registry)
    assert diff["blocks_added"] == ("spare",)
    assert diff["blocks_removed"] == ()
    changed = {c.node: c.fields for c in diff["blocks_changed"]}
    assert changed == {"sp": ("params.value",), "damper": ("params.priority",)}
    values = {
        (c.node, name): (v.before, v.after)
        for c in diff["blocks_changed"]
        for name, v in c.params.items()
    }
    assert values == {("sp", "value"): (21.0, 22.0), ("damper", "priority"): (10, 9)}
    assert [(p.point, p.before, p.after) for p in diff["priority_changes"]] == [
        ("2001/analog-output,1/present-value", 10, 9)
    ]
    first = bundle_diff(None, new, registry)
    assert first["points_newly_written"] == ("2001/analog-output,1/present-value",)
    assert set(first["blocks_added"]) == {"t", "sp", "pid", "damper", "spare"}


def test_a_cancelled_deploy_gives_its_version_number_back(client, project):
    pid = project["id"]
    assert build(client, pid).json()["version"] == "0.1.0"
    # the user saw the diff of 0.1.1 and cancelled: the bundle goes, the number is free again
    assert build(client, pid).json()["version"] == "0.1.1"
    assert client.delete(f"/api/projects/{pid}/bundles/0.1.1").status_code == 204
    assert build(client, pid).json()["version"] == "0.1.1"
    listed = client.get(f"/api/projects/{pid}/bundles").json()["bundles"]
    assert [b["version"] for b in listed] == ["0.1.1", "0.1.0"]


def test_a_bundle_a_deploy_named_is_kept(client, project):
    pid = project["id"]
    build(client, pid)
    client.post(f"/api/projects/{pid}/deployments", json={"version": "0.1.0"})  # engine away
    kept = client.delete(f"/api/projects/{pid}/bundles/0.1.0")
    assert kept.status_code == 409
    assert "stays in the history" in kept.json()["message"]
    assert client.get(f"/api/projects/{pid}/bundles/0.1.0").status_code == 200
    assert client.delete(f"/api/projects/{pid}/bundles/9.9.9").status_code == 404


def _status(version: str | None, project_id: str | None, name: str | None = None) -> EngineStatus:
    # Only what the guard rails read; the rest of the status does not matter to them.
    return EngineStatus.model_construct(version=version, project_id=project_id, project_name=name)


def test_the_diff_names_both_projects_and_what_the_engine_will_refuse():
    new = _bundle().model_copy(update={"project": BundleProject(id="p2", name="School")})
    other = guard_rails(_status("2.0.0", "p1", "Hospital"), new)
    assert other["active_project"] == BundleProject(id="p1", name="Hospital")
    assert other["project"] == BundleProject(id="p2", name="School")
    assert (other["other_project"], other["lower_version"]) == (True, False)
    lower = guard_rails(_status("2.0.0", "p2", "School"), new)
    assert (lower["other_project"], lower["lower_version"]) == (False, True)
    same = guard_rails(_status("0.9.0", "p2", "School"), new)
    assert (same["other_project"], same["lower_version"]) == (False, False)
    nothing = guard_rails(_status(None, None), new)
    assert (nothing["active_project"], nothing["other_project"], nothing["lower_version"]) == (
        None, False, False,
    )  # fmt: skip
