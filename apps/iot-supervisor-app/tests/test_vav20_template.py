"""The VAV zone template applied by tags to the simulated 20-VAV building, discovered over BACnet/IP.

Devices come from real discovery (the simulator on loopback, the service's
/devices answers), tags from the tag file's naming rules, and the result is
validated and compiled by the engine library.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from bms_schemas import TagFile
from bms_schemas.iot import DeviceDetail
from bms_schemas.templates import BindingStatus
from iot_supervisor.simulator import SimulatorConfig
from iot_supervisor.testing import NetPlan, ServiceHandle, SimHandle, loopback_settings
from supervisor_engine import (
    apply_template,
    compile_graph,
    default_registry,
    equipment_from_device,
    tag_points,
    validate_graph,
)
from supervisor_engine.equipment import vav_zone_composite, vav_zone_template
from supervisor_engine.testing import GraphBuilder

EXAMPLES = Path(__file__).parents[1] / "examples"
TOKEN = "test-token-0123456789"
PLAN = NetPlan.allocate()  # the file's devices, moved onto this run's addresses


def building_config() -> SimulatorConfig:
    """The 20-VAV file, plus VAV-21 whose damper command object is missing."""
    data: dict[str, Any] = SimulatorConfig.load(EXAMPLES / "vav-20-building.yaml").model_dump(
        by_alias=True
    )
    broken = dict(data["devices"][1])
    broken |= {
        "instance": 3121,
        "name": "VAV-21",
        "address": "127.0.217.30/8:47808",
        "objects": [o for o in broken["objects"] if o["name"] != "DamperCmd"],
    }
    data["devices"] = [*data["devices"], broken]
    for device in data["devices"]:
        device["address"] = PLAN.move(device["address"])
    return SimulatorConfig.model_validate(data)


def setpoint_flow() -> GraphBuilder:
    g = GraphBuilder(flow="zones", period_ms=1000)
    g.node("io.parameter", "heat_sp", value=21.5, min=15.0, max=30.0, unit="degC")
    g.node("io.parameter", "cool_sp", value=22.5, min=15.0, max=30.0, unit="degC")
    return g


def test_the_zone_template_binds_every_vav_of_the_simulated_building(tmp_path: Path) -> None:
    assert all(
        d.address.startswith("127.0.217.")
        for d in SimulatorConfig.load(EXAMPLES / "vav-20-building.yaml").devices
    )
    assert all(d.address.startswith(PLAN.ip_prefix) for d in building_config().devices)
    tags = TagFile.model_validate(yaml.safe_load((EXAMPLES / "vav-20-tags.yaml").read_text()))
    simulator = SimHandle(building_config())
    try:
        service = ServiceHandle(loopback_settings(PLAN, tmp_path / "data", TOKEN), TOKEN)
        try:
            found = service.http.post("/discover", json={"describe": True})
            assert found.status_code == 200, found.text
            devices = [
                DeviceDetail.model_validate(service.http.get(f"/devices/{d['instance']}").json())
                for d in found.json()["devices"]
            ]
        finally:
            service.close()
    finally:
        simulator.close()
    assert len(devices) == 22

    started = time.perf_counter()
    equipment = [
        equipment_from_device(d).model_copy(
            update={"points": tuple(tag_points(equipment_from_device(d).points, tags))}
        )
        for d in devices
        if (d.device.name or "").startswith("VAV-")
    ]
    graph = setpoint_flow().build().model_copy(update={"composites": (vav_zone_composite(),)})
    applied, preview = apply_template(graph, vav_zone_template("zones"), equipment)
    issues = validate_graph(applied, default_registry())
    program = compile_graph(applied, default_registry())
    elapsed = time.perf_counter() - started

    complete = [i for i in preview.instances if i.complete]
    print(
        f"\n20-VAV template: {len(equipment)} devices, {preview.instantiated} instances, "
        f"{sum(b.status is BindingStatus.BOUND for i in complete for b in i.bindings)} points "
        f"bound, {preview.unresolved} unresolved, {preview.ambiguous} ambiguous; "
        f"{len(program.flows['zones'].nodes)} flat blocks; tag+apply+validate+compile "
        f"{elapsed * 1000:.0f} ms"
    )
    assert issues == []
    assert preview.instantiated == 20
    assert len(complete) == 20
    assert all(b.status is BindingStatus.BOUND for i in complete for b in i.bindings)
    assert {i.instance for i in complete} == {f"zone_vav_{k:02d}" for k in range(1, 21)}
    # The device with a missing point is reported, not silently skipped.
    [missing] = [i for i in preview.instances if not i.complete]
    assert missing.equipment_name == "VAV-21"
    assert [(b.port, b.status) for b in missing.bindings if b.status != BindingStatus.BOUND] == [
        ("damper", BindingStatus.UNRESOLVED)
    ]
    assert preview.unresolved == 1
    # Each instance commands its own box's damper and reheat valve.
    commands = program.points_written
    assert "3107/analog-output,1/present-value" in commands
    assert len(commands) == 40


def test_the_zone_library_file_fits_the_zone_template() -> None:
    """examples/vav-zone-library.json (imported by the browser test) has the zone's ports.

    It was written from ``CompositeLibrary(composites=(vav_zone_composite(),))``; its tuning may
    lag the library's, its ports may not.
    """
    from bms_schemas import CompositeLibrary

    [stored] = CompositeLibrary.model_validate_json(
        (EXAMPLES / "vav-zone-library.json").read_text()
    ).composites
    current = vav_zone_composite()
    assert (stored.name, stored.version) == (current.name, current.version)
    assert [p.name for p in stored.inputs] == [p.name for p in current.inputs]
    assert [p.name for p in stored.outputs] == [p.name for p in current.outputs]
    graph = setpoint_flow().build().model_copy(update={"composites": (stored,)})
    applied, _ = apply_template(graph, vav_zone_template("zones"), [])
    assert validate_graph(applied, default_registry()) == []
