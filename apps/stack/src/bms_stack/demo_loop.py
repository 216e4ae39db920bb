"""The demo project's flows ticked together over a plant's measurements, as the engine does.

For closed-loop runs on the virtual clock (tests, benches): no processes. Each tick the
plant's measurements are the input snapshot (quality ok); every flow runs on that one
snapshot, in order; writes to the points the flows exchange (the zones' requests, the
air handler's occupancy mode) are read back on the next tick, as they are through the
IoT service, and the other writes are the plant's commands for the next ``dt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bms_schemas import Graph, PointValue, Quality
from bms_stack.demo_project import DEMO_POINTS, FLOW_IDS, DemoPoints
from supervisor_engine import FlowEvaluator, build_bundle, compile_bundle, default_registry

BUNDLED_AT = datetime(2025, 1, 1, tzinfo=UTC)
"""The bundles' creation time: fixed, so two runs of the same graph compile the same bundle."""


class DemoLoop:
    """The compiled demo flows and the values they exchange through points."""

    def __init__(self, graph: Graph, points: DemoPoints = DEMO_POINTS) -> None:
        self.signals = points.signals()
        self.signal_of = {point: name for name, point in self.signals.items()}
        self.held: dict[str, object] = dict(points.exchanged())
        self.flows = self._compile(graph, "1.0.0")

    @staticmethod
    def _compile(graph: Graph, version: str) -> list[FlowEvaluator]:
        registry = default_registry()
        bundle = build_bundle(
            graph, registry, version=version, created_by="demo-loop", created_at=BUNDLED_AT
        )
        program = compile_bundle(bundle, registry)
        return [program.flows[f] for f in FLOW_IDS]

    def tick(
        self, due: float, wall: datetime, dt: float, measured: Mapping[str, object]
    ) -> tuple[dict[str, object], dict[str, str]]:
        """One tick of every flow over ``measured`` (by plant signal name): commands, faults."""
        values: dict[str, Any] = {self.signals[n]: value for n, value in measured.items()}
        values.update(self.held)
        snapshot = {
            point: PointValue.model_construct(
                value=value, quality=Quality.OK, timestamp=wall, units=None
            )
            for point, value in values.items()
        }
        commands: dict[str, object] = {}
        faults: dict[str, str] = {}
        for flow in self.flows:
            result = flow.tick(due, wall, dt, snapshot)
            faults.update(result.faults)
            for write in result.writes:
                point = str(write.point)
                if point in self.held:
                    self.held[point] = write.value
                else:
                    commands[self.signal_of[point]] = write.value
        return commands, faults

    def output(self, node_id: str, port: str) -> Any:
        """The value of a (flat) node's output port, whichever flow it is in."""
        for flow in self.flows:
            try:
                return flow.output(node_id, port)[0]
            except ValueError:  # not in this flow
                continue
        raise KeyError(node_id)

    def redeploy(self, graph: Graph, version: str) -> None:
        """Replace the flows by ``graph``'s, carrying their state over as the engine does."""
        new = self._compile(graph, version)
        for old, flow in zip(self.flows, new, strict=True):
            flow.import_state(old.export_state())
        self.flows = new


__all__ = ["DemoLoop"]
