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


def test_header_values_are_printable_ascii():
    from designer.upstream import printable_ascii

    assert printable_ascii("fixé\r\nX-Evil: 1") == "fix???X-Evil: 1"
    assert len(printable_ascii("x" * 200)) == 64


def test_only_an_https_upstream_loads_the_trusted_certificates():
    import ssl

    from designer.upstream import tls_context

    assert tls_context("https://engine.example:8081") is True  # httpx's verified default
    bare = tls_context("http://127.0.0.1:8081")
    assert isinstance(bare, ssl.SSLContext)
    # never used for plain http; were it used, it would still check, and trust nothing
    assert bare.verify_mode == ssl.CERT_REQUIRED
    assert bare.check_hostname
    assert bare.get_ca_certs() == []
