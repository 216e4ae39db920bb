from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bms_schemas import PointValue, Quality, StateClass
from supervisor_engine import (
    BlockType,
    GraphValidationError,
    Registry,
    compile_graph,
    default_registry,
)
from supervisor_engine.blocks._params import CountParams
from supervisor_engine.blocks._ports import NUMBER, port
from supervisor_engine.testing import GraphBuilder

T0 = datetime(2025, 1, 6, tzinfo=UTC)
REGISTRY = default_registry()


def sample(value: Any, quality: Quality = Quality.OK, age_s: float = 0.0) -> PointValue:
    return PointValue(value=value, quality=quality, timestamp=T0 - timedelta(seconds=age_s))


def test_point_input_to_output_through_math():
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    sp = g.node("io.constant", "sp", value=21.0)
    err = g.node("math.subtract", "err")
    out = g.node("io.point-output", "out", point="1/analog-output,2", priority=8)
    g.wire(t, "value", err, "a").wire(sp, "value", err, "b").wire(err, "out", out, "value")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    result = flow.tick(0.0, T0, 1.0, {"1/analog-input,1/present-value": sample(23.5)})
    [write] = result.writes
    assert (write.point, write.value, write.priority, write.node_id) == (
        "1/analog-output,2/present-value",
        2.5,
        8,
        "out",
    )
    assert flow.output("err", "out") == (2.5, Quality.OK)


def test_output_writes_only_on_change_beyond_the_deadband():
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    g.wire(
        t, "value", g.node("io.point-output", "o", point="1/analog-output,1", deadband=0.5), "value"
    )
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    written = []
    for k, value in enumerate([20.0, 20.3, 20.5, 20.6, 19.9, 19.9]):
        result = flow.tick(k, T0, 1.0, {"1/analog-input,1/present-value": sample(value)})
        written.append([w.value for w in result.writes])
    # 20.0 written; 20.3 and 20.5 within 0.5 of it; 20.6 moved 0.6; 19.9 moved 0.7; then no change
    assert written == [[20.0], [], [], [20.6], [19.9], []]


def input_quality_graph() -> Any:
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1", staleAfterS=60)
    k = g.node("io.constant", "k", value=1.0)
    s = g.node("math.add", "s")
    g.wire(t, "value", s, "in1").wire(k, "value", s, "in2")
    return compile_graph(g.build(), REGISTRY).flows["main"]


@pytest.mark.parametrize(
    ("point_value", "expected"),
    [
        (sample(5.0), Quality.OK),
        (sample(5.0, age_s=61), Quality.STALE),
        (sample(5.0, age_s=59), Quality.OK),
        (sample(5.0, Quality.FAULT), Quality.FAULT),
        (sample(5.0, Quality.OVERRIDDEN), Quality.OVERRIDDEN),
        (sample(5.0, Quality.OUT_OF_SERVICE), Quality.OUT_OF_SERVICE),
    ],
)
def test_quality_propagates_from_input_to_computed_output(point_value, expected):
    flow = input_quality_graph()
    flow.tick(0.0, T0, 1.0, {"1/analog-input,1/present-value": point_value})
    assert flow.output("t", "value") == (5.0, expected)
    assert flow.output("s", "out") == (6.0, expected)


def test_a_point_never_read_gives_no_value_and_stale_downstream():
    flow = input_quality_graph()
    result = flow.tick(0.0, T0, 1.0, {})
    assert flow.output("t", "value") == (None, Quality.STALE)
    assert flow.output("s", "out") == (None, Quality.STALE)
    assert result.faults == {}


def degraded_output(policy: str, fallback: float | None = None):
    from bms_schemas import PointConstraint
    from supervisor_engine.block import BlockEnv

    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    g.wire(
        t, "value", g.node("io.point-output", "o", point="1/analog-output,1", priority=9), "value"
    )
    constraint = PointConstraint(point="1/analog-output,1", degraded=policy, fallback=fallback)
    env = BlockEnv(constraints={"1/analog-output,1/present-value": constraint})
    return compile_graph(g.build(), REGISTRY, env).flows["main"]


@pytest.mark.parametrize(
    ("policy", "fallback", "expected"),
    [
        ("hold", None, [[22.0], [], []]),
        ("fallback", 18.0, [[22.0], [18.0], []]),
        ("relinquish", None, [[22.0], [None], []]),
    ],
)
def test_output_follows_its_degraded_policy_when_input_goes_bad(policy, fallback, expected):
    flow = degraded_output(policy, fallback)
    key = "1/analog-output,1/present-value"
    seen = []
    for k, quality in enumerate([Quality.OK, Quality.FAULT, Quality.STALE]):
        result = flow.tick(k, T0, 1.0, {"1/analog-input,1/present-value": sample(22.0, quality)})
        seen.append([w.value for w in result.writes if w.point == key])
    assert seen == expected


def test_disable_relinquishes_once_and_enable_writes_again():
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=50.0)
    en = g.node("io.point-input", "en", point="1/binary-value,1", valueType="bool")
    o = g.node("io.point-output", "o", point="1/analog-output,1", priority=10)
    g.wire(k, "value", o, "value").wire(en, "value", o, "enable")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    seen = []
    for k_, enabled in enumerate([True, False, False, True]):
        result = flow.tick(k_, T0, 1.0, {"1/binary-value,1/present-value": sample(enabled)})
        seen.append([(w.value, w.reason) for w in result.writes])
    assert seen == [[(50.0, "change")], [(None, "disabled")], [], [(50.0, "change")]]


def test_a_raising_block_faults_its_node_and_the_tick_goes_on():
    g = GraphBuilder()
    a = g.node("io.point-input", "a", point="1/analog-input,1")
    zero = g.node("io.constant", "zero", value=0.0)
    div = g.node("math.divide", "div")
    other = g.node("math.add", "other")
    g.wire(a, "value", div, "a").wire(zero, "value", div, "b")
    g.wire(a, "value", other, "in1").wire(zero, "value", other, "in2")
    after = g.node("math.add", "after")
    g.wire(div, "out", after, "in1").wire(a, "value", after, "in2")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    result = flow.tick(0.0, T0, 1.0, {"1/analog-input,1/present-value": sample(4.0)})
    assert set(result.faults) == {"div"}
    assert "ZeroDivisionError" in result.faults["div"]
    assert flow.output("other", "out") == (4.0, Quality.OK)
    assert flow.output("div", "out")[1] is Quality.FAULT
    # downstream of the faulted node: no value yet, and not ok
    assert flow.output("after", "out")[1] is not Quality.OK


def test_faults_clear_when_the_block_recovers():
    g = GraphBuilder()
    a = g.node("io.point-input", "a", point="1/analog-input,1")
    b = g.node("io.point-input", "b", point="1/analog-input,2")
    div = g.node("math.divide", "div")
    g.wire(a, "value", div, "a").wire(b, "value", div, "b")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    snap = {"1/analog-input,1/present-value": sample(6.0)}
    assert flow.tick(0, T0, 1, snap | {"1/analog-input,2/present-value": sample(0.0)}).faults
    result = flow.tick(1, T0, 1, snap | {"1/analog-input,2/present-value": sample(3.0)})
    assert result.faults == {}
    assert flow.output("div", "out") == (2.0, Quality.OK)


def test_unit_delay_feeds_back_last_ticks_value():
    g = GraphBuilder()
    one = g.node("io.constant", "one", value=1.0)
    acc = g.node("math.add", "acc")
    d = g.node("math.unit-delay", "d", initial=10.0)
    g.wire(one, "value", acc, "in1").wire(d, "out", acc, "in2").wire(acc, "out", d, "in")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    outs = []
    for k in range(4):
        flow.tick(k, T0, 1.0, {})
        outs.append((flow.output("d", "out")[0], flow.output("acc", "out")[0]))
    assert outs == [(10.0, 11.0), (11.0, 12.0), (12.0, 13.0), (13.0, 14.0)]


def test_switch_takes_only_the_selected_inputs_quality():
    g = GraphBuilder()
    sel = g.node("io.point-input", "sel", point="1/binary-value,1", valueType="bool")
    good = g.node("io.constant", "good", value=1.0)
    bad = g.node("io.point-input", "bad", point="1/analog-input,9")
    sw = g.node("logic.switch", "sw")
    g.wire(sel, "value", sw, "select").wire(good, "value", sw, "on_true").wire(
        bad, "value", sw, "on_false"
    )
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    flow.tick(0, T0, 1, {"1/binary-value,1/present-value": sample(True)})
    assert flow.output("sw", "out") == (1.0, Quality.OK)
    flow.tick(1, T0, 1, {"1/binary-value,1/present-value": sample(False)})
    assert flow.output("sw", "out") == (None, Quality.STALE)


def test_state_survives_export_and_import_into_a_recompiled_graph():
    def build():
        g = GraphBuilder()
        one = g.node("io.constant", "one", value=1.0)
        acc = g.node("math.add", "acc")
        d = g.node("math.unit-delay", "d", initial=0.0)
        g.wire(one, "value", acc, "in1").wire(d, "out", acc, "in2").wire(acc, "out", d, "in")
        return compile_graph(g.build(), REGISTRY).flows["main"]

    first = build()
    for k in range(5):
        first.tick(k, T0, 1.0, {})
    saved = first.export_state()
    assert saved["d"]["state"] == {"value": 5.0, "quality": 0}
    second = build()
    assert second.import_state(saved) == ["d"]
    second.tick(5, T0, 1.0, {})
    assert second.output("acc", "out") == (6.0, Quality.OK)
    # state that does not fit is dropped, not crashed on
    third = build()
    assert (
        third.import_state({"d": {"type": "math.unit-delay", "version": 1, "state": {"bogus": 1}}})
        == []
    )
    assert third.import_state({"d": {"type": "math.add", "version": 1, "state": {}}}) == []


def test_compile_refuses_an_invalid_graph_with_every_issue():
    g = GraphBuilder()
    g.node("math.subtract", "s")
    with pytest.raises(GraphValidationError) as caught:
        compile_graph(g.build(), REGISTRY)
    assert [i.field for i in caught.value.issues] == ["a", "b"]


# --- evaluation order, on a probe block that records when it runs ---------------------------


@dataclass
class _Log:
    order: list[str]


LOG = _Log([])


def _probe(ctx, ins):
    LOG.order.append(ctx.node_id)
    return float(sum(ins))


def _probe_delay_out(ctx, _ins, _qs):
    LOG.order.append(ctx.node_id)
    return ctx.state["v"], 0


def _probe_latch(ctx, ins, _qs):
    ctx.state["v"] = ins[0] or 0.0


PROBE_REGISTRY = Registry(
    [
        BlockType(
            type="test.probe", title="Probe", category="test", doc="Records evaluation order.",
            inputs=(port("in", NUMBER, repeat="inputs", required=False, default=1.0),),
            outputs=(port("out", NUMBER),), params=CountParams, evaluate=_probe,
        ),
        BlockType(
            type="test.delay", title="Delay", category="test", doc="Records evaluation order.",
            inputs=(port("in", NUMBER),), outputs=(port("out", NUMBER),), params=CountParams,
            evaluate=_probe_delay_out, quality_aware=True, latch=_probe_latch,
            init_state=lambda _p: {"v": 0.0}, state_class=StateClass.VOLATILE,
        ),
    ]
)  # fmt: skip


@st.composite
def random_dags(draw):
    count = draw(st.integers(1, 40))
    kinds = [draw(st.sampled_from(["test.probe"] * 4 + ["test.delay"])) for _ in range(count)]
    order = draw(st.permutations(range(count)))  # graph order differs from dependency order
    g = GraphBuilder()
    ids = [f"n{i}" for i in range(count)]
    for i in order:
        g.node(kinds[i], ids[i], inputs=3)
    edges = []
    for target in range(count):
        ports = ["in"] if kinds[target] == "test.delay" else ["in1", "in2", "in3"]
        for p in ports:
            if draw(st.booleans()):
                if kinds[target] == "test.delay":
                    source = draw(st.integers(0, count - 1))  # delays may close loops
                elif target > 0:
                    source = draw(st.integers(0, target - 1))  # others only look back: acyclic
                else:
                    continue
                g.wire(ids[source], "out", ids[target], p)
                edges.append((ids[source], ids[target], kinds[target]))
            elif kinds[target] == "test.delay":
                g.wire(ids[0], "out", ids[target], p)
                edges.append((ids[0], ids[target], kinds[target]))
    return g.build(), edges


@settings(max_examples=150, deadline=None)
@given(random_dags())
def test_every_node_is_evaluated_after_all_its_inputs(case):
    graph, edges = case
    flow = compile_graph(graph, PROBE_REGISTRY).flows["main"]
    LOG.order.clear()
    flow.tick(0.0, T0, 1.0, {})
    position = {node_id: i for i, node_id in enumerate(LOG.order)}
    assert sorted(position) == sorted(n.id for n in graph.nodes)  # each node exactly once
    assert len(LOG.order) == len(graph.nodes)
    for source, target, target_kind in edges:
        if target_kind != "test.delay":
            assert position[source] < position[target], f"{target} ran before its input {source}"
    # a delay outputs what its input was on the previous tick, whatever the wiring
    first = {e[0]: flow.output(e[0], "out")[0] for e in edges}
    flow.tick(1.0, T0, 1.0, {})
    for source, target, target_kind in edges:
        if target_kind == "test.delay":
            assert flow.output(target, "out")[0] == first[source]


@pytest.mark.parametrize("engine", ["interpreted", "compiled"])
def test_output_changes_name_only_the_nodes_that_changed(engine):
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    sp = g.node("io.constant", "sp", value=21.0)
    err = g.node("math.subtract", "err")
    hot = g.node("logic.compare", "hot", op=">")
    g.wire(t, "value", err, "a").wire(sp, "value", err, "b")
    g.wire(t, "value", hot, "a").wire(sp, "value", hot, "b")
    flow = compile_graph(g.build(), REGISTRY, engine=engine).flows["main"]
    point = "1/analog-input,1/present-value"
    flow.tick(0.0, T0, 1.0, {point: sample(23.5)})
    everything, since = flow.output_changes(None)
    assert everything == flow.outputs()
    flow.tick(1.0, T0, 1.0, {point: sample(23.5)})
    assert flow.output_changes(since)[0] == {}  # equal values are no change
    flow.tick(2.0, T0, 1.0, {point: sample(24.0)})
    changed, since = flow.output_changes(since)
    assert changed == {"t": {"value": (24.0, Quality.OK)}, "err": {"out": (3.0, Quality.OK)}}
    flow.tick(3.0, T0, 1.0, {point: sample(24.0, Quality.STALE)})  # quality alone
    changed, since = flow.output_changes(since)
    assert set(changed) == {"t", "err", "hot"}
    flow.tick(4.0, T0, 1.0, {point: sample(24, Quality.STALE)})  # 24 == 24.0, not in JSON
    changed, since = flow.output_changes(since)
    assert set(changed) == {"t"}
    assert type(changed["t"]["value"][0]) is int
