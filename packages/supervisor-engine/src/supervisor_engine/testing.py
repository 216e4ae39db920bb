"""Factories for bundles and block harnesses, for the tests of every package and for benchmarks.

Graphs are built with :class:`~supervisor_engine.graph_builder.GraphBuilder` (re-exported here).
Never imported by the library's production code (``tests/test_dependencies.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bms_schemas import Bundle, BundleDefaults, Graph, PointConstraint, PointValue, Quality
from supervisor_engine.block import BlockEnv
from supervisor_engine.bundle import build_bundle
from supervisor_engine.compiler import compile_graph
from supervisor_engine.evaluator import FlowEvaluator
from supervisor_engine.graph_builder import GraphBuilder as GraphBuilder
from supervisor_engine.registry import Registry, default_registry
from supervisor_engine.testing_net import NetPlan as NetPlan  # per-run loopback addresses


def make_bundle(
    graph: Graph,
    *,
    version: str = "1.0.0",
    constraints: tuple[PointConstraint, ...] = (),
    registry: Registry | None = None,
    defaults: BundleDefaults | None = None,
) -> Bundle:
    """An unsigned bundle of ``graph`` with a fixed creation time, for reproducible tests."""
    return build_bundle(
        graph,
        registry or default_registry(),
        version=version,
        created_by="test",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        constraints=constraints,
        defaults=defaults,
    )


class BlockHarness:
    """One block under test, fed by point inputs, ticked on a virtual timeline.

    Every input port of the block is wired from a point input (or left unwired
    when ``unwired`` names it), so a test sets inputs by port name and reads
    outputs by port name:

        h = BlockHarness("timer.delay-on", delayS=5)
        assert h.step(1.0, input=True) == {"out": False}
        h.run(4.0, input=True)            # 4 more seconds, 1 s ticks
        assert h.outputs()["out"] is True

    Time starts at ``now = 0`` (the logical monotonic time blocks see) and
    ``wall_start`` on the wall clock; each :meth:`step` advances both by ``dt``
    and evaluates once. Input values hold until set again; a value may be a
    ``PointValue`` to give it a quality. ``restart()`` rebuilds the block and
    restores its saved state, as the engine does after a restart.
    """

    def __init__(
        self,
        block_type: str,
        *,
        registry: Registry | None = None,
        unwired: tuple[str, ...] = (),
        wall_start: datetime = datetime(2025, 1, 6, tzinfo=UTC),
        env: BlockEnv | None = None,
        **params: Any,
    ) -> None:
        self.registry = registry or default_registry()
        self.block_type = block_type
        self.params = params
        self.unwired = unwired
        self.env = env or BlockEnv()
        self.now = 0.0
        self.wall_start = wall_start
        self._values: dict[str, PointValue] = {}
        self._flow = self._compile()

    def _compile(self) -> FlowEvaluator:
        block = self.registry.get(self.block_type)
        inputs, _outputs = block.resolve_ports(block.parse_params(self.params))
        g = GraphBuilder(period_ms=1000)
        target = g.node(self.block_type, "block", **self.params)
        self._points: dict[str, str] = {}
        for i, port in enumerate(inputs):
            if port.name in self.unwired:
                continue
            point = f"9/analog-value,{i}"
            self._points[port.name] = f"{point}/present-value"
            source = g.node(
                "io.point-input", f"in_{i}", point=point, valueType=port.type.type.value,
                staleAfterS=1e9,
            )  # fmt: skip
            g.wire(source, "value", target, port.name)
        return compile_graph(g.build(), self.registry, self.env).flows["main"]

    @property
    def wall(self) -> datetime:
        """The wall time of the current instant."""
        return self.wall_start + timedelta(seconds=self.now)

    def set(self, **inputs: Any) -> None:
        """Set input values (by port name) without ticking."""
        for name, value in inputs.items():
            if name not in self._points:
                raise KeyError(f"{self.block_type} has no wired input {name!r}")
            if isinstance(value, PointValue):
                self._values[self._points[name]] = value
            else:
                self._values[self._points[name]] = PointValue(
                    value=value, quality=Quality.OK, timestamp=self.wall_start
                )

    def step(self, dt: float = 1.0, **inputs: Any) -> dict[str, Any]:
        """Advance time by ``dt``, set ``inputs``, evaluate once; the outputs' values."""
        self.now += dt
        self.set(**inputs)
        # inputs are as fresh as the tick: staleness is tested with explicit qualities
        snapshot = {
            k: v.model_copy(update={"timestamp": self.wall}) for k, v in self._values.items()
        }
        self.last = self._flow.tick(self.now, self.wall, dt, snapshot)
        return self.outputs()

    def run(self, duration: float, dt: float = 1.0, **inputs: Any) -> list[dict[str, Any]]:
        """Step every ``dt`` for ``duration`` seconds; the outputs after each step."""
        self.set(**inputs)
        steps = round(duration / dt)
        return [self.step(dt) for _ in range(steps)]

    def outputs(self) -> dict[str, Any]:
        """Output values by port name."""
        return {port: value for port, (value, _q) in self._flow.outputs()["block"].items()}

    def qualities(self) -> dict[str, Quality]:
        """Output qualities by port name."""
        return {port: q for port, (_v, q) in self._flow.outputs()["block"].items()}

    @property
    def state(self) -> Any:
        """The block's state object."""
        return self._flow.context("block").state

    def restart(self, *, downtime: float = 0.0) -> None:
        """Save the block's retained/persisted state, rebuild it, restore the state.

        ``downtime`` seconds pass while it is down, on both time scales.
        """
        saved = self._flow.export_state()
        self._flow = self._compile()
        self._flow.import_state(saved)
        self.now += downtime


def bad_sample(value: Any = None, quality: Quality = Quality.FAULT) -> PointValue:
    """An input sample that is not ok (by default: no value at all, quality fault)."""
    return PointValue(value=value, quality=quality, timestamp=datetime(2025, 1, 1, tzinfo=UTC))


def feed(h: BlockHarness, port: str, values: list[Any], out: str = "out") -> list[Any]:
    """Step once per value (1 s apart) with ``port`` set to it; the ``out`` output of each tick."""
    return [h.step(1.0, **{port: v})[out] for v in values]


def param_issues(block_type: str, **params: Any) -> list[tuple[str, str]]:
    """(field, message) of each parameter issue of one node, as validation reports them."""
    from bms_schemas import IssueCode
    from supervisor_engine.validation import validate_graph

    g = GraphBuilder()
    g.node(block_type, "n", **params)
    return [
        (i.field or "", i.message)
        for i in validate_graph(g.build(), default_registry())
        if i.code is IssueCode.INVALID_PARAMETER
    ]
