"""Settings reach the services: a settings file per service and the BMS_* environment.

The pure part checks the precedence; the real part starts the IoT service of two
stacks side by side (as ``bms-stack up`` would, from ``service_specs``), each on
the BACnet address its settings give, each finding its own simulated building.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bms_service.testing import free_port
from bms_stack.services import Running, spawn, stop
from bms_stack.stack import Stack, StackConfig, load_settings, service_specs
from supervisor_engine.testing import NetPlan

SIMULATOR = """
devices:
  - instance: {instance}
    address: {ip}2/8:{port}
    name: Stack-{instance}
    objects:
      - {{type: analog-input, instance: 1, name: Temp, value: 20.5, units: degrees-celsius}}
"""


def _config(tmp: Path, name: str, **extra: object) -> StackConfig:
    simulator = tmp / f"{name}.yaml"
    simulator.write_text(SIMULATOR.format(instance=3001, ip="127.0.230.", port=47960))
    return StackConfig(data_dir=tmp / name, simulator=simulator, **extra)  # type: ignore[arg-type]


def test_file_over_environment_over_defaults_and_the_wiring_over_all(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        "iot:\n  bacnet_address: 127.0.231.1/8:47961\n  targets: ['127.0.231.2:47960']\n"
        "  http_port: 1\n  cov_confirmed: true\n"
        "engine:\n  state_save_interval_s: 5\n"
    )
    config = _config(
        tmp_path,
        "a",
        iot_port=18080,
        settings=load_settings(settings),
        environ={
            "BMS_IOT_DISCOVERY_MODE": "directed-broadcast",
            "BMS_IOT_BACNET_ADDRESS": "127.0.0.9/8:47809",
            "BMS_ENGINE_BACKOFF_MAX_S": "10",
            "BMS_DESIGNER_HOST": "127.0.0.1",
        },
    )
    iot, engine, designer = service_specs(config)
    assert iot.env["BMS_IOT_BACNET_ADDRESS"] == "127.0.231.1/8:47961"  # file over environment
    assert json.loads(iot.env["BMS_IOT_TARGETS"]) == ["127.0.231.2:47960"]
    assert iot.env["BMS_IOT_COV_CONFIRMED"] == "true"
    assert iot.env["BMS_IOT_DISCOVERY_MODE"] == "directed-broadcast"  # environment over default
    assert iot.env["BMS_IOT_DISCOVER_ON_START"] == "true"  # the stack's default
    assert iot.env["BMS_IOT_HTTP_PORT"] == "18080"  # the wiring wins
    assert not any(k.startswith(("BMS_ENGINE_", "BMS_DESIGNER_")) for k in iot.env)
    assert engine.env["BMS_ENGINE_STATE_SAVE_INTERVAL_S"] == "5"
    assert engine.env["BMS_ENGINE_BACKOFF_MAX_S"] == "10"
    assert designer.env["BMS_DESIGNER_HOST"] == "127.0.0.1"


def test_a_settings_file_with_an_unknown_service_is_refused(tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("iot-service:\n  bacnet_address: 127.0.0.1\n")
    with pytest.raises(ValueError, match="unknown services"):
        load_settings(settings)


STACK_PLANS = (NetPlan.allocate(), NetPlan.allocate())
"""Each stack's own 127.A.B. block; both use the first plan's ports (the second's stay unused)."""
STACK_PORT = STACK_PLANS[0].device_port


@pytest.fixture
def two_iot_services(tmp_path: Path) -> Iterator[list[tuple[StackConfig, Running]]]:
    started: list[tuple[StackConfig, Running]] = []
    try:
        for n in range(2):
            ip = STACK_PLANS[n].ip_prefix
            simulator = tmp_path / f"building-{n}.yaml"
            simulator.write_text(SIMULATOR.format(instance=3001 + n, ip=ip, port=STACK_PORT))
            config = StackConfig(
                data_dir=tmp_path / f"stack-{n}",
                simulator=simulator,
                iot_port=free_port(),
                # The same BACnet port for both, on each stack's own address.
                settings={"iot": {"bacnet_address": f"{ip}1/8:{STACK_PORT + 1}"}},
            )
            spec = service_specs(config)[0]
            process = spawn(spec)
            started.append((config, Running(spec, process, 0.0)))
        for config, running in started:
            Stack(config, [running.spec]).wait_ready(running.spec, running.process)
        yield started
    finally:
        for _, running in started:
            stop(running.process)


def test_two_stacks_run_side_by_side_on_their_own_bacnet_addresses(
    two_iot_services: list[tuple[StackConfig, Running]],
) -> None:
    for n, (config, _) in enumerate(two_iot_services):
        health = httpx.get(f"{config.iot_url}/health", timeout=5).json()
        assert health["bacnetAddress"] == f"{STACK_PLANS[n].ip_prefix}1:{STACK_PORT + 1}"
        token = (config.data_dir / "iot" / "token").read_text().strip()
        devices = httpx.get(
            f"{config.iot_url}/devices", headers={"authorization": f"Bearer {token}"}, timeout=5
        ).json()
        assert [(d["instance"], d["name"]) for d in devices] == [(3001 + n, f"Stack-{3001 + n}")]
