"""The CLI: client commands against a running service, and ``simulate`` from a YAML file."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bms_service.testing import wait_for
from iot_supervisor.cli import cli
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle

AV = "1001/analog-value,2/present-value"


def test_write_read_release(service: ServiceHandle, simulator: SimHandle) -> None:
    runner = CliRunner()
    auth = ["--url", service.base_url, "--token", "test-token-0123456789"]
    default = simulator.present_value(1001, "analog-value,2")

    result = runner.invoke(cli, ["write", AV, "19.5", "--priority", "8", *auth])
    assert result.exit_code == 0, result.output
    assert simulator.present_value(1001, "analog-value,2") == 19.5

    result = runner.invoke(cli, ["read", AV, "1001/analog-input,1", *auth])
    assert result.exit_code == 0, result.output
    assert "19.5" in result.output
    assert "°C" in result.output

    result = runner.invoke(cli, ["release", AV, "--priority", "8", *auth])
    assert result.exit_code == 0, result.output
    assert simulator.present_value(1001, "analog-value,2") == default

    result = runner.invoke(cli, ["write", AV, "19.5", "--priority", "0", *auth])
    assert result.exit_code == 1
    assert "priority" in result.output


def test_read_prints_a_priority_array_whole(service: ServiceHandle, simulator: SimHandle) -> None:
    runner = CliRunner()
    auth = ["--url", service.base_url, "--token", "test-token-0123456789"]
    assert runner.invoke(cli, ["write", AV, "18.5", "--priority", "8", *auth]).exit_code == 0
    result = runner.invoke(cli, ["read", "1001/analog-value,2/priority-array", *auth])
    assert result.exit_code == 0, result.output
    slots = ["null"] * 16
    slots[7] = "18.5"
    # Once lost as rich markup: '[null, ...]' looked like a style tag.
    assert f"1001/analog-value,2/priority-array = [{', '.join(slots)}]" in result.output
    assert "array of 16" in result.output
    assert runner.invoke(cli, ["release", AV, "--priority", "8", *auth]).exit_code == 0


YAML = """
tickS: 0.2
devices:
  - instance: 2001
    address: {ip}2/8:{port}
    name: AHU-YAML
    objects:
      - {{type: analog-input, instance: 1, name: SupplyTemp, value: 16.5, units: degrees-celsius,
         covIncrement: 0.2, script: {{kind: sine, amplitude: 2.0, periodS: 4}}}}
      - {{type: multi-state-value, instance: 1, name: Mode, value: 2,
         stateTexts: ['Off', Heat, Cool], commandable: true}}
      - {{type: binary-output, instance: 1, name: Fan, value: active}}
"""


@pytest.fixture
def simulate_process(plan: NetPlan, tmp_path: Path) -> Any:
    config = tmp_path / "sim.yaml"
    config.write_text(YAML.format(ip=plan.ip_prefix, port=plan.device_port))
    log = tmp_path / "sim.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "iot_supervisor", "simulate", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        process.log = log  # type: ignore[attr-defined]
        yield process
        process.terminate()
        process.wait(10)


def test_simulate_serves_a_yaml_file_to_unicast_discovery(
    simulate_process: Any, plan: NetPlan, service_factory: Any
) -> None:
    service: ServiceHandle = service_factory(
        discovery_mode="unicast", targets=[f"{plan.ip_prefix}2:{plan.device_port}"]
    )

    def discovered() -> list[Any]:
        assert simulate_process.poll() is None, simulate_process.log.read_text()
        return service.http.post("/discover", json={}).json()["devices"]

    [device] = wait_for(discovered, 20, "the simulate subprocess to answer Who-Is")
    assert device["name"] == "AHU-YAML"
    points = service.http.get("/devices/2001/points").json()
    assert {p["name"] for p in points} == {"SupplyTemp", "Mode", "Fan"}

    refs = ["2001/analog-input,1", "2001/multi-state-value,1", "2001/binary-output,1"]
    results = service.http.post("/points/read", json={"points": refs}).json()["results"]
    assert 14.0 <= results[0]["value"]["value"] <= 19.0
    assert results[1]["value"]["value"] == 2
    assert results[2]["value"]["value"] is True
    # The sine script moves the value: two reads a moment apart differ.
    first = results[0]["value"]["value"]
    wait_for(
        lambda: (
            service.http.post("/points/read", json={"points": refs[:1]}).json()["results"][0][
                "value"
            ]["value"]
            != first
        ),
        5,
        "the scripted value to change",
    )


def test_simulate_in_the_background_stops_cleanly_on_sigint_and_sigterm(
    plan: NetPlan, tmp_path: Path
) -> None:
    # Two simulators at once (on two ports), one for each signal: the start-up is the slow part.
    runs = []
    for n, signum in enumerate((signal.SIGINT, signal.SIGTERM)):
        config = tmp_path / f"sim-{n}.yaml"
        config.write_text(YAML.format(ip=plan.ip_prefix, port=plan.device_port + 4 + n))
        log = tmp_path / f"sim-{n}.log"
        with log.open("wb") as out:
            # A shell starts a background job (`cmd &`) with SIGINT ignored; so does this.
            process = subprocess.Popen(
                [sys.executable, "-m", "iot_supervisor", "simulate", str(config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
            )
        runs.append((signum, process, log))
    try:
        for _, process, log in runs:
            wait_for(
                lambda p=process, log=log: "2001" in log.read_text() or p.poll() is not None,
                30,
                "the simulator's table",
            )
            assert process.poll() is None, log.read_text()
        for signum, process, _ in runs:
            process.send_signal(signum)
        for signum, process, log in runs:
            assert process.wait(10) == 0, (signum, log.read_text())
            assert "simulator stopped" in log.read_text()
    finally:
        for _, process, _ in runs:
            if process.poll() is None:
                process.kill()
                process.wait(5)
