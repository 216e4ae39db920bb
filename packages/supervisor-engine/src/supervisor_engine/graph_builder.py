"""Build a graph in code, node by node: for the demo project, tests and benchmarks.

g = GraphBuilder(period_ms=1000)
t = g.node("io.point-input", point="1/analog-input,1")
k = g.node("io.constant", value=21.0)
d = g.node("math.subtract")
g.wire(t, "value", d, "a").wire(k, "value", d, "b")
graph = g.build()
"""

from __future__ import annotations

from typing import Any

from bms_schemas import Graph


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
