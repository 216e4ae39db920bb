"""``/engine/reload`` and what survives an engine restart (the real app, its store on a temp dir)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bms_service.testing import wait_for
from headless_engine.app import create_app
from headless_engine.settings import Settings

from .conftest import TOKEN


def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), headers={"authorization": f"Bearer {TOKEN}"})


def test_reload_without_a_bundle_is_a_conflict(engine):
    response = engine.post("/engine/reload")
    assert response.status_code == 409
    assert response.json()["code"] == "no_active_bundle"


def test_reload_loads_the_active_bundle_again_keeping_state_and_is_recorded(engine, signed):
    deployed = engine.post("/engine/deploy", json={"bundle": signed(version="1.2.0")}).json()
    response = engine.post("/engine/reload", headers={"x-caller": "ops:alice"})
    assert response.status_code == 200, response.text
    reloaded = response.json()
    assert (reloaded["version"], reloaded["hash"], reloaded["status"]) == (
        "1.2.0", deployed["hash"], "running",
    )  # fmt: skip
    assert reloaded["restoredNodes"] > 0  # the PID's integral and the input's staleness
    [entry] = [e for e in engine.get("/engine/deployments").json()["entries"]
               if e["action"] == "reload"]  # fmt: skip
    assert (entry["version"], entry["outcome"], entry["by"]) == ("1.2.0", "active", "ops:alice")


def test_reload_of_a_bundle_corrupt_on_disk_is_refused_and_the_version_keeps_running(
    engine, signed, settings
):
    engine.post("/engine/deploy", json={"bundle": signed(version="1.3.0")})
    (Path(settings.state_dir) / "bundles" / "1.3.0.json").write_text('{"version": "1.3.0", "gr')
    response = engine.post("/engine/reload")
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "corrupt_bundle"
    assert "1.3.0" in body["message"]
    assert "1.3.0.json" in body["message"]
    status = engine.get("/engine/status").json()
    assert (status["version"], status["state"]) == ("1.3.0", "running")


def test_last_run_is_restored_after_a_restart(settings, signed):
    with client(settings) as first:
        first.post("/engine/deploy", json={"bundle": signed()})

        def last_run() -> str | None:
            flows = first.get("/engine/status").json()["flows"]
            return flows[0]["lastRun"] if flows else None

        wait_for(last_run, 20, "a first tick")
        first.post("/engine/stop")  # stopped: no tick after the restart moves lastRun on
        before = last_run()
    assert before is not None
    with client(settings) as second:
        status = second.get("/engine/status").json()
        assert status["state"] == "stopped"
        assert status["flows"][0]["lastRun"] == before
