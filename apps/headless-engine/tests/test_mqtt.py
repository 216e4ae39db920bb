"""The engine's MQTT telemetry against a real Mosquitto: alarms, status and deployments."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from bms_telemetry.testing import Mosquitto, Recorder, mosquitto_binary
from fastapi.testclient import TestClient

from headless_engine.app import create_app
from headless_engine.settings import Settings
from supervisor_engine.testing import GraphBuilder

pytestmark = pytest.mark.skipif(
    mosquitto_binary() is None,
    reason="mosquitto is not installed (scripts/system-packages.sh installs it as root)",
)

ROOT = "bms/engine-site"
TOKEN = "engine-test-token"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    broker = Mosquitto(tmp_path / "mosquitto")
    yield broker
    broker.stop()


def test_alarm_status_and_deployment_events_arrive_on_the_documented_topics(
    broker: Mosquitto, settings: Settings, signed: Callable[..., dict[str, Any]]
) -> None:
    recorder = Recorder(broker, f"{ROOT}/#", client_id="engine-recorder")
    mqtt = {"host": broker.host, "port": broker.port, "site": "engine-site"}
    app = create_app(Settings(**{**settings.model_dump(), "token": TOKEN, "mqtt": mqtt}))
    try:
        with TestClient(app, headers={"authorization": f"Bearer {TOKEN}"}) as engine:
            g = GraphBuilder(flow="plant", period_ms=100)
            g.node("io.constant", "tripped", valueType="bool", value=True)
            g.node("alarm.bool", "filter_alarm")
            g.wire("tripped", "value", "filter_alarm", "in")
            response = engine.post("/engine/deploy", json={"bundle": signed(g, "2.0.0")})
            assert response.status_code == 200, response.text

            deployed = recorder.wait_for(
                lambda m: m.topic == f"{ROOT}/engine/deployments", 10, "the deployment"
            ).json()
            assert (deployed["event"], deployed["version"]) == ("deploy", "2.0.0")
            alarm = recorder.wait_for(
                lambda m: m.topic == f"{ROOT}/events/alarm", 10, "the alarm event"
            ).json()
            assert alarm["alarm"]["source"]["node"] == "filter_alarm"
            assert alarm["alarm"]["state"] == "active-unacked"
            status = recorder.wait_for(
                lambda m: m.topic == f"{ROOT}/engine/status" and m.json().get("version") == "2.0.0",
                10, "the retained engine status",
            ).json()  # fmt: skip
            assert status["state"] == "running"
            online = recorder.wait_for(lambda m: m.topic == f"{ROOT}/status/engine", 5, "online")
            assert online.payload == b"online"
        # A clean stop says so: the shutdown event, then 'offline' in place of the last will.
        recorder.wait_for(
            lambda m: m.topic == f"{ROOT}/engine/events" and m.json()["event"] == "shutdown",
            10, "the shutdown event",
        )  # fmt: skip
        recorder.wait_for(
            lambda m: m.topic == f"{ROOT}/status/engine" and m.payload == b"offline", 10, "offline"
        )
    finally:
        recorder.close()
