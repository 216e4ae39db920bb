"""Block catalogue, validation (the engine library's), simulation on the virtual clock."""

from __future__ import annotations

import pytest

from supervisor_engine import default_registry

from .conftest import content

TEMP_PV = "2001/analog-value,1/present-value"


def test_blocks_are_the_registry_catalogue(client):
    response = client.get("/api/blocks")
    assert response.status_code == 200
    expected = default_registry().catalogue().model_dump(mode="json", by_alias=True)
    assert response.json() == expected


def test_a_valid_project_validates(client, project):
    assert client.post(f"/api/projects/{project['id']}/validate").json() == {
        "valid": True,
        "issues": [],
    }


def test_validation_returns_the_engine_librarys_issues_and_bad_bindings(client):
    bad = content()
    bad["graph"]["edges"] = bad["graph"]["edges"][:-1]  # the output loses its driver
    bad["bindings"]["ghost"] = "1/analog-value,1"
    created = client.post("/api/projects", json={"name": "bad", "content": bad}).json()
    report = client.post(f"/api/projects/{created['id']}/validate").json()
    assert report["valid"] is False
    codes = {(i["code"], i.get("node")) for i in report["issues"]}
    assert ("unknown_node", "ghost") in codes
    assert ("unconnected_input", "damper") in codes


def simulate(client, project_id, **body):
    return client.post(f"/api/projects/{project_id}/simulate", json=body)


def test_simulation_with_a_step_is_deterministic(client, project):
    body = {
        "durationS": 4,
        "inputs": [{"kind": "step", "point": TEMP_PV, "before": 21.0, "after": 24.0, "atS": 2}],
        "watch": ["pid.out"],
    }
    first = simulate(client, project["id"], **body)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["columns"] == ["time_s", "2001/analog-output,1/present-value", "pid.out"]
    # P only, kp 10, setpoint 21: 0 % until the step, then (24 - 21) * 10 = 30 %
    assert [row[2] for row in result["rows"]] == [0.0, 0.0, 30.0, 30.0, 30.0]
    assert simulate(client, project["id"], **body).json() == result


@pytest.mark.parametrize(
    ("signal", "at_4s"),
    [
        ({"kind": "constant", "value": 23.0}, 20.0),
        ({"kind": "ramp", "start": 21.0, "end": 25.0, "durationS": 4}, 40.0),
        ({"kind": "sine", "offset": 21.0, "amplitude": 2.0, "periodS": 16}, 20.0),
        ({"kind": "recorded", "samples": [[0, 21.0], [3, 22.5]]}, 15.0),
    ],
)
def test_each_signal_kind(client, project, signal, at_4s):
    body = {"durationS": 4, "inputs": [{"point": TEMP_PV, **signal}], "watch": ["pid.out"]}
    rows = simulate(client, project["id"], **body).json()["rows"]
    assert rows[-1][2] == pytest.approx(at_4s)


def test_a_point_written_without_its_property_still_feeds_the_simulation(client, project):
    short = TEMP_PV.removesuffix("/present-value")
    body = {"durationS": 2, "inputs": [{"kind": "constant", "point": short, "value": 23.0}],
            "watch": ["pid.out"]}  # fmt: skip
    result = simulate(client, project["id"], **body).json()
    assert result["rows"][-1][2] == pytest.approx(20.0)  # (23 - 21) * 10
    bad = simulate(client, project["id"], durationS=2,
                   inputs=[{"kind": "constant", "point": "not a point", "value": 1.0}])  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["details"]["field"] == "inputs.0.point"


def test_simulation_of_one_flow(client, project):
    response = simulate(client, project["id"], durationS=1, flow="zone")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"durationS": 0}, "body.durationS"),
        ({"durationS": 1, "inputs": [{"kind": "wave", "point": TEMP_PV}]}, "body.inputs.0"),
        ({"durationS": 1, "flow": "nope"}, "flow"),
        ({"durationS": 1, "watch": ["nope.out"]}, "watch"),
        ({"durationS": 86400, "inputs": [{"kind": "sine", "point": TEMP_PV, "amplitude": 1,
          "periodS": 60, "sampleS": 0.1}]}, "inputs.0.sampleS"),
    ],
)  # fmt: skip
def test_bad_simulation_requests_are_422_naming_the_field(client, project, body, field):
    response = simulate(client, project["id"], **body)
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == field


def test_simulating_an_invalid_project_is_422_with_the_issues(client):
    bad = content()
    bad["graph"]["edges"] = []
    created = client.post("/api/projects", json={"name": "bad", "content": bad}).json()
    response = simulate(client, created["id"], durationS=1)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_project"
    assert response.json()["details"]["issues"]


def test_a_simulation_too_long_to_run_in_a_request_is_refused_naming_the_duration(client, project):
    # the project's flow ticks every second: a week would be 604,801 ticks
    response = simulate(client, project["id"], durationS=7 * 86400, inputs=[])
    assert response.status_code == 422
    body = response.json()
    assert body["details"]["field"] == "durationS"
    assert "ticks" in body["message"]
