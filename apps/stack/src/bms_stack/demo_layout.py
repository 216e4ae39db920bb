"""Canvas positions for the demo's flows: layered, left to right, no two blocks overlapping.

The Designer's "Arrange" runs ELK (elkjs) in the browser; the demo is made in Python
before any browser sees it, so it is laid out here the way ELK's layered algorithm
lays it out: each block in the layer after the longest chain that feeds it (a block
fed by nothing sits just before the first block it feeds), blocks in a layer ordered
and placed by the mean height of what feeds them, each clear of the one above.
Block sizes are those the Designer draws (``BlockNode``): a two-line head, one row per
port (inputs and outputs side by side), 150 px wide at least.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from graphlib import TopologicalSorter

from bms_schemas import Graph, Position
from supervisor_engine.registry import default_registry

BLOCK_WIDTH = 160.0
BLOCK_HEAD = 42.0
PORT_ROW = 17.0
LAYER_GAP = 70.0
ROW_GAP = 24.0
MARGIN = 20.0


def block_height(rows: int) -> float:
    """The drawn height of a block with ``rows`` port rows."""
    return BLOCK_HEAD + PORT_ROW * max(rows, 1)


def column_layout(columns: Sequence[Sequence[str]], rows: Mapping[str, int]) -> dict[str, Position]:
    """Positions of nodes given by column, top to bottom; ``rows``: port rows (default 1)."""
    layout: dict[str, Position] = {}
    for c, column in enumerate(columns):
        y = MARGIN
        for node_id in column:
            layout[node_id] = Position(x=MARGIN + c * (BLOCK_WIDTH + LAYER_GAP), y=y)
            y += block_height(rows.get(node_id, 1)) + ROW_GAP
    return layout


def port_rows(graph: Graph) -> dict[str, int]:
    """How many port rows each node of ``graph`` shows: the larger of its inputs and outputs."""
    registry = default_registry()
    composites = {d.type: d for d in graph.composites}
    rows: dict[str, int] = {}
    for node in graph.nodes:
        if node.type in composites:
            d = composites[node.type]
            rows[node.id] = max(len(d.inputs), len(d.outputs))
            continue
        block = registry.get(node.type)
        rows[node.id] = max(
            sum(_count(node.params.get(p.repeat_param)) if p.repeat_param else 1 for p in ports)
            for ports in (block.inputs, block.outputs)
        )
    return rows


def _count(value: object) -> int:
    return value if isinstance(value, int) else 1


def layers(ids: Sequence[str], feeds: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """The layer of each node: one after the deepest node feeding it; sources by their use."""
    layer: dict[str, int] = {}
    for node_id in TopologicalSorter({i: feeds[i] for i in ids}).static_order():
        layer[node_id] = 1 + max((layer[s] for s in feeds[node_id]), default=-1)
    used_by: dict[str, list[str]] = {i: [] for i in ids}
    for target in ids:
        for source in feeds[target]:
            used_by[source].append(target)
    for node_id in ids:
        if not feeds[node_id] and used_by[node_id]:
            layer[node_id] = max(0, min(layer[t] for t in used_by[node_id]) - 1)
    return layer


BAND_GAP = 60.0


def layered_layout(
    graph: Graph,
    bands: Mapping[str, Sequence[Sequence[Sequence[str]]]] | None = None,
    *,
    row_gap: float = ROW_GAP,
    layer_gap: float = LAYER_GAP,
) -> Graph:
    """``graph`` with every flow laid out left to right (the layout replaced).

    A flow in ``bands`` is drawn as those bands, one below the other, each a list of
    columns of node ids in the order given, top to bottom (a section of the flow that
    reads on its own, e.g. the fan and the supply air of an air handler); any other flow
    is layered from its wires. A block fed by blocks to its left moves down to the mean
    height of what feeds it, as far as the band's earlier columns reach.
    """
    rows = port_rows(graph)
    layout: dict[str, Position] = {}
    for flow in graph.flows:
        ids = [n.id for n in graph.nodes if n.flow == flow.id]
        members = set(ids)
        feeds: dict[str, list[str]] = {i: [] for i in ids}
        for e in graph.edges:
            if e.source in members and e.target in members and e.source not in feeds[e.target]:
                feeds[e.target].append(e.source)
        ordered = bands is not None and flow.id in bands
        if bands is not None and flow.id in bands:
            drawn = [
                [[i for i in column if i in members] for column in band] for band in bands[flow.id]
            ]
        else:
            layer = layers(ids, feeds)
            drawn = [
                [
                    [i for i in ids if layer[i] == c]
                    for c in range(max(layer.values(), default=-1) + 1)
                ]
            ]
        top = MARGIN
        centre: dict[str, float] = {}
        for band in drawn:
            bottom = top
            for c, column in enumerate(band):
                wanted = {i: _mean([centre[s] for s in feeds[i] if s in centre]) for i in column}
                if not ordered:
                    column = sorted(column, key=lambda i: (wanted[i] is None, wanted[i] or 0.0))
                y = top
                # Moving down to its feeders stops where the band's earlier columns end, less
                # the room the blocks under it take: no column reaches below the band.
                floor = bottom - row_gap if c else float("inf")
                for k, node_id in enumerate(column):
                    height = block_height(rows[node_id])
                    goal = wanted[node_id]
                    if goal is not None:
                        under = sum(block_height(rows[i]) + row_gap for i in column[k + 1 :])
                        y = max(y, min(goal - height / 2, floor - under - height))
                    x = MARGIN + c * (BLOCK_WIDTH + layer_gap)
                    layout[node_id] = Position(x=x, y=round(y))
                    centre[node_id] = y + height / 2
                    y += height + row_gap
                bottom = max(bottom, y)
            top = bottom + BAND_GAP
    return graph.model_copy(update={"layout": layout})


GROUP_GAP = 30.0


def zone_grid_layout(
    shared: Sequence[str],
    groups: Sequence[tuple[str, str, Sequence[str]]],
    rows: Mapping[str, int],
    *,
    per_row: int = 2,
    row_gap: float = ROW_GAP,
    layer_gap: float = LAYER_GAP,
) -> dict[str, Position]:
    """One instance per equipment, ``per_row`` side by side, under the inputs they share.

    ``shared`` goes in a row across the top; each group is (instance, its input point,
    its output points): the input point above the instance, the outputs in a column
    to its right, so a zone's points sit beside the logic that uses them.
    """
    layout: dict[str, Position] = {}
    # spread across the groups' width, never closer than a block's width
    spread = (per_row * 2 * BLOCK_WIDTH + (per_row * 2 - 1) * layer_gap) / max(len(shared), 1)
    pitch = max(spread, BLOCK_WIDTH)
    for k, node_id in enumerate(shared):
        layout[node_id] = Position(x=MARGIN + k * pitch, y=MARGIN)
    # Room under the shared row for the wires fanning out from it to every instance.
    top = MARGIN + max((block_height(rows[i]) for i in shared), default=0.0) + 3 * GROUP_GAP
    heights: list[float] = []
    for g, (instance, feed, outputs) in enumerate(groups):
        x = MARGIN + (g % per_row) * 2 * (BLOCK_WIDTH + layer_gap)
        if g % per_row == 0 and g:
            top += max(heights) + GROUP_GAP
            heights = []
        layout[feed] = Position(x=x, y=top)
        y_instance = top + block_height(rows[feed]) + row_gap
        layout[instance] = Position(x=x, y=y_instance)
        y = top
        for node_id in outputs:
            layout[node_id] = Position(x=x + BLOCK_WIDTH + layer_gap, y=y)
            y += block_height(rows[node_id]) + row_gap
        heights.append(max(y_instance + block_height(rows[instance]), y - row_gap) - top)
    return layout


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


__all__ = [
    "block_height",
    "column_layout",
    "layered_layout",
    "layers",
    "port_rows",
    "zone_grid_layout",
]
