"""Generated graphs with a realistic mix of blocks, shared by the engine benchmarks."""

from __future__ import annotations

import random
from typing import Any

from bms_schemas import Graph


def realistic_graph(
    blocks: int, *, seed: int = 1, period_ms: int = 1000, sources: str = "points"
) -> Graph:
    """A flow of about ``blocks`` nodes shaped like supervisory HVAC logic.

    Repeated cells of 10 blocks: two point inputs, a constant setpoint, a
    subtraction, a gain (multiply), a comparison, an and-gate, a switch, a
    unit delay smoothing the result (a feedback loop) and a point output.
    Cells also read values of earlier cells, so the graph is not a set of
    islands. Deterministic for a given seed.

    With ``sources="internal"`` the two inputs of a cell come from blocks
    instead of points (an elapsed timer shaped into a sawtooth temperature, an
    interval pulse for occupancy), so a running engine has changing values to
    compute without an IoT service; a cell then has 12 blocks.
    """
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []

    def node(node_id: str, type_: str, **params: Any) -> str:
        nodes.append({"id": node_id, "type": type_, "flow": "main", "params": params})
        return node_id

    def wire(source: str, source_port: str, target: str, target_port: str) -> None:
        edges.append(
            {
                "source": source,
                "sourcePort": source_port,
                "target": target,
                "targetPort": target_port,
            }
        )

    cells = max(1, blocks // (12 if sources == "internal" else 10))
    previous_bools: list[str] = []
    for c in range(cells):
        device = 1000 + c // 50
        if sources == "internal":
            on = node(f"c{c}_on", "io.constant", valueType="bool", value=True)
            clock = node(f"c{c}_clock", "timer.elapsed")
            wire(on, "value", clock, "run")
            temp = node(
                f"c{c}_temp", "math.expression", expression=f"18 + (in1 + {c}) % 8", inputs=1
            )
            wire(clock, "elapsed_s", temp, "in1")
            occ = node(f"c{c}_occ", "timer.interval", periodS=5 + c % 7, widthS=2)
            temp_port, occ_port = "out", "out"
        else:
            temp = node(f"c{c}_temp", "io.point-input", point=f"{device}/analog-input,{c % 50}")
            occ = node(
                f"c{c}_occ",
                "io.point-input",
                point=f"{device}/binary-input,{c % 50}",
                valueType="bool",
            )
            temp_port, occ_port = "value", "value"
        setpoint = node(f"c{c}_sp", "io.constant", value=round(rng.uniform(19, 24), 1))
        error = node(f"c{c}_err", "math.subtract")
        wire(temp, temp_port, error, "a")
        wire(setpoint, "value", error, "b")
        gain = node(f"c{c}_gain", "math.multiply")
        wire(error, "out", gain, "in1")
        wire(setpoint, "value", gain, "in2")
        hot = node(f"c{c}_hot", "logic.compare", op=">", tolerance=0.0)
        wire(temp, temp_port, hot, "a")
        wire(setpoint, "value", hot, "b")
        both = node(f"c{c}_and", "logic.and")
        wire(hot, "out", both, "in1")
        wire(
            rng.choice(previous_bools) if previous_bools else occ,
            "out" if previous_bools else occ_port,
            both,
            "in2",
        )
        choose = node(f"c{c}_sel", "logic.switch")
        wire(both, "out", choose, "select")
        wire(gain, "out", choose, "on_true")
        delay = node(f"c{c}_prev", "math.unit-delay", initial=0.0)
        wire(delay, "out", choose, "on_false")
        wire(choose, "out", delay, "in")
        out = node(
            f"c{c}_cmd", "io.point-output", point=f"{device}/analog-output,{c % 50}", priority=10
        )
        wire(choose, "out", out, "value")
        previous_bools.append(both)
        previous_bools = previous_bools[-20:]
    return Graph.model_validate(
        {
            "flows": [{"id": "main", "name": "main", "schedule": {"periodMs": period_ms}}],
            "nodes": nodes,
            "edges": edges,
        }
    )


def input_points(graph: Graph) -> list[tuple[str, bool]]:
    """(canonical point, is boolean) of every point input of the graph."""
    found = []
    for n in graph.nodes:
        if n.type == "io.point-input":
            point = str(n.params["point"])
            found.append(
                (
                    point if "/present-value" in point else f"{point}/present-value",
                    n.params.get("valueType") == "bool",
                )
            )
    return found
