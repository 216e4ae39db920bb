"""Projects over the API: CRUD, soft delete, optimistic concurrency, 404 and 422."""

from __future__ import annotations

import pytest

from .conftest import content
from .support import UNKNOWN


def test_create_list_get(client, project):
    assert project["revision"] == 1
    assert project["content"]["bindings"] == {"t": "2001/analog-value,1"}
    listed = client.get("/api/projects").json()["projects"]
    assert [p["name"] for p in listed] == ["Zone 1"]
    assert client.get(f"/api/projects/{project['id']}").json() == project


def test_create_empty_project(client):
    response = client.post("/api/projects", json={"name": "Empty"})
    assert response.status_code == 201
    assert response.json()["content"]["graph"]["nodes"] == []


def test_save_bumps_the_revision_and_a_stale_save_is_409_with_the_current_revision(client, project):
    url = f"/api/projects/{project['id']}"
    first = client.put(url, json={"revision": 1, "content": content(setpoint=22.0)})
    assert first.status_code == 200
    assert first.json()["revision"] == 2
    # a second tab, still on revision 1
    stale = client.put(url, json={"revision": 1, "content": content(setpoint=23.0)})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale_revision"
    assert body["details"] == {"field": "revision", "basedOn": 1, "currentRevision": 2}
    nodes = client.get(url).json()["content"]["graph"]["nodes"]
    assert next(n for n in nodes if n["id"] == "sp")["params"]["value"] == 22.0


def test_rename_checks_the_revision(client, project):
    url = f"/api/projects/{project['id']}/rename"
    assert client.post(url, json={"revision": 5, "name": "B"}).status_code == 409
    renamed = client.post(url, json={"revision": 1, "name": "Zone 1 (east)"})
    assert renamed.json()["name"] == "Zone 1 (east)"
    assert renamed.json()["revision"] == 2


def test_copy_is_a_new_project_with_the_same_content(client, project):
    response = client.post(f"/api/projects/{project['id']}/copy", json={"name": "Zone 2"})
    assert response.status_code == 201
    copy = response.json()
    assert copy["id"] != project["id"]
    assert copy["revision"] == 1
    assert copy["content"] == project["content"]


def test_soft_delete_and_restore(client, project):
    url = f"/api/projects/{project['id']}"
    assert client.delete(url).json()["deleted"] is True
    assert client.get("/api/projects").json()["projects"] == []
    assert [p["id"] for p in client.get("/api/projects?deleted=true").json()["projects"]] == [
        project["id"]
    ]
    assert client.get(url).status_code == 404
    assert client.put(url, json={"revision": 2, "content": content()}).status_code == 404
    restored = client.post(f"{url}/restore")
    assert restored.status_code == 200
    assert restored.json()["deleted"] is False
    assert client.get(url).status_code == 200


def test_unknown_project_is_404_on_every_project_route(client):
    base = f"/api/projects/{UNKNOWN}"
    calls = [
        ("GET", base, None),
        ("PUT", base, {"revision": 1, "content": {}}),
        ("POST", f"{base}/rename", {"revision": 1, "name": "x"}),
        ("POST", f"{base}/copy", {"name": "x"}),
        ("DELETE", base, None),
        ("POST", f"{base}/restore", None),
        ("GET", f"{base}/export", None),
        ("POST", f"{base}/validate", None),
        ("POST", f"{base}/simulate", {"durationS": 1}),
        ("POST", f"{base}/bundles", {}),
        ("GET", f"{base}/bundles", None),
        ("GET", f"{base}/bundles/1.0.0", None),
        ("GET", f"{base}/bundles/1.0.0/diff", None),
        ("POST", f"{base}/deployments", {"version": "1.0.0"}),
        ("GET", f"{base}/deployments", None),
        ("POST", f"{base}/rollback", {"version": "1.0.0"}),
    ]
    for method, url, body in calls:
        response = client.request(method, url, json=body)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["code"] == "not_found"


def test_invalid_bodies_are_422_naming_the_field(client, project):
    url = f"/api/projects/{project['id']}"
    cases = [
        ("POST", "/api/projects", {"name": ""}, "body.name"),
        ("POST", "/api/projects", {"name": "x", "content": {"graph": {"nodes": [{"id": "1bad"}]}}},
         "body.content.graph.nodes.0.id"),
        ("PUT", url, {"content": content()}, "body.revision"),
        ("PUT", url, {"revision": -1, "content": content()}, "body.revision"),
        ("POST", f"{url}/rename", {"revision": 1}, "body.name"),
        ("POST", f"{url}/copy", {"name": "x", "extra": 1}, "body.extra"),
    ]  # fmt: skip
    for method, path, body, field in cases:
        response = client.request(method, path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["details"]["field"] == field, response.json()


def test_a_broken_json_body_is_422_not_500(client):
    response = client.post(
        "/api/projects", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_a_save_racing_another_loses_at_the_database_instead_of_overwriting(client, project):
    """Tab A read revision 1; tab B saves first; A's UPDATE ... WHERE revision = 1 loses."""
    from designer.errors import StaleRevisionError
    from designer.projects import Projects

    services = client.app.state.services
    tab_a = services.projects.get(project["id"])
    assert tab_a.revision == 1
    services.projects.save(project["id"], 1, tab_a.content)  # tab B
    # tab A writes past the revision check that save() makes first: the UPDATE itself refuses
    with services.database.begin() as db, pytest.raises(StaleRevisionError):
        Projects._update(db, project["id"], tab_a.revision, name="tab A")
    assert client.get(f"/api/projects/{project['id']}").json()["name"] == "Zone 1"
