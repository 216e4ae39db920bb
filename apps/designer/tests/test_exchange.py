"""Export and import: small stable JSON files, layout apart, byte-identical round trip."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from .conftest import content, login, make_app, make_settings


def export(client, project_id) -> bytes:
    response = client.get(f"/api/projects/{project_id}/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    return response.content


def import_(client, data: bytes, **params):
    return client.post(
        "/api/projects/import", content=data, params=params,
        headers={"content-type": "application/zip"},
    )  # fmt: skip


def two_flow_content() -> dict:
    body = content()
    graph = body["graph"]
    graph["flows"].append({"id": "lights", "name": "Lights", "schedule": {"periodMs": 5000}})
    graph["nodes"].append(
        {"id": "on", "type": "io.constant", "flow": "lights", "params": {"value": 1.0}}
    )
    graph["layout"]["on"] = {"x": 10.5, "y": -3}
    body["parameters"] = {"site": "north", "floors": 3}
    body["devices"] = {"iotUrl": "http://127.0.0.1:8080", "iotToken": "secret"}
    return body


def test_export_import_export_into_a_fresh_database_is_byte_identical(client, tmp_path: Path):
    created = client.post("/api/projects", json={"name": "Plant", "content": two_flow_content()})
    first = export(client, created.json()["id"])
    with TestClient(make_app(make_settings(tmp_path / "fresh"))) as fresh:
        login(fresh)
        imported = import_(fresh, first)
        assert imported.status_code == 201, imported.text
        assert imported.json()["name"] == "Plant"
        second = export(fresh, imported.json()["id"])
    assert second == first


def test_export_layout_is_apart_from_logic_and_keys_are_sorted(client):
    created = client.post("/api/projects", json={"name": "Plant", "content": two_flow_content()})
    pid = created.json()["id"]
    archive = zipfile.ZipFile(io.BytesIO(export(client, pid)))
    assert sorted(archive.namelist()) == [
        "flows/lights.json", "flows/zone.json", "layout/lights.json", "layout/zone.json",
        "project.json",
    ]  # fmt: skip
    for name in archive.namelist():
        text = archive.read(name).decode()
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"
    project = json.loads(archive.read("project.json"))
    assert project["formatVersion"] == 1
    assert project["devices"]["iotToken"] is None  # secrets stay home
    assert "layout" not in archive.read("flows/zone.json").decode()
    # moving a block changes only its layout file
    moved = two_flow_content()
    moved["graph"]["layout"]["pid"] = {"x": 999, "y": 999}
    client.put(f"/api/projects/{pid}", json={"revision": 1, "content": moved})
    after = zipfile.ZipFile(io.BytesIO(export(client, pid)))
    changed = {n for n in archive.namelist() if archive.read(n) != after.read(n)}
    assert changed == {"layout/zone.json"}


def rezip(data: bytes, path: str, text: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, text if name == path else source.read(name))
    return out.getvalue()


def test_import_refuses_an_unknown_format_version_with_a_clear_message(client, project):
    data = export(client, project["id"])
    project_json = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("project.json"))
    project_json["formatVersion"] = 99
    response = import_(client, rezip(data, "project.json", json.dumps(project_json)))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_export"
    assert "format version 99 is not supported" in body["message"]
    assert body["details"]["field"] == "project.json.formatVersion"


def test_import_refuses_what_is_not_a_project(client, project):
    assert import_(client, b"not a zip").json()["details"]["field"] == "body"
    data = export(client, project["id"])
    broken = rezip(data, "flows/zone.json", "{")
    assert import_(client, broken).json()["details"]["field"] == "flows/zone.json"
    bad_node = rezip(data, "flows/zone.json", json.dumps({"nodes": [{"id": "x"}]}))
    response = import_(client, bad_node)
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "flows/zone.json.nodes.0.type"


def test_import_takes_a_new_name(client, project):
    response = import_(client, export(client, project["id"]), name="Copy")
    assert response.json()["name"] == "Copy"
    assert response.json()["content"]["graph"] == project["content"]["graph"]
