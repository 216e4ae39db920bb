"""Factories for graphs and bundles, for the tests of every package and for benchmarks.

g = GraphBuilder(period_ms=1000)
t = g.node("io.point-input", point="1/analog-input,1")
k = g.node("io.constant", value=21.0)
d = g.node("math.subtract")
g.wire(t, "value", d, "a").wire(k, "value", d, "b")
graph = g.build()
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bms_schemas import Bundle, Graph, PointConstraint
from supervisor_engine.bundle import build_bundle
from supervisor_engine.registry import Registry, default_registry


class GraphBuilder:
    """Builds a graph node by node; node ids are generated unless given."""

    def __init__(self, *, flow: str = "main", period_ms: int = 1000) -> None:
        self._flows: list[dict[str, Any]] = []
        self._nodes: list[dict[str, Any]] = []
        self._edges: list[dict[str, Any]] = []
        self._flow = flow
        self.flow(flow, period_ms=period_ms)

    def flow(
        self,
        flow_id: str,
        *,
        period_ms: int = 1000,
        phase_ms: int = 0,
        triggers: tuple[str, ...] = (),
    ) -> GraphBuilder:
        """Add a flow and make it the one new nodes go into."""
        self._flows.append(
            {
                "id": flow_id,
                "name": flow_id,
                "schedule": {"periodMs": period_ms, "phaseMs": phase_ms},
                "triggerOnChange": list(triggers),
            }
        )
        self._flow = flow_id
        return self

    def node(self, type_: str, node_id: str | None = None, **params: Any) -> str:
        """Add a node of ``type_`` with these parameters (camelCase or snake_case); returns its id."""
        node_id = node_id or f"n{len(self._nodes)}"
        self._nodes.append({"id": node_id, "type": type_, "flow": self._flow, "params": params})
        return node_id

    def wire(self, source: str, source_port: str, target: str, target_port: str) -> GraphBuilder:
        """Add an edge."""
        self._edges.append(
            {
                "source": source,
                "sourcePort": source_port,
                "target": target,
                "targetPort": target_port,
            }
        )
        return self

    def build(self) -> Graph:
        """The graph."""
        return Graph.model_validate(
            {"flows": self._flows, "nodes": self._nodes, "edges": self._edges}
        )


def make_bundle(
    graph: Graph,
    *,
    version: str = "1.0.0",
    constraints: tuple[PointConstraint, ...] = (),
    registry: Registry | None = None,
) -> Bundle:
    """An unsigned bundle of ``graph`` with a fixed creation time, for reproducible tests."""
    return build_bundle(
        graph,
        registry or default_registry(),
        version=version,
        created_by="test",
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        constraints=constraints,
    )
