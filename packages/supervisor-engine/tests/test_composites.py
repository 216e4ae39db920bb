"""Composite blocks: flattening, types across the boundary, instance paths, pinned versions."""

from __future__ import annotations

import math
import struct

import pytest

from bms_schemas import CompositeDefinition, Graph, IssueCode, composite_type
from supervisor_engine import (
    CompositeError,
    InputTrace,
    compile_graph,
    default_registry,
    definition_hash,
    extract_composite,
    flatten_graph,
    pin_issues,
    simulate,
    validate_bundle,
    validate_graph,
)
from supervisor_engine.testing import GraphBuilder, make_bundle

REGISTRY = default_registry()
TEMP = "1/analog-input,{}"
DAMPER = "1/analog-output,{}"


def zone_definition(version: int = 1, *, kp_max: float = 100.0, pid_ti: float = 120.0) -> dict:
    """A cooling zone: PID from temperature and setpoint, damper limited to [min, 100] %."""
    return {
        "name": "zone",
        "version": version,
        "title": "Cooling zone",
        "inputs": [
            {
                "name": "temp",
                "type": {"type": "number", "unit": "degC"},
                "targets": [{"node": "pid", "port": "pv"}],
            },
            {
                "name": "setpoint",
                "type": {"type": "number", "unit": "degC"},
                "required": False,
                "default": 22.5,
                "targets": [{"node": "pid", "port": "setpoint"}],
            },
        ],
        "outputs": [
            {
                "name": "damper",
                "type": {"type": "number", "unit": "%"},
                "source": {"node": "lim", "port": "out"},
            }
        ],
        "params": [
            {
                "name": "kp",
                "type": "number",
                "unit": "%/K",
                "default": 20.0,
                "minimum": 0.1,
                "maximum": kp_max,
                "targets": [{"node": "pid", "param": "kp"}],
            },
            {
                "name": "damperMin",
                "type": "number",
                "unit": "%",
                "default": 20.0,
                "minimum": 0,
                "maximum": 100,
                "targets": [{"node": "lim", "param": "min"}],
            },
        ],
        "nodes": [
            {"id": "pid", "type": "control.pid", "params": {"action": "direct", "tiS": pid_ti}},
            {"id": "lim", "type": "math.limiter", "params": {"max": 100.0}},
        ],
        "edges": [{"source": "pid", "sourcePort": "out", "target": "lim", "targetPort": "in"}],
    }


def with_composites(graph: Graph, *definitions: dict) -> Graph:
    return graph.model_copy(
        update={"composites": tuple(CompositeDefinition.model_validate(d) for d in definitions)}
    )


def composite_building(zones: int = 3) -> Graph:
    """``zones`` instances of the zone composite, each between a sensor and a damper."""
    g = GraphBuilder(period_ms=1000)
    for i in range(1, zones + 1):
        t = g.node("io.point-input", f"t_{i}", point=TEMP.format(i))
        z = g.node(composite_type("zone", 1), f"zone_{i}", kp=10.0 + i, damperMin=15.0)
        d = g.node("io.point-output", f"d_{i}", point=DAMPER.format(i), priority=10)
        g.wire(t, "value", z, "temp").wire(z, "damper", d, "value")
    return with_composites(g.build(), zone_definition())


def hand_drawn_building(zones: int = 3) -> Graph:
    """The same logic drawn block by block, as an engineer would without composites."""
    g = GraphBuilder(period_ms=1000)
    for i in range(1, zones + 1):
        t = g.node("io.point-input", f"t_{i}", point=TEMP.format(i))
        pid = g.node("control.pid", f"zone_{i}__pid", action="direct", tiS=120.0, kp=10.0 + i)
        lim = g.node("math.limiter", f"zone_{i}__lim", max=100.0, min=15.0)
        sp = g.node("io.constant", f"zone_{i}__in_setpoint", value=22.5, valueType="number")
        d = g.node("io.point-output", f"d_{i}", point=DAMPER.format(i), priority=10)
        g.wire(t, "value", pid, "pv").wire(pid, "out", lim, "in").wire(lim, "out", d, "value")
        g.wire(sp, "value", pid, "setpoint")
    return g.build()


def _canonical(graph: Graph) -> tuple[list[str], list[str]]:
    nodes = sorted(n.model_dump_json() for n in graph.nodes)
    edges = sorted(e.key for e in graph.edges)
    return nodes, edges


def test_a_composite_flattens_to_the_hand_drawn_graph():
    flat = flatten_graph(composite_building(), REGISTRY)
    assert flat.issues == []
    assert _canonical(flat.graph) == _canonical(hand_drawn_building())
    assert flat.origins["zone_2__pid"] == ("zone_2", "pid")
    assert flat.graph.composites == ()


def _bits(value: object) -> object:
    return struct.pack("<d", value) if isinstance(value, float) else value


def test_composite_and_hand_drawn_give_bit_identical_outputs_over_a_trace():
    samples = []
    for k in range(0, 1800, 7):  # 30 min of zone temperatures wandering around the setpoint
        for i in (1, 2, 3):
            samples.append((float(k), f"1/analog-input,{i}/present-value",
                            22.5 + 1.5 * math.sin(k / (200.0 + 50 * i)) + 0.01 * i))  # fmt: skip
    trace = InputTrace(tuple(samples))
    drawn = simulate(make_bundle(hand_drawn_building()), REGISTRY, trace, 1800.0)
    composed = simulate(make_bundle(composite_building()), REGISTRY, trace, 1800.0)
    assert drawn.columns == composed.columns
    assert len(composed.rows) == 1801
    assert [[_bits(v) for v in row] for row in composed.rows] == [
        [_bits(v) for v in row] for row in drawn.rows
    ]
    assert len({row[1] for row in composed.rows}) > 100, "the damper really moves"


def test_a_bundle_holds_the_flat_graph_and_pins_the_composite_version():
    bundle = make_bundle(composite_building())
    assert validate_bundle(bundle, REGISTRY) == []
    assert bundle.graph.composites == ()
    assert not any(n.type.startswith("composite:") for n in bundle.graph.nodes)
    assert set(bundle.node_types) >= {"control.pid", "math.limiter"}
    pin = bundle.composites["zone"]
    assert pin.version == 1
    assert pin.hash == definition_hash(CompositeDefinition.model_validate(zone_definition()))


def test_a_type_error_at_the_boundary_names_the_instance():
    g = GraphBuilder(period_ms=1000)
    occ = g.node("io.point-input", "occ", point="1/binary-input,1", valueType="bool")
    z = g.node(composite_type("zone", 1), "zone_3")
    g.wire(occ, "value", z, "temp")
    [issue] = validate_graph(with_composites(g.build(), zone_definition()), REGISTRY)
    assert issue.code is IssueCode.PORT_TYPE_MISMATCH
    assert issue.node == "zone_3"
    assert issue.field == "temp"
    assert "bool cannot drive input number[degC]" in issue.message


def test_units_are_checked_between_composites():
    """A % output into a degC input is refused at the boundary, though both are plain numbers inside."""
    g = GraphBuilder(period_ms=1000)
    t = g.node("io.point-input", "t", point=TEMP.format(1))
    a = g.node(composite_type("zone", 1), "zone_1")
    b = g.node(composite_type("zone", 1), "zone_2")
    g.wire(t, "value", a, "temp").wire(a, "damper", b, "temp")
    [issue] = validate_graph(with_composites(g.build(), zone_definition()), REGISTRY)
    assert issue.code is IssueCode.PORT_TYPE_MISMATCH
    assert issue.node == "zone_2"
    assert "number[%] cannot drive input number[degC]" in issue.message


def test_an_error_inside_a_composite_names_the_instance_path():
    broken = zone_definition()
    broken["nodes"][0]["params"]["outMin"] = 200.0  # above outMax: invalid inside the composite
    g = GraphBuilder(period_ms=1000)
    t = g.node("io.point-input", "t", point=TEMP.format(3))
    z = g.node(composite_type("zone", 1), "zone_3")
    g.wire(t, "value", z, "temp")
    issues = validate_graph(with_composites(g.build(), broken), REGISTRY)
    # (the limiter after the refused PID is also reported unconnected, as in any flat graph)
    [issue] = [i for i in issues if i.code is IssueCode.INVALID_PARAMETER]
    assert issue.node == "zone_3"
    assert issue.path == "zone_3 > pid"
    assert "'zone_3 > pid'" in issue.message


def test_nested_composites_report_the_whole_path():
    floor = {
        "name": "floor",
        "version": 1,
        "title": "Floor of two zones",
        "inputs": [
            {
                "name": "temp",
                "type": {"type": "number", "unit": "degC"},
                "targets": [{"node": "zone_a", "port": "temp"}, {"node": "zone_b", "port": "temp"}],
            }
        ],
        "nodes": [
            {"id": "zone_a", "type": composite_type("zone", 1)},
            {"id": "zone_b", "type": composite_type("zone", 1), "params": {"kp": 500.0}},
        ],
    }
    g = GraphBuilder(period_ms=1000)
    t = g.node("io.point-input", "t", point=TEMP.format(1))
    f = g.node(composite_type("floor", 1), "floor_1")
    g.wire(t, "value", f, "temp")
    graph = with_composites(g.build(), zone_definition(), floor)
    [issue] = validate_graph(graph, REGISTRY)
    assert issue.code is IssueCode.INVALID_PARAMETER
    assert (issue.node, issue.path, issue.field) == ("floor_1", "floor_1 > zone_b", "params.kp")
    assert "500.0 %/K is above the maximum 100.0 %/K" in issue.message

    floor["nodes"][1]["params"] = {}
    program = compile_graph(with_composites(g.build(), zone_definition(), floor), REGISTRY)
    assert "floor_1__zone_b__pid" in {n.node_id for n in program.flows["main"].nodes}


def test_an_unwired_required_input_and_an_unknown_version_are_reported():
    g = GraphBuilder(period_ms=1000)
    g.node(composite_type("zone", 1), "zone_1")
    g.node(composite_type("zone", 7), "zone_2")
    issues = validate_graph(with_composites(g.build(), zone_definition()), REGISTRY)
    found = {(i.code, i.node) for i in issues}
    assert found == {
        (IssueCode.UNCONNECTED_INPUT, "zone_1"),
        (IssueCode.UNKNOWN_COMPOSITE, "zone_2"),
    }
    [unknown] = [i for i in issues if i.code is IssueCode.UNKNOWN_COMPOSITE]
    assert "version 7" in unknown.message
    assert "it has version 1" in unknown.message


def test_a_composite_that_contains_itself_is_refused():
    looped = zone_definition()
    looped["nodes"].append({"id": "again", "type": composite_type("zone", 1)})
    g = GraphBuilder(period_ms=1000)
    t = g.node("io.point-input", "t", point=TEMP.format(1))
    z = g.node(composite_type("zone", 1), "zone_1")
    g.wire(t, "value", z, "temp")
    issues = validate_graph(with_composites(g.build(), looped), REGISTRY)
    assert [i.code for i in issues] == [IssueCode.INVALID_COMPOSITE]
    assert "contains itself" in issues[0].message


def test_versions_used_by_a_deployed_bundle_are_pinned():
    deployed = make_bundle(composite_building())
    pinned = deployed.composites

    # Editing version 1 in place, which the deployed bundle runs, is refused ...
    edited = with_composites(composite_building(), zone_definition(1, pid_ti=600.0))
    [issue] = pin_issues(edited, pinned, pinned_by="bundle 1.0.0")
    assert issue.code is IssueCode.COMPOSITE_PIN_CHANGED
    assert "save the change as version 2" in issue.message
    # ... moving the canvas inside it is not a change ...
    moved = zone_definition()
    moved["layout"] = {"pid": {"x": 10, "y": 20}}
    assert pin_issues(with_composites(composite_building(), moved), pinned, pinned_by="b") == []
    # ... and the change saved as version 2 is, while the deployed bundle keeps running version 1.
    both = with_composites(
        composite_building(), zone_definition(1), zone_definition(2, pid_ti=600.0)
    )
    assert pin_issues(both, pinned, pinned_by="bundle 1.0.0") == []
    upgraded = both.model_copy(
        update={
            "nodes": tuple(
                n.model_copy(update={"type": composite_type("zone", 2)})
                if n.type == composite_type("zone", 1)
                else n
                for n in both.nodes
            )
        }
    )
    rebuilt = make_bundle(upgraded, version="1.1.0")
    assert rebuilt.composites["zone"].version == 2
    assert {n.params.get("tiS") for n in rebuilt.graph.nodes if n.type == "control.pid"} == {600.0}
    assert {n.params.get("tiS") for n in deployed.graph.nodes if n.type == "control.pid"} == {120.0}


def test_one_bundle_runs_one_version_of_each_composite():
    graph = composite_building(2)
    mixed = with_composites(graph, zone_definition(1), zone_definition(2)).model_copy(
        update={
            "nodes": tuple(
                n.model_copy(update={"type": composite_type("zone", 2)}) if n.id == "zone_2" else n
                for n in graph.nodes
            )
        }
    )
    issues = validate_graph(mixed, REGISTRY)
    assert [(i.code, i.node) for i in issues] == [(IssueCode.INVALID_COMPOSITE, "zone_2")]


def test_a_graph_without_composites_is_not_copied():
    graph = hand_drawn_building(1)
    assert flatten_graph(graph, REGISTRY).graph is graph


def test_a_selection_becomes_a_composite_that_runs_as_the_blocks_did():
    drawn = hand_drawn_building()
    selection = ["zone_2__pid", "zone_2__lim", "zone_2__in_setpoint"]
    graph, definition = extract_composite(drawn, selection, "cooling_zone", REGISTRY)
    assert [p.name for p in definition.inputs] == ["t_2_value"]
    assert [(t.node, t.port) for t in definition.inputs[0].targets] == [("zone_2__pid", "pv")]
    assert [p.name for p in definition.outputs] == ["zone_2__lim_out"]
    assert {n.id for n in graph.nodes} >= {"cooling_zone_1", "t_2", "d_2"}
    assert not {n.id for n in graph.nodes} & set(selection)
    assert validate_graph(graph, REGISTRY) == []

    trace = InputTrace(
        tuple(
            (float(k), f"1/analog-input,{i}/present-value", 22.0 + (k % 97) / 50)
            for k in range(0, 600, 5)
            for i in (1, 2, 3)
        )
    )
    before = simulate(make_bundle(drawn), REGISTRY, trace, 600.0)
    after = simulate(make_bundle(graph), REGISTRY, trace, 600.0)
    assert after.rows == before.rows
    assert make_bundle(graph).composites["cooling_zone"].version == 1

    again, second = extract_composite(
        graph, ["zone_3__pid", "zone_3__lim"], "cooling_zone", REGISTRY
    )
    assert second.version == 2
    assert "cooling_zone_2" in {n.id for n in again.nodes}


def test_a_selection_across_flows_is_refused():
    g = GraphBuilder(period_ms=1000)
    g.node("io.constant", "a", value=1.0)
    g.flow("other", period_ms=1000)
    g.node("io.constant", "b", value=2.0)
    with pytest.raises(CompositeError, match="one flow"):
        extract_composite(g.build(), ["a", "b"], "pair", REGISTRY)
