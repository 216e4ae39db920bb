"""The engine's HTTP API, over its real runtime and state directory (the IoT service is away)."""

from __future__ import annotations

import copy
import json

import pytest
from fastapi.testclient import TestClient

from bms_service.testing import assert_unparseable_bodies_answer_the_envelope
from headless_engine.app import create_app


def active_version(engine: TestClient) -> str | None:
    return engine.get("/engine/status").json()["version"]


def test_health_needs_no_token_and_reports_degraded_before_any_deploy(engine):
    response = engine.get("/engine/health", headers={"authorization": ""})
    assert response.status_code == 200
    body = response.json()
    assert body["live"] is True
    assert body["ready"] is True
    assert body["degraded"] is True
    assert "no bundle deployed" in body["reasons"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/engine/status"), ("POST", "/engine/deploy"), ("POST", "/engine/stop"),
     ("GET", "/engine/deployments"), ("POST", "/engine/rollback"), ("GET", "/metrics"),
     ("GET", "/engine/stream"), ("GET", "/engine/values")],
)  # fmt: skip
def test_everything_but_health_needs_the_token(engine, method, path):
    response = engine.request(method, path, headers={"authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_deploy_activates_and_reports_version_and_hash(engine, signed):
    response = engine.post(
        "/engine/deploy", json={"bundle": signed()}, headers={"x-caller": "alice"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["version"] == "1.0.0"
    assert body["hash"].startswith("sha256:")
    assert body["status"] == "running"
    status = engine.get("/engine/status").json()
    assert (status["version"], status["state"], status["activatedBy"]) == (
        "1.0.0",
        "running",
        "alice",
    )
    assert [f["id"] for f in status["flows"]] == ["zone"]
    health = engine.get("/engine/health").json()
    assert any("IoT service unreachable" in r for r in health["reasons"])


def refused(engine, document, status, code):
    response = engine.post("/engine/deploy", json={"bundle": document})
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    return body


def test_refused_bundles_leave_the_active_version_unchanged(engine, signed, zone_graph):
    engine.post("/engine/deploy", json={"bundle": signed()})
    # one byte changed after signing: 21.0 -> 22.0
    tampered = copy.deepcopy(signed(zone_graph(), "1.1.0"))
    text = json.dumps(tampered).replace('"value": 21.0', '"value": 22.0', 1)
    body = refused(engine, json.loads(text), 403, "signature_invalid")
    assert "does not match" in body["message"]
    # unsigned
    unsigned = {k: v for k, v in signed(zone_graph(), "1.2.0").items() if k != "signature"}
    assert "not signed" in refused(engine, unsigned, 403, "signature_invalid")["message"]
    # a cycle
    g = zone_graph()
    g.node("math.add", "x")
    g.node("math.add", "y")
    g.wire("x", "out", "y", "in1").wire("y", "out", "x", "in1")
    g.wire("sp", "value", "x", "in2").wire("sp", "value", "y", "in2")
    body = refused(engine, signed(g, "1.3.0"), 422, "graph_invalid")
    [cycle] = [i for i in body["details"]["issues"] if i["code"] == "cycle"]
    assert set(cycle["nodes"]) == {"x", "y"}
    assert active_version(engine) == "1.0.0"


def test_an_unknown_schema_version_is_refused(engine, signed, signing_key, zone_graph):
    from supervisor_engine import sign_document

    document = {k: v for k, v in signed(zone_graph(), "2.0.0").items() if k != "signature"}
    document["schemaVersion"] = "9.0"
    body = refused(engine, sign_document(document, signing_key), 422, "graph_invalid")
    assert body["details"]["issues"][0]["code"] == "unsupported_schema_version"
    assert active_version(engine) is None


def test_a_bundle_of_a_newer_schema_is_refused_for_its_version_not_its_new_fields(
    engine, signed, signing_key, zone_graph
):
    """A newer minor may carry fields this engine does not know; the refusal names the version."""
    from bms_schemas import SCHEMA_VERSION
    from supervisor_engine import sign_document

    major, minor = SCHEMA_VERSION.split(".")
    document = {k: v for k, v in signed(zone_graph(), "2.0.0").items() if k != "signature"}
    document["schemaVersion"] = f"{major}.{int(minor) + 1}"
    document["somethingNew"] = {"pins": {}}
    body = refused(engine, sign_document(document, signing_key), 422, "graph_invalid")
    [issue] = body["details"]["issues"]
    assert issue["code"] == "unsupported_schema_version"
    assert f"{major}.{int(minor) + 1}" in issue["message"]
    assert "extra" not in body["message"].lower()
    assert active_version(engine) is None


def test_bundles_with_composite_pins_declare_the_schema_that_added_them():
    from bms_schemas import SCHEMA_VERSION

    assert tuple(int(p) for p in SCHEMA_VERSION.split(".")) >= (1, 1)


def test_malformed_requests_name_the_field(engine, signed):
    response = engine.post("/engine/deploy", json={"bundel": {}})
    assert response.status_code == 422
    assert "bundle" in response.json()["message"]
    document = signed()
    document["graph"]["flows"][0]["schedule"]["periodMs"] = "often"
    body = refused(engine, document, 403, "signature_invalid")  # signature first: content changed
    assert body["message"]


def test_a_body_that_cannot_be_parsed_answers_the_envelope(engine):
    assert_unparseable_bodies_answer_the_envelope(engine, "/engine/deploy")
    assert engine.get("/engine/nowhere").json()["code"] == "not_found"
    assert engine.get("/engine/status").json()["version"] is None


def test_same_version_with_other_content_is_a_conflict(engine, signed, zone_graph):
    assert (
        engine.post(
            "/engine/deploy", json={"bundle": signed(zone_graph(21.0), "1.0.0")}
        ).status_code
        == 200
    )
    refused(engine, signed(zone_graph(23.0), "1.0.0"), 409, "version_conflict")
    # the same content again is fine (idempotent)
    assert (
        engine.post(
            "/engine/deploy", json={"bundle": signed(zone_graph(21.0), "1.0.0")}
        ).status_code
        == 200
    )


def test_rollback_history_stop_and_start(engine, signed, zone_graph):
    engine.post("/engine/deploy", json={"bundle": signed(zone_graph(21.0), "1.0.0")})
    engine.post("/engine/deploy", json={"bundle": signed(zone_graph(22.0), "1.1.0")})
    assert active_version(engine) == "1.1.0"
    response = engine.post("/engine/rollback", json={"version": "1.0.0"})
    assert response.status_code == 200
    assert active_version(engine) == "1.0.0"
    assert engine.post("/engine/rollback", json={"version": "7.7.7"}).status_code == 404
    assert engine.post("/engine/rollback", json={"version": "../../etc"}).status_code == 404
    stopped = engine.post("/engine/stop").json()
    assert stopped["state"] == "stopped"
    assert engine.post("/engine/start").json()["state"] == "running"
    history = engine.get("/engine/deployments").json()["entries"]
    assert [(e["action"], e["version"], e["outcome"]) for e in history] == [
        ("start", "1.0.0", "ok"),
        ("stop", "1.0.0", "ok"),
        ("rollback", "1.0.0", "active"),
        ("deploy", "1.1.0", "active"),
        ("deploy", "1.0.0", "active"),
    ]


def test_start_without_a_bundle_is_a_conflict(engine):
    response = engine.post("/engine/start")
    assert response.status_code == 409
    assert response.json()["code"] == "no_active_bundle"


def test_a_restart_resumes_the_active_version(settings, signed, zone_graph, token):
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as first:
        first.post("/engine/deploy", json={"bundle": signed(zone_graph(), "3.0.0")})
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as second:
        status = second.get("/engine/status").json()
        assert (status["version"], status["state"]) == ("3.0.0", "running")


def test_a_stopped_engine_stays_stopped_after_a_restart(settings, signed, token):
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as first:
        first.post("/engine/deploy", json={"bundle": signed()})
        first.post("/engine/stop")
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as second:
        assert second.get("/engine/status").json()["state"] == "stopped"


def test_metrics_in_prometheus_text(engine, signed):
    engine.post("/engine/deploy", json={"bundle": signed()})
    text = engine.get("/metrics").text
    assert 'bms_engine_bundle_info{hash="sha256:' in text
    assert 'bms_engine_ticks_total{flow="zone"}' in text
    assert "bms_engine_iot_connected 0.0" in text


def test_token_is_generated_into_the_state_dir_with_mode_0600(tmp_path, public_key_file):
    import os
    import stat

    from headless_engine.settings import Settings

    settings = Settings(
        state_dir=tmp_path / "s", iot_url="http://127.0.0.1:9", trusted_keys=[public_key_file]
    )
    app = create_app(settings)
    token_file = tmp_path / "s" / "token"
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert token_file.read_text().strip() == app.state.token
    assert create_app(settings).state.token == app.state.token


def test_a_key_dropped_into_the_trusted_dir_counts_at_the_next_deploy(engine, settings, signed):
    from supervisor_engine import generate_key, public_key_pem, sign_document

    other = generate_key()
    document = sign_document({k: v for k, v in signed().items() if k != "signature"}, other)
    assert engine.post("/engine/deploy", json={"bundle": document}).status_code == 403
    trusted = settings.state_dir / "trusted" / "other.pub"
    trusted.write_bytes(public_key_pem(other.public_key()))
    assert engine.post("/engine/deploy", json={"bundle": document}).status_code == 200


def test_a_trend_logs_samples_are_served_and_other_nodes_are_404(engine, signed):
    from bms_service.testing import wait_for
    from supervisor_engine.testing import GraphBuilder

    g = GraphBuilder(flow="plant", period_ms=100)
    g.node("io.constant", "k", value=21.5)
    g.node("alarm.trend-log", "k_log", mode="cov", capacity=50)
    g.wire("k", "value", "k_log", "in")
    assert engine.post("/engine/deploy", json={"bundle": signed(g)}).status_code == 200
    body = wait_for(
        lambda: (r := engine.get("/engine/trends/plant/k_log").json())["samples"] and r,
        10,
        "the first sample",
    )
    assert (body["label"], body["capacity"]) == ("k_log", 50)
    _at, value, quality = body["samples"][0]
    assert (value, quality) == (21.5, "ok")
    for path in ("/engine/trends/plant/k", "/engine/trends/plant/nope", "/engine/trends/x/k_log"):
        missing = engine.get(path)
        assert (missing.status_code, missing.json()["code"]) == (404, "unknown_node")
