"""/metrics and /health of a running service."""

from __future__ import annotations

from iot_supervisor.testing import ServiceHandle


def test_metrics_count_reads_and_writes(service: ServiceHandle) -> None:
    service.http.post(
        "/points/read", json={"points": ["1001/analog-value,2", "1001/analog-input,1"]}
    )
    service.http.post(
        "/points/write",
        json={"writes": [{"point": "1001/analog-value,2", "value": 1.0, "priority": 0}]},
    )
    text = service.http.get("/metrics").text
    assert "iot_points_read_total 2.0" in text
    assert 'iot_writes_total{outcome="refused"} 1.0' in text
    assert 'iot_devices{status="online"} 3.0' in text
    assert "iot_bacnet_requests" in text


def test_health(service: ServiceHandle) -> None:
    health = service.http.get("/health").json()
    assert health == {
        "status": "ok",
        "bacnetBound": True,
        "bacnetAddress": service.settings.bacnet_address.replace("/8", ""),
        "devices": 3,
        "devicesOffline": 0,
        "version": "0.1.0",
    }
