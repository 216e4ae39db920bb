"""The demo project's graph: valid, complete, and a bundle the engine compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bms_schemas import Graph, PointRef, TagFile
from bms_schemas.templates import Equipment, TaggedPoint
from bms_stack.demo_ahu import FAN_ALARM_LABEL, FAN_COMPOSITE, SUPPLY_AIR_COMPOSITE
from bms_stack.demo_layout import BLOCK_WIDTH, block_height, port_rows
from bms_stack.demo_project import (
    AHU_FLOW,
    ALL_DAYS,
    DEMO_POINTS,
    FLOW_IDS,
    ZONE_COMPOSITE,
    ZONES_FLOW,
    demo_graph,
    demo_points,
    zone_template,
)
from iot_supervisor.simulator import SimulatorConfig
from supervisor_engine import (
    apply_template,
    compile_bundle,
    default_registry,
    flatten_graph,
    tag_points,
    validate_graph,
)
from supervisor_engine.testing import make_bundle


def flat_types(graph: Graph) -> list[str]:
    """Block types as the engine runs the graph (the zones' inside their composites)."""
    return [n.type for n in flatten_graph(graph, default_registry()).graph.nodes]


def test_the_demo_graph_validates_and_compiles() -> None:
    graph = demo_graph()
    assert validate_graph(graph, default_registry()) == []
    program = compile_bundle(make_bundle(graph), default_registry())
    assert set(program.flows) == set(FLOW_IDS)
    signals = DEMO_POINTS.signals()
    commands = {s for s in signals if s.split(".")[1] in _COMMANDS}
    exchanged = set(DEMO_POINTS.exchanged())
    assert set(program.points_written) == {signals[s] for s in commands} | exchanged
    # A point written is read back only where the flows exchange a value through it.
    assert program.points_read & set(program.points_written) == exchanged


_COMMANDS = {"fan_cmd", "cooling_valve", "heating_valve", "oa_damper", "damper", "reheat"}


def test_the_demo_has_every_part_the_issue_asks_for() -> None:
    graph = demo_graph()
    # One zone composite, applied to each VAV box: one instance per zone; the air handler's
    # fan and supply air, one instance each.
    assert [d.name for d in graph.composites] == [
        FAN_COMPOSITE,
        SUPPLY_AIR_COMPOSITE,
        ZONE_COMPOSITE,
    ]
    assert sum(n.type.startswith(f"composite:{ZONE_COMPOSITE}@") for n in graph.nodes) == 4
    ahu = [n.type for n in graph.nodes if n.flow == AHU_FLOW]
    assert sum(t.startswith("composite:") for t in ahu) == 2
    # What the air handler's flow shows besides its two instances: its points, its operator
    # parameter, its schedule and what gathers the zones' values.
    assert set(ahu) - {t for t in ahu if t.startswith("composite:")} == {
        "io.point-input", "io.point-output", "io.parameter", "schedule.weekly", "select.min",
        "hvac.request-sum",
    }  # fmt: skip
    types = flat_types(graph)
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
    assert flat_types(graph).count("alarm.trend-log") == 6
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
    flow = program.flows["zones"]
    wall = datetime(2026, 1, 5, 10, tzinfo=UTC)
    zones = [z.temp for z in DEMO_POINTS.zones]
    for t in range(1, 40):
        wall += timedelta(seconds=1)
        temps = {ref: 33.0 if ref == zones[0] else 22.0 for ref in zones}
        snapshot = {ref: PointValue(value=v, timestamp=wall) for ref, v in temps.items()}
        flow.tick(float(t), wall, 1.0, snapshot)
        if t == 29:
            assert flow.output("zone_vav_1__comfort_alarm", "active")[0] is False  # its delay
    assert flow.output("zone_vav_1__comfort_alarm", "active")[0] is True
    assert flow.output("zone_vav_1__comfort_alarm", "state")[0] == 2  # high
    assert flow.output("zone_vav_2__comfort_alarm", "active")[0] is False
    # The alarm names its zone, as the operator knows it.
    flat = flatten_graph(demo_graph(), default_registry()).graph
    [alarm] = [n for n in flat.nodes if n.id == "zone_vav_1__comfort_alarm"]
    assert str(alarm.params["message"]).startswith("Zone 1 at {value:.1f} {unit}")


def test_the_demo_is_the_zone_template_applied_by_the_tag_file_to_the_simulated_boxes() -> None:
    """The demo's VAV boxes, tagged by ``examples/vav-20-tags.yaml``, bind the zone template
    exactly as the demo's own naming rules do: one complete instance per box."""
    examples = Path(__file__).parents[2] / "iot-supervisor-app" / "examples"
    tags = TagFile.model_validate(yaml.safe_load((examples / "vav-20-tags.yaml").read_text()))
    config = SimulatorConfig.load(examples / "demo-building.yaml")
    boxes = [
        Equipment(
            id=str(d.instance),
            name=d.name,
            points=tuple(
                tag_points(
                    [
                        TaggedPoint(
                            point=f"{d.instance}/{o.type},{o.instance}/present-value",
                            name=o.name,
                            object_type=o.type,
                        )
                        for o in d.objects
                    ],
                    tags,
                )
            ),
        )
        for d in config.devices
        if d.name.startswith("VAV-")
    ]
    graph = demo_graph()
    again, preview = apply_template(graph, zone_template(), boxes)
    assert preview.instantiated == len(DEMO_POINTS.zones) == 4
    assert preview.unresolved == preview.ambiguous == 0
    # The file binds the points the demo was made with; re-applying would only undo what the
    # demo sets per instance after applying: each zone's alarm text and its outputs' deadband.
    assert {c.change for c in preview.changes} == {"changed"}
    assert {c.detail.split(" ")[0] for c in preview.changes} == {"alarmMessage", "deadband"}
    assert {n.id for n in again.nodes} == {n.id for n in graph.nodes}
    # A box without its request point is reported, not silently left out.
    broken = boxes[0].model_copy(
        update={"points": tuple(p for p in boxes[0].points if p.name != "CoolingRequests")}
    )
    _, partial = apply_template(graph, zone_template(), [broken, *boxes[1:]])
    assert partial.instantiated == 3
    assert partial.unresolved == 1


@pytest.mark.parametrize("points", [DEMO_POINTS, demo_points(zones=16, modbus_vfd=9002)])
def test_every_flow_is_laid_out_left_to_right_with_no_two_blocks_overlapping(
    points: object,
) -> None:
    assert isinstance(points, type(DEMO_POINTS))
    graph = demo_graph(points)
    rows = port_rows(graph)
    assert set(graph.layout) == {n.id for n in graph.nodes}
    for flow in FLOW_IDS:
        boxes = [
            (n.id, graph.layout[n.id].x, graph.layout[n.id].y, block_height(rows[n.id]))
            for n in graph.nodes
            if n.flow == flow
        ]
        for i, (a, ax, ay, ah) in enumerate(boxes):
            for b, bx, by, bh in boxes[i + 1 :]:
                apart = ax + BLOCK_WIDTH <= bx or bx + BLOCK_WIDTH <= ax
                assert apart or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}"
    at = graph.layout
    flow_of = {n.id: n.flow for n in graph.nodes}
    # The air handler's wires run left to right, but for the fan's proof and run feeding the
    # supply air below it and the VFD section below both.
    ahu = [e for e in graph.edges if flow_of[e.source] == AHU_FLOW]
    backwards = {e.source for e in ahu if at[e.source].x >= at[e.target].x}
    assert backwards <= {"fan"}
    # Each zone reads down from the values the zones share, its temperature just above it, its
    # commands just to its right.
    for e in (e for e in graph.edges if flow_of[e.source] == ZONES_FLOW):
        source, target = at[e.source], at[e.target]
        if e.target_port in ("value",):  # into a command
            assert target.x > source.x, e.key
            assert abs(target.y - source.y) < 300, e.key
        else:
            assert target.y > source.y, e.key


# The canvas of the Designer's editor at 1440x900 with its panels open (demo.spec.ts measures
# it, and the blocks as drawn: 910x764), less the 32 px the editor keeps around a flow it fits.
CANVAS_AT_1440X900 = (910.0 - 64, 764.0 - 64)


@pytest.mark.parametrize("modbus_vfd", [None, 9002])
def test_each_flow_of_the_demo_fits_the_editor_at_100_percent_on_a_1440x900_screen(
    modbus_vfd: int | None,
) -> None:
    graph = demo_graph(demo_points(modbus_vfd=modbus_vfd))
    rows = port_rows(graph)
    for flow in FLOW_IDS:
        ids = [n.id for n in graph.nodes if n.flow == flow]
        left = min(graph.layout[i].x for i in ids)
        top = min(graph.layout[i].y for i in ids)
        width = max(graph.layout[i].x for i in ids) + BLOCK_WIDTH - left
        height = max(graph.layout[i].y + block_height(rows[i]) for i in ids) - top
        print(f"\n{flow}: {len(ids)} blocks, {width:.0f}x{height:.0f} px at 100 %")
        assert width <= CANVAS_AT_1440X900[0]
        assert height <= CANVAS_AT_1440X900[1]


def test_the_fan_alarm_keeps_its_text_inside_its_composite() -> None:
    """Operators know the fan's alarm by the label its text names, as before the composite."""
    flat = flatten_graph(demo_graph(), default_registry()).graph
    [alarm] = [n for n in flat.nodes if n.type == "alarm.bool"]
    assert (alarm.id, alarm.label) == ("fan__alarm", FAN_ALARM_LABEL)
