"""Flows compiled to Python code behave exactly like the interpreter, their reference.

Random graphs of every block type (delays closing loops, unwired inputs, points that
are missing, stale, of the wrong type or faulted) run through both forms side by side;
every tick must give the same writes, faults, output values (to the bit) and qualities,
and the same saved state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bms_schemas import PointValue, Quality, StateClass, ValueType
from supervisor_engine import compile_graph, default_registry
from supervisor_engine.codegen import CompiledFlow
from supervisor_engine.errors import GraphValidationError
from supervisor_engine.evaluator import FlowEvaluator
from supervisor_engine.readings import Readings
from supervisor_engine.testing import GraphBuilder

REGISTRY = default_registry()
T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)

# Parameters to try per block type; a type not listed runs with its defaults ({}).
SAMPLE_PARAMS: dict[str, list[dict[str, Any]]] = {
    "alarm.limit": [{"highLimit": 30.0}, {"lowLimit": 10.0, "highLimit": 30.0, "deadband": 1.0}],
    "control.pid": [{"kp": 2.0}, {"proportionalBand": 10.0, "tiS": 0.0}],
    "hvac.trim-respond": [
        {
            "sp0": 50,
            "spMin": 20,
            "spMax": 80,
            "spTrim": -1,
            "spRes": 2,
            "spResMax": 5,
            "delayS": 2,
            "stepS": 1,
        },
    ],
    "logic.between": [{"low": 10.0, "high": 30.0}, {"low": 10, "high": 30, "inclusive": False}],
    "logic.compare": [{}, {"op": "=="}, {"op": "<="}, {"op": "!=", "tolerance": 0.5}],
    "logic.and": [{}, {"onInvalid": "false"}, {"inputs": 3}],
    "logic.or": [{}, {"onInvalid": "false"}, {"inputs": 3}],
    "logic.xor": [{}, {"onInvalid": "false"}, {"inputs": 3}],
    "math.add": [{}, {"inputs": 3}],
    "math.multiply": [{}, {"inputs": 3}],
    "math.divide": [{}, {"onZero": "hold"}, {"onZero": "zero"}],
    "math.gain": [{}, {"k": -2.5}],
    "math.offset": [{"offset": 0.1}],
    "math.deadband": [{"band": 1.0}],
    "math.expression": [
        {"expression": "in1 * 2 + in2", "inputs": 2},
        {"expression": "in1 / in2", "inputs": 2},
    ],
    "math.filter": [{"tauS": 5.0}],
    "math.limiter": [{"min": 0, "max": 100}],
    "math.linear-reset": [{"x1": -10, "y1": 70, "x2": 20, "y2": 30}],
    "math.moving-average": [{"windowS": 5.0}],
    "math.rate-limit": [{"risePerS": 1.0, "fallPerS": 2.0}],
    "math.table": [{"points": [[0, 0], [10, 100], [20, 50]]}],
    "math.unit-delay": [{}, {"initial": 1.5}],
    "schedule.calendar": [{"timezone": "UTC"}],
    "schedule.weekly": [{"timezone": "UTC", "default": False}],
    "timer.hysteresis": [{"onAbove": 25.0, "offBelow": 20.0}],
    "io.constant": [{"value": 21.5}, {"value": 0}, {"valueType": "bool", "value": True}],
    "io.point-output": [{}, {"deadband": 0.5}, {"minIntervalS": 2.0}, {"refreshS": 3.0}],
}
TYPES = sorted(b.type for b in REGISTRY if b.type != "io.point-input")

# Values a point may hold, of the right type or not (a device can send anything).
NUMBERS = st.one_of(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, 20.0, 25.5, float("nan"), float("inf")]),
    st.integers(-5, 100),
)
ODD = st.sampled_from(["text", None, True, 3])


@st.composite
def graphs(draw: st.DrawFn) -> tuple[Any, list[tuple[str, ValueType]]]:
    g = GraphBuilder()
    outputs: list[tuple[str, str, Any]] = []  # (node, port, port type) of nodes so far
    points: list[tuple[str, ValueType]] = []
    pending: list[tuple[str, str, Any]] = []  # unit-delay inputs, wired at the end (loops)

    def point_input(value_type: ValueType) -> tuple[str, str]:
        point = f"{1000 + len(points) % 3}/analog-value,{len(points)}"
        stale = draw(st.sampled_from([None, 5.0, 0.5]))
        extra = {} if stale is None else {"staleAfterS": stale}
        node = g.node("io.point-input", point=point, valueType=value_type.value, **extra)
        points.append((f"{point}/present-value", value_type))
        return node, "value"

    for _ in range(draw(st.integers(1, 14))):
        type_ = draw(st.sampled_from(TYPES))
        block = REGISTRY.get(type_)
        raw = dict(draw(st.sampled_from(SAMPLE_PARAMS.get(type_, [{}]))))
        if type_ == "io.point-output":
            raw["point"] = f"2000/analog-output,{len(outputs)}"
            raw["priority"] = draw(st.sampled_from([8, 10]))
        params = block.parse_params(raw)
        ins, outs = block.resolve_ports(params)
        node = g.node(type_, **raw)
        for port in ins:
            sources = [o for o in outputs if port.type.accepts(o[2])]
            if block.delays and draw(st.booleans()):
                pending.append((node, port.name, port.type))
                continue
            choice = draw(st.integers(0, 3))
            if sources and choice > 0:
                src, src_port, _t = draw(st.sampled_from(sources))
                g.wire(src, src_port, node, port.name)
            elif port.required or choice == 0:
                if port.type.type in (ValueType.NUMBER, ValueType.BOOL, ValueType.INTEGER):
                    src, src_port = point_input(port.type.type)
                    g.wire(src, src_port, node, port.name)
                elif port.required:
                    assume(False)
        outputs += [(node, p.name, p.type) for p in outs]
    for node, port, port_type in pending:  # a delay may read any node, later ones too
        sources = [o for o in outputs if port_type.accepts(o[2])]
        assume(sources)
        src, src_port, _t = draw(st.sampled_from(sources))
        g.wire(src, src_port, node, port)
    return g.build(), points


@st.composite
def snapshots(draw: st.DrawFn, points: list[tuple[str, ValueType]], wall: datetime) -> dict:
    snap: dict[str, PointValue] = {}
    for key, value_type in points:
        if draw(st.integers(0, 9)) == 0:
            continue  # never read yet
        if draw(st.integers(0, 9)) == 0:
            value = draw(ODD)
        elif value_type is ValueType.BOOL:
            value = draw(st.booleans())
        elif value_type is ValueType.INTEGER:
            value = draw(st.integers(-2, 5))
        else:
            value = draw(NUMBERS)
        snap[key] = PointValue.model_construct(
            value=value,
            # and, rarely, a quality that is none (which only an unvalidated value can have)
            quality=draw(st.sampled_from([Quality.OK] * 4 + list(Quality) + ["bogus"])),
            timestamp=wall - timedelta(seconds=draw(st.sampled_from([0.0, 0.4, 0.5, 0.6, 3.0]))),
            units=None,
        )
    # as a plain mapping, or as the engine's adapter holds values (digested as they arrive)
    return Readings(snap) if draw(st.booleans()) else snap


def _bits(value: Any) -> tuple[str, str]:
    """A value to the bit: its type and repr (floats' repr round-trips exactly, -0.0 and nan too)."""
    if isinstance(value, tuple | list):
        return type(value).__name__, repr([_bits(v) for v in value])
    return type(value).__name__, repr(value)


def _seen(flow: FlowEvaluator, result: Any) -> dict[str, Any]:
    return {
        "writes": [
            (w.point, _bits(w.value), w.priority, w.node_id, w.reason) for w in result.writes
        ],
        "faults": list(result.faults.items()),
        "outputs": {
            node: {port: (_bits(v), q) for port, (v, q) in ports.items()}
            for node, ports in flow.outputs().items()
        },
        "state": repr(flow.export_state(frozenset(StateClass))),
    }


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(st.data())
def test_compiled_flows_match_the_interpreter_to_the_bit(data: st.DataObject) -> None:
    graph, points = data.draw(graphs())
    try:
        interpreted = compile_graph(graph, REGISTRY, engine="interpreted").flows["main"]
    except GraphValidationError:
        assume(False)
        return
    compiled = compile_graph(graph, REGISTRY).flows["main"]
    assert isinstance(compiled, CompiledFlow)
    for k in range(data.draw(st.integers(1, 8))):
        wall = T0 + timedelta(seconds=k)
        snap = data.draw(snapshots(points, wall))
        dt = data.draw(st.sampled_from([1.0, 0.5, 2.0]))
        expected = _seen(interpreted, interpreted.tick(float(k), wall, dt, snap))
        actual = _seen(compiled, compiled.tick(float(k), wall, dt, snap))
        assert actual == expected, f"tick {k} differs; source:\n{compiled.source}"


def test_the_property_covers_every_block_type() -> None:
    unparsable = []
    for block in REGISTRY:
        for raw in SAMPLE_PARAMS.get(block.type, [{}]):
            if block.type in ("io.point-input", "io.point-output"):
                raw = {**raw, "point": "1/analog-value,1"}
            try:
                block.parse_params(raw)
            except ValueError:
                unparsable.append(block.type)
    assert not unparsable, f"add SAMPLE_PARAMS for {unparsable} so the property test covers them"


def test_generated_source_holds_no_text_from_the_graph() -> None:
    g = GraphBuilder()
    evil = "x'); import os; os.system('true'); ('"
    t = g.node("io.point-input", "t_import", point="1/binary-value,1", valueType="bool")
    k = g.node("io.constant", valueType="string", value=evil)
    s = g.node("logic.switch", valueType="string")
    g.wire(t, "value", s, "select")
    g.wire(k, "value", s, "on_true").wire(k, "value", s, "on_false")
    flow = compile_graph(g.build(), REGISTRY).flows["main"]
    assert isinstance(flow, CompiledFlow)
    assert "import os" not in flow.source
    assert "binary-value" not in flow.source  # the point key is an object, not text
    flow.tick(0.0, T0, 1.0, {})


def test_a_command_retained_from_before_the_limits_is_clamped_by_the_compiled_flow_too() -> None:
    from bms_schemas import BundleDefaults, LimitAction, PointConstraint
    from supervisor_engine.block import BlockEnv

    point = "1/analog-value,2/present-value"
    env = BlockEnv(
        defaults=BundleDefaults(limit_action=LimitAction.CLAMP),
        constraints={point: PointConstraint.model_validate({"point": point, "max": 100.0})},
    )
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-value,1")
    o = g.node("io.point-output", "o", point="1/analog-value,2", priority=10)
    g.wire(t, "value", o, "value")
    graph = g.build()
    snap = {
        "1/analog-value,1/present-value": PointValue.model_construct(
            value=120.0, quality=Quality.OK, timestamp=T0, units=None
        )
    }
    seen = []
    for engine in ("interpreted", "compiled"):
        flow = compile_graph(graph, REGISTRY, env, engine=engine).flows["main"]  # type: ignore[arg-type]
        state = flow.context("o").state  # a command of 120 retained from before the limits
        state.commanded, state.has_commanded = 120.0, True
        result = flow.tick(0.0, T0, 1.0, snap)
        seen.append([(w.point, w.value) for w in result.writes])
    assert seen[0] == seen[1] == [(point, 100.0)]
