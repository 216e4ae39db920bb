"""Bad input: 4xx with a clear ErrorEnvelope, nothing written to the device, refusals audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bms_service.testing import assert_unparseable_bodies_answer_the_envelope
from iot_supervisor.testing import ServiceHandle, SimHandle

AV = "1001/analog-value,2/present-value"


@pytest.fixture
def locked_service(simulator: SimHandle, service_factory: Any) -> ServiceHandle:
    handle: ServiceHandle = service_factory(
        interlocks=[
            {
                "pattern": "1001/analog-value,2/*",
                "min": 15.0,
                "max": 28.0,
                "priorities": [8, 10, 16],
            },
            {"pattern": "1001/analog-output,*", "read_only": True},
        ]
    )
    assert handle.http.post("/discover", json={}).status_code == 200
    return handle


CASES = [
    (
        "unknown point",
        {"point": "1001/analog-value,999/present-value", "value": 20.0},
        404,
        "unknown_point",
    ),
    (
        "unknown device",
        {"point": "4000/analog-value,2/present-value", "value": 20.0},
        404,
        "unknown_device",
    ),
    ("malformed ref", {"point": "1001/analog-valve/2", "value": 20.0}, 422, "invalid_request"),
    # The schema itself says 1-16: a priority outside is an invalid request (422).
    ("priority 0", {"point": AV, "value": 20.0, "priority": 0}, 422, "invalid_request"),
    ("priority 17", {"point": AV, "value": 20.0, "priority": 17}, 422, "invalid_request"),
    # Larger than SQLite's INTEGER: it once stopped the runtime.db writer thread.
    ("huge priority", {"point": AV, "value": 20.0, "priority": 10**20}, 422, "invalid_request"),
    # Schema-valid, refused by the service's setting: 403, like an interlock.
    ("priority 6", {"point": AV, "value": 20.0, "priority": 6}, 403, "reserved_priority"),
    # true once became priority 1 (manual life safety) and "8" became 8: no coercion.
    ("priority true", {"point": AV, "value": 20.0, "priority": True}, 422, "invalid_request"),
    ("priority string", {"point": AV, "value": 20.0, "priority": "8"}, 422, "invalid_request"),
    ("priority fraction", {"point": AV, "value": 20.0, "priority": 8.5}, 422, "invalid_request"),
    # 1e308 once reached the device encoder.
    ("beyond float32", {"point": AV, "value": 1e308, "priority": 8}, 422, "invalid_request"),
    ("wrong type", {"point": AV, "value": "hot", "priority": 8}, 400, "invalid_value"),
    ("above interlock", {"point": AV, "value": 35.0, "priority": 8}, 403, "write_refused"),
    ("priority not allowed", {"point": AV, "value": 20.0, "priority": 9}, 403, "write_refused"),
    (
        "read-only point",
        {"point": "1001/analog-output,3/present-value", "value": 1.0},
        403,
        "write_refused",
    ),
    ("input", {"point": "1001/analog-input,1/present-value", "value": 1.0}, 403, "write_refused"),
]


def test_each_bad_write_is_refused_and_audited(
    locked_service: ServiceHandle, simulator: SimHandle
) -> None:
    before = {
        oid: simulator.present_value(1001, oid)
        for oid in ("analog-value,2", "analog-output,3", "analog-input,1")
    }
    for name, write, status, code in CASES:
        # A good write first in the batch: a refusal anywhere must stop the whole batch.
        good = {"point": AV, "value": 21.0, "priority": 8}
        response = locked_service.http.post("/points/write", json={"writes": [good, write]})
        assert response.status_code == status, (name, response.text)
        body = response.json()
        assert body["code"] == code, (name, body)
        assert len(body["message"]) > 10, name
        after = {oid: simulator.present_value(1001, oid) for oid in before}
        assert after == before, f"{name}: something was written"

    refused = locked_service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
    assert len(refused) >= len(CASES)
    reasons = " | ".join(e["error"] for e in refused)
    for fragment in (
        "analog-value,999",
        "writes.1.priority",
        "reserved",
        "above the maximum",
        "read-only",
    ):
        assert fragment in reasons
    assert any(e["point"] == "1001/analog-valve/2" for e in refused)
    assert not locked_service.http.get("/writes", params={"outcome": "written"}).json()["entries"]


def test_requests_without_a_token_are_refused(
    locked_service: ServiceHandle, simulator: SimHandle
) -> None:
    before = simulator.present_value(1001, "analog-value,2")
    body = {"writes": [{"point": AV, "value": 20.0, "priority": 8}]}
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = httpx.post(f"{locked_service.base_url}/points/write", json=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
    assert simulator.present_value(1001, "analog-value,2") == before
    assert httpx.get(f"{locked_service.base_url}/devices").status_code == 401
    assert httpx.get(f"{locked_service.base_url}/health").status_code == 200


def test_bad_reads(locked_service: ServiceHandle) -> None:
    http = locked_service.http
    assert http.post("/points/read", json={"points": ["1001/analog-value,999"]}).status_code == 404
    response = http.post("/points/read", json={"points": ["not a point"]})
    assert response.status_code == 422
    assert "not a point reference" in response.json()["message"]
    assert http.post("/points/read", json={"points": []}).status_code == 422


def test_rate_limit_per_point(simulator: SimHandle, service_factory: Any) -> None:
    service: ServiceHandle = service_factory(rate_limit_per_s=0.01, rate_limit_burst=1)
    assert service.http.post("/discover", json={}).status_code == 200
    body = {"writes": [{"point": AV, "value": 20.0, "priority": 8}]}
    assert service.http.post("/points/write", json=body).status_code == 200
    response = service.http.post("/points/write", json=body)
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    [refused] = service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
    assert "faster than" in refused["error"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_value_refuses_the_whole_batch(
    locked_service: ServiceHandle, simulator: SimHandle, number: str
) -> None:
    before = simulator.present_value(1001, "analog-value,2")
    # Python's JSON parser reads NaN and Infinity; the body is sent raw, as a bad client would.
    body = (
        f'{{"writes": [{{"point": "{AV}", "value": 21.0, "priority": 8}},'
        f' {{"point": "{AV}", "value": {number}, "priority": 8}}]}}'
    )
    response = locked_service.http.post(
        "/points/write", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert "finite" in response.json()["message"]
    assert simulator.present_value(1001, "analog-value,2") == before
    refused = locked_service.http.get("/writes", params={"outcome": "refused"}).json()["entries"]
    assert len(refused) == 2
    assert all("finite" in e["error"] for e in refused)


def test_a_body_that_cannot_be_parsed_answers_the_envelope(
    locked_service: ServiceHandle, simulator: SimHandle
) -> None:
    before = simulator.present_value(1001, "analog-value,2")
    http = locked_service.http
    assert_unparseable_bodies_answer_the_envelope(http, "/points/write")
    assert http.get("/no/such/route").json()["code"] == "not_found"
    assert simulator.present_value(1001, "analog-value,2") == before


def test_a_subscription_to_an_unknown_point_names_it(locked_service: ServiceHandle) -> None:
    for unknown in ("1001/analog-value,999/present-value", "4000/analog-value,1/present-value"):
        response = locked_service.http.post("/subscriptions", json={"points": [AV, unknown]})
        assert response.status_code == 404
        assert response.json()["details"]["point"] == unknown
