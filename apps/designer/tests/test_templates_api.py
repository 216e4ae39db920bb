"""Templates through the Designer: refused before the IoT service is asked when they do not fit;
the IoT service away is a 502 naming it. (The binding itself is the engine library's, tested
against the simulated 20-VAV building in the IoT app's tests.)"""

from __future__ import annotations

from supervisor_engine.equipment import vav_zone_composite, vav_zone_template
from supervisor_engine.testing import GraphBuilder


def project_with_zone_composite(client) -> dict:
    g = GraphBuilder(flow="zones", period_ms=1000)
    g.node("io.parameter", "heat_sp", value=21.5, min=15.0, max=30.0, unit="degC")
    g.node("io.parameter", "cool_sp", value=22.5, min=15.0, max=30.0, unit="degC")
    graph = g.build().model_dump(mode="json", by_alias=True)
    graph["composites"] = [vav_zone_composite().model_dump(mode="json", by_alias=True)]
    created = client.post("/api/projects", json={"name": "vavs", "content": {"graph": graph}})
    assert created.status_code == 201, created.text
    return dict(created.json())


def template_body(**changes) -> dict:
    template = vav_zone_template("zones").model_dump(mode="json", by_alias=True)
    template.update(changes)
    return {
        "template": template,
        "tags": {"rules": [{"match": "^ZoneTemp$", "tags": ["zone", "air", "temp", "sensor"]}]},
    }


def test_a_template_that_does_not_fit_is_422_before_the_iot_service_is_asked(client):
    project = project_with_zone_composite(client)
    response = client.post(
        f"/api/projects/{project['id']}/templates/preview",
        json=template_body(composite="composite:vav_zone@9"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "template_invalid"
    assert body["details"]["field"] == "template.composite"


def test_the_iot_service_away_is_a_502(client):
    project = project_with_zone_composite(client)
    response = client.post(f"/api/projects/{project['id']}/templates/preview", json=template_body())
    assert response.status_code == 502
    assert "does not answer" in response.json()["message"]
    applied = client.post(
        f"/api/projects/{project['id']}/templates/apply",
        json={**template_body(), "revision": project["revision"]},
    )
    assert applied.status_code == 502
    assert client.get(f"/api/projects/{project['id']}").json()["revision"] == project["revision"]
