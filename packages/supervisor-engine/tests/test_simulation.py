from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supervisor_engine import InputTrace, TraceError, default_registry, parse_duration, simulate
from supervisor_engine.testing import GraphBuilder, make_bundle
from supervisor_engine.traces import parse_input_csv

REGISTRY = default_registry()
TEMP = "1/analog-input,1/present-value"
OCC = "1/binary-value,1/present-value"


def two_flow_bundle():
    """A 1 s integrating flow and a 250 ms on/off flow, with feedback through a unit delay."""
    g = GraphBuilder(flow="fast", period_ms=250)
    t = g.node("io.point-input", "t", point=TEMP)
    sp = g.node("io.constant", "sp", value=21.0)
    hot = g.node("logic.compare", "hot", op=">", tolerance=0.0)
    occ = g.node("io.point-input", "occ", point=OCC, valueType="bool")
    run = g.node("logic.and", "run")
    fan = g.node("io.point-output", "fan", point="1/binary-output,1", valueType="bool", priority=8)
    g.wire(t, "value", hot, "a").wire(sp, "value", hot, "b")
    g.wire(hot, "out", run, "in1").wire(occ, "value", run, "in2").wire(run, "out", fan, "value")
    g.flow("slow", period_ms=1000, phase_ms=100)
    t2 = g.node("io.point-input", "t2", point=TEMP)
    sp2 = g.node("io.constant", "sp2", value=21.0)
    err = g.node("math.subtract", "err")
    gain = g.node("io.constant", "gain", value=0.1)
    step = g.node("math.multiply", "step")
    acc = g.node("math.add", "acc")
    prev = g.node("math.unit-delay", "prev", initial=0.0)
    cmd = g.node("io.point-output", "cmd", point="1/analog-output,1", priority=10)
    g.wire(t2, "value", err, "a").wire(sp2, "value", err, "b")
    g.wire(err, "out", step, "in1").wire(gain, "value", step, "in2")
    g.wire(step, "out", acc, "in1").wire(prev, "out", acc, "in2").wire(acc, "out", prev, "in")
    g.wire(acc, "out", cmd, "value")
    return make_bundle(g.build())


samples = st.lists(
    st.tuples(
        st.floats(0, 600, allow_nan=False),
        st.sampled_from([TEMP, OCC]),
        st.floats(15, 30, allow_nan=False),
    ),
    max_size=30,
).map(
    lambda items: InputTrace(
        tuple(
            sorted(((t, p, (v > 22) if p == OCC else v) for t, p, v in items), key=lambda s: s[0])
        )
    )
)


@settings(max_examples=25, deadline=None)
@given(samples)
def test_same_bundle_same_trace_same_clock_gives_identical_outputs(trace):
    bundle = two_flow_bundle()
    first = simulate(bundle, REGISTRY, trace, 600, watch=["acc.out", "hot.out"])
    second = simulate(bundle, REGISTRY, trace, 600, watch=["acc.out", "hot.out"])
    assert first.to_csv() == second.to_csv()
    assert first.rows == second.rows


def test_flows_tick_on_their_own_grids_in_due_order():
    trace = parse_input_csv(f'time,"{TEMP}","{OCC}"\n0,22,true\n')
    out = simulate(two_flow_bundle(), REGISTRY, trace, 2.0)
    times = [row[0] for row in out.rows]
    assert times == [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0]


def test_integrating_flow_follows_its_definition():
    # err = 23 - 21 = 2 each second; acc grows by 0.2 per tick of the slow flow
    trace = parse_input_csv(f'time,"{TEMP}","{OCC}"\n0,23,true\n')
    out = simulate(two_flow_bundle(), REGISTRY, trace, 10.0, watch=["acc.out"])
    slow = [row for row in out.rows if round(row[0] % 1, 6) == 0.1]
    assert [round(r[-1], 9) for r in slow] == [round(0.2 * k, 9) for k in range(1, 11)]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("15m", 900),
        ("2h", 7200),
        ("1h30m", 5400),
        ("250ms", 0.25),
        ("1d", 86400),
    ],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5s", "5 parsecs", "nan", "inf"])
def test_bad_durations(text):
    with pytest.raises(TraceError):
        parse_duration(text)


def test_trace_values_and_empty_cells():
    trace = parse_input_csv(f'time,"{TEMP}","{OCC}"\n0,21.5,on\n1m,,false\n30,22,\n')
    assert trace.samples == (
        (0.0, TEMP, 21.5),
        (0.0, OCC, True),
        (30.0, TEMP, 22),
        (60.0, OCC, False),
    )
