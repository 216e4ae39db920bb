from __future__ import annotations

import pytest

from bms_schemas import Bundle, Graph, IssueCode, PointConstraint
from supervisor_engine import default_registry, validate_bundle, validate_graph
from supervisor_engine.testing import GraphBuilder, make_bundle

REGISTRY = default_registry()


def codes(graph: Graph, **kwargs) -> list[IssueCode]:
    return [issue.code for issue in validate_graph(graph, REGISTRY, **kwargs)]


def adder() -> tuple[GraphBuilder, str, str, str]:
    g = GraphBuilder()
    a = g.node("io.constant", "a", value=1.0)
    b = g.node("io.constant", "b", value=2.0)
    s = g.node("math.add", "sum")
    g.wire(a, "value", s, "in1").wire(b, "value", s, "in2")
    return g, a, b, s


def test_a_well_formed_graph_has_no_issues():
    g, *_ = adder()
    assert validate_graph(g.build(), REGISTRY) == []


def test_unknown_block_type_names_the_node():
    g = GraphBuilder()
    g.node("math.frobnicate", "x")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.UNKNOWN_BLOCK_TYPE
    assert issue.node == "x"
    assert "math.frobnicate" in issue.message


def test_parameter_errors_name_the_field():
    g = GraphBuilder()
    g.node("math.add", "s", inputs=40)
    g.node("io.point-output", "o", point="1/analog-output,1", priority=17)
    g.node("io.constant", "k", valueType="bool", value=3.5)
    issues = validate_graph(g.build(), REGISTRY)
    assert {(i.code, i.node, i.field) for i in issues} == {
        (IssueCode.INVALID_PARAMETER, "s", "params.inputs"),
        (IssueCode.INVALID_PARAMETER, "o", "params.priority"),
        (IssueCode.INVALID_PARAMETER, "k", "params"),
    }


def test_port_type_mismatch_names_edge_and_types():
    g = GraphBuilder()
    flag = g.node("io.constant", "flag", valueType="bool", value=True)
    k = g.node("io.constant", "k", value=1.0)
    s = g.node("math.add", "s")
    g.wire(flag, "value", s, "in1").wire(k, "value", s, "in2")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.PORT_TYPE_MISMATCH
    assert issue.edge == "flag.value->s.in1"
    assert "bool" in issue.message
    assert "number" in issue.message


def test_integer_may_drive_a_number_input():
    g = GraphBuilder()
    i = g.node("io.constant", "i", valueType="integer", value=3)
    k = g.node("io.constant", "k", value=1.0)
    s = g.node("math.add", "s")
    g.wire(i, "value", s, "in1").wire(k, "value", s, "in2")
    assert validate_graph(g.build(), REGISTRY) == []


def test_unconnected_required_input():
    g = GraphBuilder()
    a = g.node("io.constant", "a", value=1.0)
    s = g.node("math.subtract", "s")
    g.wire(a, "value", s, "a")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert (issue.code, issue.node, issue.field) == (IssueCode.UNCONNECTED_INPUT, "s", "b")


def test_optional_input_may_stay_unconnected():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    o = g.node("io.point-output", "o", point="1/analog-output,1")
    g.wire(k, "value", o, "value")
    assert validate_graph(g.build(), REGISTRY) == []


def test_two_edges_driving_one_input():
    g, _a, b, s = adder()
    g.wire(b, "value", s, "in1")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.MULTIPLE_DRIVERS
    assert "a.value->sum.in1" in issue.message
    assert issue.edge == "b.value->sum.in1"


def test_unknown_ports_and_nodes_on_edges():
    g, a, _b, s = adder()
    g.wire(a, "nope", s, "in1")
    g.wire(a, "value", s, "in9")
    g.wire("ghost", "value", s, "in1")
    found = {(i.code, i.field) for i in validate_graph(g.build(), REGISTRY)}
    assert (IssueCode.UNKNOWN_PORT, "nope") in found
    assert (IssueCode.UNKNOWN_PORT, "in9") in found
    assert (IssueCode.UNKNOWN_NODE, None) in found


def test_cycle_names_its_nodes_in_wiring_order():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    x = g.node("math.add", "x")
    y = g.node("math.multiply", "y")
    z = g.node("math.add", "z")
    g.wire(k, "value", x, "in1").wire(z, "out", x, "in2")
    g.wire(x, "out", y, "in1").wire(k, "value", y, "in2")
    g.wire(y, "out", z, "in1").wire(k, "value", z, "in2")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.CYCLE
    assert set(issue.nodes) == {"x", "y", "z"}
    # the nodes follow the wires: x -> y -> z -> x, from whichever starts
    rotation = issue.nodes.index("x")
    assert issue.nodes[rotation:] + issue.nodes[:rotation] == ("x", "y", "z")
    assert (
        "x -> y -> z -> x" in issue.message
        or "z -> x -> y -> z" in issue.message
        or ("y -> z -> x -> y" in issue.message)
    )


def test_self_loop_is_a_cycle():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    s = g.node("math.add", "s")
    g.wire(k, "value", s, "in1").wire(s, "out", s, "in2")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.CYCLE
    assert issue.nodes == ("s",)


def test_unit_delay_breaks_a_cycle():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    s = g.node("math.add", "s")
    d = g.node("math.unit-delay", "d", initial=0.0)
    g.wire(k, "value", s, "in1").wire(d, "out", s, "in2").wire(s, "out", d, "in")
    assert validate_graph(g.build(), REGISTRY) == []


def test_duplicate_ids():
    g = GraphBuilder()
    g.node("io.constant", "same", value=1.0)
    g.node("io.constant", "same", value=2.0)
    g.flow("main")
    found = [(i.code, i.node, i.flow) for i in validate_graph(g.build(), REGISTRY)]
    assert (IssueCode.DUPLICATE_ID, "same", None) in found
    assert (IssueCode.DUPLICATE_ID, None, "main") in found


def test_one_point_written_by_two_outputs_even_in_two_flows():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    o1 = g.node("io.point-output", "o1", point="1/analog-output,1")
    g.wire(k, "value", o1, "value")
    g.flow("other")
    k2 = g.node("io.constant", "k2", value=2.0)
    o2 = g.node("io.point-output", "o2", point="1/analog-output,1/present-value")
    g.wire(k2, "value", o2, "value")
    [issue] = validate_graph(g.build(), REGISTRY)
    assert issue.code is IssueCode.POINT_WRITTEN_TWICE
    assert issue.nodes == ("o1", "o2")


def test_period_below_the_minimum():
    g = GraphBuilder(period_ms=50)
    [issue] = validate_graph(g.build(), REGISTRY)
    assert (issue.code, issue.flow) == (IssueCode.PERIOD_TOO_SHORT, "main")
    assert "100 ms" in issue.message


def test_edges_between_flows_are_refused():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    g.flow("other")
    o = g.node("io.point-output", "o", point="1/analog-output,1")
    g.wire(k, "value", o, "value")
    assert codes(g.build()) == [IssueCode.CROSS_FLOW_EDGE]


def test_problems_name_a_flow_by_its_tab_label():
    # The editor shows a flow's name on its tab; its id ("f1") means nothing to the user.
    g = GraphBuilder(flow="f1", period_ms=50)
    k = g.node("io.constant", "k", value=1.0)
    g.flow("f2")
    o = g.node("io.point-output", "o", point="1/analog-output,1")
    g.wire(k, "value", o, "value")
    graph = g.build().model_dump(by_alias=True)
    graph["flows"][0]["name"] = "Zone 1"
    graph["flows"][1]["name"] = "Air handler"
    messages = {i.code: i.message for i in validate_graph(Graph.model_validate(graph), REGISTRY)}
    assert messages[IssueCode.PERIOD_TOO_SHORT].startswith("flow 'Zone 1' (f1) has a period")
    assert (
        "joins flow 'Zone 1' (f1) to flow 'Air handler' (f2)" in messages[IssueCode.CROSS_FLOW_EDGE]
    )


def test_node_in_unknown_flow_and_bad_trigger():
    g = GraphBuilder()
    g.flow("f2", triggers=("k",))
    g.node("io.constant", "k", value=1.0)
    graph = g.build()
    moved = graph.model_copy(
        update={"nodes": (graph.nodes[0].model_copy(update={"flow": "nowhere"}),)}
    )
    found = codes(moved)
    assert IssueCode.UNKNOWN_FLOW in found
    assert IssueCode.INVALID_TRIGGER in found


def test_priority_outside_the_constraint():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    o = g.node("io.point-output", "o", point="1/analog-output,1", priority=3)
    g.wire(k, "value", o, "value")
    constraint = PointConstraint(point="1/analog-output,1", min_priority=8)
    [issue] = validate_graph(g.build(), REGISTRY, constraints=[constraint])
    assert (issue.code, issue.node, issue.field) == (
        IssueCode.PRIORITY_NOT_ALLOWED,
        "o",
        "params.priority",
    )


def test_every_issue_is_reported_not_just_the_first():
    g = GraphBuilder(period_ms=10)
    g.node("no.such", "u")
    s = g.node("math.subtract", "s")
    g.wire(s, "out", s, "a")
    found = set(codes(g.build()))
    assert {IssueCode.PERIOD_TOO_SHORT, IssueCode.UNKNOWN_BLOCK_TYPE, IssueCode.CYCLE} <= found
    assert IssueCode.UNCONNECTED_INPUT in found


def test_bundle_for_a_newer_schema_or_block_version_is_refused():
    g, *_ = adder()
    bundle = make_bundle(g.build())
    newer = Bundle.model_validate(
        bundle.model_dump()
        | {"schemaVersion": "2.0", "nodeTypes": {"math.add": 7, "io.constant": 1}}
    )
    found = {(i.code, i.field) for i in validate_bundle(newer, REGISTRY)}
    assert (IssueCode.UNSUPPORTED_SCHEMA_VERSION, None) in found
    assert (IssueCode.UNSUPPORTED_BLOCK_VERSION, "nodeTypes.math.add") in found


def test_bundle_must_declare_the_types_it_uses():
    g, *_ = adder()
    bundle = make_bundle(g.build())
    undeclared = bundle.model_copy(update={"node_types": {"io.constant": 1}})
    [issue] = validate_bundle(undeclared, REGISTRY)
    assert (issue.code, issue.node) == (IssueCode.UNKNOWN_BLOCK_TYPE, "sum")


@pytest.mark.parametrize("size", [2_000])
def test_long_chains_validate_without_recursion_limits(size):
    g = GraphBuilder()
    prev = g.node("io.constant", "k", value=1.0)
    for i in range(size):
        nxt = g.node("math.add", f"a{i}")
        g.wire(prev, "value" if i == 0 else "out", nxt, "in1").wire("k", "value", nxt, "in2")
        prev = nxt
    assert validate_graph(g.build(), REGISTRY) == []


def test_an_invalid_parameter_is_reported_in_plain_words_and_leaves_its_wires_connected() -> None:
    from supervisor_engine import default_registry, validate_graph
    from supervisor_engine.testing import GraphBuilder

    g = GraphBuilder(flow="f", period_ms=1000)
    g.node("io.point-input", "t", point="2001/analog-input,1")
    g.node("io.parameter", "sp", value=40.0, min=15.0, max=30.0, unit="degC")
    g.node("control.pid", "pid", kp=-1.0)
    g.node("io.point-output", "out", point="2001/analog-output,1")
    g.wire("t", "value", "pid", "pv").wire("sp", "out", "pid", "setpoint")
    g.wire("pid", "out", "out", "value")
    issues = validate_graph(g.build(), default_registry())
    assert [(i.code.value, i.node, i.field) for i in issues] == [
        ("invalid_parameter", "sp", "params.value"),
        ("invalid_parameter", "pid", "params.kp"),
    ]  # and no "input out.value must be connected": it is wired, from the faulty PID
    assert issues[0].message == "node 'sp' (io.parameter): value must be at most 30 °C"
    assert (issues[0].field, issues[0].hint) == ("params.value", "must be at most 30 °C")
    assert issues[1].message == "node 'pid' (control.pid): kp must be greater than 0"
