"""The IoT and engine proxies when those services are away; the e2e test has them present."""

from __future__ import annotations

import pytest

PROXIED = [
    ("GET", "/api/iot/devices", None),
    ("POST", "/api/iot/discover", {}),
    ("GET", "/api/iot/devices/1/points", None),
    ("POST", "/api/iot/points/read", {"points": ["1/analog-value,1"]}),
    ("POST", "/api/iot/subscriptions", {"points": ["1/analog-value,1"]}),
    ("GET", "/api/iot/stream", None),
    ("POST", "/api/iot/points/write", {"point": "1/analog-value,1", "value": 1, "reason": "t"}),
    ("POST", "/api/iot/points/release", {"point": "1/analog-value,1", "reason": "t"}),
    ("GET", "/api/iot/writes", None),
    ("GET", "/api/iot/points/history?point=1/analog-value,1", None),
    ("GET", "/api/engine/status", None),
    ("GET", "/api/engine/deployments", None),
    ("GET", "/api/engine/stream", None),
    ("GET", "/api/engine/alarms", None),
    ("POST", "/api/engine/alarms/a1/ack", {"note": "seen"}),
    ("POST", "/api/engine/start", None),
    ("POST", "/api/engine/stop", None),
    ("POST", "/api/engine/reload", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PROXIED)
def test_an_unreachable_service_is_502_with_an_envelope(client, method, path, body):
    response = client.request(method, path, json=body)
    assert response.status_code == 502, response.text
    assert response.json()["code"] == "upstream_error"
    assert "does not answer" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/iot/points/write", {"point": "1/analog-value,1", "value": 1}, "body.reason"),
        ("/api/iot/points/write", {"point": "1/analog-value,1", "value": 1, "priority": 17, "reason": "r"},
         "body.priority"),
        ("/api/iot/points/release", {"point": "1/analog-value,1", "reason": ""}, "body.reason"),
        ("/api/iot/points/read", {"points": ["not a point"]}, "body.points.0"),
        ("/api/iot/points/write", {"point": "x", "value": 1, "reason": "r"}, "body.point"),
    ],
)  # fmt: skip
def test_bad_manual_operations_are_422_naming_the_field(client, path, body, field):
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert response.json()["details"]["field"] == field


def test_device_instance_must_be_a_number(client):
    response = client.get("/api/iot/devices/abc/points")
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "path.instance"


def test_a_projects_device_configuration_chooses_the_iot_service(client):
    devices = {"iotUrl": "http://127.0.0.2:9", "iotToken": "t"}
    created = client.post(
        "/api/projects", json={"name": "p", "content": {"devices": devices}}
    ).json()
    for path in ("/api/iot/devices", "/api/iot/stream"):
        response = client.get(path, params={"project": created["id"]})
        assert response.status_code == 502
        assert "http://127.0.0.2:9" in response.json()["message"]
    unknown = client.get("/api/iot/devices", params={"project": "nope"})
    assert unknown.status_code == 404


def test_the_audit_caller_header_is_printable_ascii():
    from designer.routes.iot import audit_caller

    assert audit_caller("admin", "fixé\r\nX-Evil: 1") == "designer:admin: fix???X-Evil: 1"
    assert len(audit_caller("admin", "x" * 200)) == 64
