"""Point tags stored per project: the tag file, one point's tags set by hand, templates kept."""

from __future__ import annotations

from typing import Any


def tags_url(project: dict[str, Any], rest: str = "") -> str:
    return f"/api/projects/{project['id']}/tags{rest}"


def test_a_project_keeps_its_tag_file_and_tags_set_per_point(client, project):
    assert client.get(tags_url(project)).json() == {
        "format": "bms-tags/1",
        "points": {},
        "rules": [],
    }
    rules = {"rules": [{"match": "^ZoneTemp$", "tags": ["zone", "air", "temp", "sensor"]}]}
    saved = client.put(tags_url(project), json={"revision": project["revision"], "tags": rules})
    assert saved.status_code == 200, saved.text
    revision = saved.json()["revision"]

    point = "3107/analog-output,1/present-value"
    one = client.put(
        tags_url(project, "/points"),
        json={"revision": revision, "point": point, "tags": ["damper", "cmd"]},
    )
    assert one.status_code == 200, one.text
    stored = client.get(tags_url(project)).json()
    assert stored["points"] == {point: ["cmd", "damper"]}
    assert stored["rules"][0]["match"] == "^ZoneTemp$"

    cleared = client.put(
        tags_url(project, "/points"),
        json={"revision": one.json()["revision"], "point": point, "tags": []},
    )
    assert cleared.status_code == 200
    assert client.get(tags_url(project)).json()["points"] == {}


def test_bad_tags_are_a_422_naming_the_field_and_a_stale_save_a_409(client, project):
    bad = client.put(
        tags_url(project, "/points"),
        json={"revision": project["revision"], "point": "1/analog-input,1", "tags": ["Zone Temp"]},
    )
    assert bad.status_code == 422
    assert bad.json()["details"]["field"] == "body.tags"
    rule = client.put(
        tags_url(project),
        json={"revision": project["revision"], "tags": {"rules": [{"match": "(", "tags": ["x"]}]}},
    )
    assert rule.status_code == 422
    assert rule.json()["details"]["field"] == "body.tags.rules.0.match"
    stale = client.put(
        tags_url(project, "/points"),
        json={"revision": project["revision"] - 1, "point": "1/analog-input,1", "tags": ["x"]},
    )
    assert stale.status_code == 409
    assert client.get(f"/api/projects/{project['id']}").json()["revision"] == project["revision"]


def test_device_tags_need_the_iot_service(client, project):
    response = client.get(tags_url(project, "/devices/3101"))
    assert response.status_code == 502
    assert "does not answer" in response.json()["message"]
