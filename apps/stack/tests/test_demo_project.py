"""The demo project's graph: valid, complete, and a bundle the engine compiles."""

from __future__ import annotations

import pytest

from bms_schemas import PointRef
from bms_stack.demo_project import ALL_DAYS, DEMO_POINTS, FLOW_ID, demo_graph, demo_points
from supervisor_engine import compile_bundle, default_registry, validate_graph
from supervisor_engine.testing import make_bundle


def test_the_demo_graph_validates_and_compiles() -> None:
    graph = demo_graph()
    assert validate_graph(graph, default_registry()) == []
    program = compile_bundle(make_bundle(graph), default_registry())
    assert set(program.flows) == {FLOW_ID}
    signals = DEMO_POINTS.signals()
    commands = {s for s in signals if s.split(".")[1] in _COMMANDS}
    assert set(program.points_written) == {signals[s] for s in commands}
    # Every point written is read back only where it is a measurement.
    assert program.points_read.isdisjoint(program.points_written)


_COMMANDS = {"fan_cmd", "cooling_valve", "heating_valve", "oa_damper", "damper", "reheat"}


def test_the_demo_has_every_part_the_issue_asks_for() -> None:
    types = [n.type for n in demo_graph().nodes]
    assert types.count("schedule.weekly") == 1
    assert types.count("control.pid") == 2 * 4 + 1  # heating and cooling per zone, supply air
    for required in (
        "hvac.trim-respond", "hvac.request-sum", "hvac.economizer-enable", "control.proof",
        "alarm.bool",
    ):  # fmt: skip
        assert required in types
    assert types.count("alarm.trend-log") == 4


def test_points_are_canonical_references() -> None:
    for ref in DEMO_POINTS.signals().values():
        assert str(PointRef.parse(ref)) == ref
    assert DEMO_POINTS.zones[0].temp == "2101/analog-input,1/present-value"
    assert DEMO_POINTS.fan_cmd == "2001/binary-output,1/present-value"


def test_other_layouts() -> None:
    points = demo_points(ahu_device=10, first_vav_device=20, zones=6)
    graph = demo_graph(points)
    assert validate_graph(graph, default_registry()) == []
    assert sum(n.type == "alarm.trend-log" for n in graph.nodes) == 6
    with pytest.raises(ValueError, match="2 to 16 zones"):
        demo_graph(demo_points(zones=1))


def test_schedule_options() -> None:
    registry = default_registry()
    always = demo_graph(always_occupied=True)
    assert validate_graph(always, registry) == []
    [schedule] = [n for n in always.nodes if n.type == "schedule.weekly"]
    assert schedule.params["default"] is True
    assert schedule.params["week"] == {}
    local = demo_graph(days=ALL_DAYS, occupied_from="06:30", timezone="Europe/Paris")
    assert validate_graph(local, registry) == []
    [schedule] = [n for n in local.nodes if n.type == "schedule.weekly"]
    assert schedule.params["week"]["sunday"][0] == {"time": "06:30", "value": True}
    with pytest.raises(ValueError, match="unknown days"):
        demo_graph(days=("funday",))


def test_with_the_modbus_vfd_the_demo_commands_its_speed_and_reads_its_feedback() -> None:
    points = demo_points(modbus_vfd=9002)
    graph = demo_graph(points)
    assert validate_graph(graph, default_registry()) == []
    program = compile_bundle(make_bundle(graph), default_registry())
    assert "modbus:9002/holding-register,0/present-value" in program.points_written
    assert "modbus:9002/input-register,0/present-value" in program.points_read
    # Without it, the demo is the BACnet building alone, as before.
    assert not any(p.startswith("modbus:") for p in compile_bundle(
        make_bundle(demo_graph()), default_registry()
    ).points_read)  # fmt: skip


def test_a_zone_pushed_out_of_range_raises_its_comfort_alarm_after_30_s() -> None:
    from datetime import UTC, datetime, timedelta

    from bms_schemas import PointValue

    program = compile_bundle(make_bundle(demo_graph()), default_registry())
    flow = program.flows[FLOW_ID]
    wall = datetime(2026, 1, 5, 10, tzinfo=UTC)
    zones = [z.temp for z in DEMO_POINTS.zones]
    for t in range(1, 40):
        wall += timedelta(seconds=1)
        temps = {ref: 33.0 if ref == zones[0] else 22.0 for ref in zones}
        snapshot = {ref: PointValue(value=v, timestamp=wall) for ref, v in temps.items()}
        flow.tick(float(t), wall, 1.0, snapshot)
        if t == 29:
            assert flow.output("z1_comfort_alarm", "active")[0] is False  # still in its delay
    assert flow.output("z1_comfort_alarm", "active")[0] is True
    assert flow.output("z1_comfort_alarm", "state")[0] == 2  # high
    assert flow.output("z2_comfort_alarm", "active")[0] is False
