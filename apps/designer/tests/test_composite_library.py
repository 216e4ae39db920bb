"""Composite library files: export from one project, import into another; versions kept; a bad
file is a 422 naming the field; a conflict loses nothing and names what conflicts."""

from __future__ import annotations

from typing import Any

from supervisor_engine.equipment import vav_zone_composite


def composite(version: int = 1, **changes: Any) -> dict[str, Any]:
    definition = vav_zone_composite().model_dump(mode="json", by_alias=True)
    return definition | {"version": version} | changes


def new_project(client, name: str, composites: list[dict[str, Any]]) -> dict[str, Any]:
    graph = {
        "flows": [{"id": "f", "name": "F", "schedule": {"periodMs": 1000}}],
        "composites": composites,
    }
    created = client.post("/api/projects", json={"name": name, "content": {"graph": graph}})
    assert created.status_code == 201, created.text
    return dict(created.json())


def library_of(client, project: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/projects/{project['id']}/composites/library")
    assert response.status_code == 200, response.text
    return dict(response.json())


def import_into(client, project: dict[str, Any], library: Any):
    return client.post(
        f"/api/projects/{project['id']}/composites/library",
        json={"revision": project["revision"], "library": library},
    )


def test_a_library_exported_from_one_project_imports_into_another_with_its_versions(client):
    source = new_project(client, "source", [composite(1), composite(2, title="VAV zone v2")])
    library = library_of(client, source)
    assert library["format"] == "bms-composites/1"
    assert [(c["name"], c["version"]) for c in library["composites"]] == [
        ("vav_zone", 1),
        ("vav_zone", 2),
    ]

    target = new_project(client, "target", [composite(1)])
    response = import_into(client, target, library)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["imported"] == ["vav_zone@2"]
    assert body["unchanged"] == ["vav_zone@1"]
    saved = body["project"]["content"]["graph"]["composites"]
    assert [(c["version"], c["title"]) for c in saved] == [(1, "VAV zone"), (2, "VAV zone v2")]
    assert body["project"]["revision"] == target["revision"] + 1


def test_a_conflicting_version_imports_nothing_and_names_the_conflict(client):
    target = new_project(client, "target", [composite(1)])
    library = {"composites": [composite(1, title="someone else's zone"), composite(3)]}
    response = import_into(client, target, library)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "composite_conflict"
    assert body["details"]["conflicts"] == ["vav_zone@1"]
    assert "vav_zone@1" in body["message"]
    kept = client.get(f"/api/projects/{target['id']}").json()
    assert kept["revision"] == target["revision"]
    assert [(c["version"], c["title"]) for c in kept["content"]["graph"]["composites"]] == [
        (1, "VAV zone")
    ]


def test_a_bad_library_file_is_a_422_naming_the_field(client):
    target = new_project(client, "target", [])
    cases = [
        ({"format": "bms-composites/9", "composites": []}, "body.library.format"),
        ({"composites": [{**composite(1), "version": 0}]}, "body.library.composites.0.version"),
        ({"composites": [{k: v for k, v in composite(1).items() if k != "nodes"}]},
         "body.library.composites.0.nodes"),
        ({"composites": [composite(1), composite(1)]}, "library.composites.1"),
    ]  # fmt: skip
    for library, field in cases:
        response = import_into(client, target, library)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["details"]["field"] == field
    nested = composite(1, name="floor")
    nested["nodes"] = [*nested["nodes"], {"id": "inner", "type": "composite:missing@1"}]
    response = import_into(client, target, {"composites": [nested]})
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "library.composites.0.nodes.10.type"
    assert "composite:missing@1" in response.json()["message"]
    assert client.get(f"/api/projects/{target['id']}").json()["revision"] == target["revision"]
