"""Writes at priorities 8 and 10 and relinquish, checked on the simulated device itself."""

from __future__ import annotations

import math

from iot_supervisor.testing import ServiceHandle, SimHandle

AV = "1001/analog-value,2/present-value"


def _write(service: ServiceHandle, value: object, priority: int) -> dict:
    response = service.http.post(
        "/points/write", json={"writes": [{"point": AV, "value": value, "priority": priority}]}
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert result["ok"], result
    return result


def test_priority_8_wins_over_10_and_relinquish_hands_over(
    service: ServiceHandle, simulator: SimHandle
) -> None:
    default = simulator.present_value(1001, "analog-value,2")

    result = _write(service, 18.5, 8)
    assert simulator.present_value(1001, "analog-value,2") == 18.5
    assert result["presentValue"] == 18.5
    assert result["priorityArray"][7] == 18.5
    assert math.isclose(result["relinquishDefault"], default, rel_tol=1e-6)

    result = _write(service, 30.0, 10)
    assert simulator.present_value(1001, "analog-value,2") == 18.5, "10 must not win while 8 holds"
    assert result["priorityArray"][9] == 30.0

    result = _write(service, None, 8)
    assert simulator.present_value(1001, "analog-value,2") == 30.0, "relinquish at 8 lets 10 win"
    assert result["priorityArray"][7] is None

    _write(service, None, 10)
    assert math.isclose(simulator.present_value(1001, "analog-value,2"), default, rel_tol=1e-6)

    audit = service.http.get("/writes", params={"outcome": "written"}).json()["entries"]
    assert [(e["value"], e["priority"]) for e in audit[:4]] == [
        (None, 10), (None, 8), (30.0, 10), (18.5, 8)
    ]  # fmt: skip
    assert all(e["caller"] == "engine" for e in audit[:4])


def test_binary_and_multistate_writes(service: ServiceHandle, simulator: SimHandle) -> None:
    response = service.http.post(
        "/points/write",
        headers={"X-Caller": "somebody else"},
        json={
            "writes": [
                {"point": "1002/binary-value,5/present-value", "value": True, "priority": 8},
                {"point": "1002/multi-state-value,6/present-value", "value": "Cool", "priority": 8},
            ]
        },
    )
    assert response.status_code == 200, response.text
    assert all(r["ok"] for r in response.json()["results"])
    assert str(simulator.present_value(1002, "binary-value,5")) == "active"
    audit = service.http.get("/writes").json()["entries"]
    assert {e["caller"] for e in audit[:2]} == {"engine"}
    assert simulator.present_value(1002, "multi-state-value,6") == 3
