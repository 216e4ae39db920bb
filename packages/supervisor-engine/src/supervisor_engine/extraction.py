"""Make a composite from a selection of blocks: the inverse of flattening.

Every wire that enters the selection becomes an input of the composite (one
per outside source port, driving every inner port it drove), every wire that
leaves it an output (one per inner source port); their types come from the
ports they replace. The selection is replaced by one instance wired as the
blocks were, so the graph runs as before.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from pydantic import ValidationError

from bms_schemas import (
    CompositeDefinition,
    CompositeInput,
    CompositeNode,
    CompositeOutput,
    Edge,
    Graph,
    Node,
    PortRef,
    PortType,
    Position,
    composite_type,
    parse_composite_type,
)
from supervisor_engine.errors import CompositeError
from supervisor_engine.registry import Registry


def extract_composite(
    graph: Graph, node_ids: Collection[str], name: str, registry: Registry, *, title: str = ""
) -> tuple[Graph, CompositeDefinition]:
    """``graph`` with ``node_ids`` replaced by an instance of a new composite, and that composite."""
    chosen = [n for n in graph.nodes if n.id in set(node_ids)]
    if len(chosen) < 1 or len(chosen) != len(set(node_ids)):
        missing = sorted(set(node_ids) - {n.id for n in chosen})
        raise CompositeError(
            f"select blocks of the graph; not found: {missing}" if missing else "select blocks"
        )
    flows = {n.flow for n in chosen}
    if len(flows) != 1:
        raise CompositeError(f"a composite's blocks must be in one flow, not {sorted(flows)}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]{0,40}", name):
        raise CompositeError(
            f"composite name {name!r}: a letter or '_', then letters, digits, '_' or '-'"
        )
    ids = {n.id for n in chosen}
    by_id = {n.id: n for n in graph.nodes}
    version = 1 + max((d.version for d in graph.composites if d.name == name), default=0)
    instance = _free_id(f"{name}_1", {n.id for n in graph.nodes} - ids)

    inputs: dict[tuple[str, str], CompositeInput] = {}
    outputs: dict[tuple[str, str], CompositeOutput] = {}
    inner_edges: list[Edge] = []
    outer_edges: list[Edge] = []
    for edge in graph.edges:
        inside_source, inside_target = edge.source in ids, edge.target in ids
        if inside_source and inside_target:
            inner_edges.append(edge)
        elif inside_target:
            key = (edge.source, edge.source_port)
            found = inputs.get(key)
            target = PortRef(node=edge.target, port=edge.target_port)
            if found is None:
                port_name = _port_name(
                    f"{edge.source}_{edge.source_port}", {p.name for p in inputs.values()}
                )
                found = CompositeInput(
                    name=port_name,
                    type=_type(graph, by_id[edge.source], edge.source_port, "out", registry),
                    targets=(target,),
                )
                outer_edges.append(
                    edge.model_copy(update={"target": instance, "target_port": port_name})
                )
            else:
                found = found.model_copy(update={"targets": (*found.targets, target)})
            inputs[key] = found
        elif inside_source:
            key = (edge.source, edge.source_port)
            out = outputs.get(key)
            if out is None:
                port_name = _port_name(
                    f"{edge.source}_{edge.source_port}", {p.name for p in outputs.values()}
                )
                out = CompositeOutput(
                    name=port_name,
                    type=_type(graph, by_id[edge.source], edge.source_port, "out", registry),
                    source=PortRef(node=edge.source, port=edge.source_port),
                )
                outputs[key] = out
            outer_edges.append(
                edge.model_copy(update={"source": instance, "source_port": out.name})
            )
        else:
            outer_edges.append(edge)
    xs = [graph.layout[i].x for i in ids if i in graph.layout]
    ys = [graph.layout[i].y for i in ids if i in graph.layout]
    x0, y0 = (min(xs), min(ys)) if xs else (0.0, 0.0)
    definition = CompositeDefinition(
        name=name,
        version=version,
        title=title or name.replace("_", " "),
        inputs=tuple(inputs.values()),
        outputs=tuple(outputs.values()),
        nodes=tuple(
            CompositeNode(id=n.id, type=n.type, params=n.params, label=n.label) for n in chosen
        ),
        edges=tuple(inner_edges),
        layout={i: Position(x=p.x - x0, y=p.y - y0) for i, p in graph.layout.items() if i in ids},
    )
    first = next(i for i, n in enumerate(graph.nodes) if n.id in ids)
    kept = [n for n in graph.nodes if n.id not in ids]
    node = Node(
        id=instance, type=composite_type(name, version), flow=chosen[0].flow, label=definition.title
    )
    nodes = [*kept[:first], node, *kept[first:]]
    layout = {k: v for k, v in graph.layout.items() if k not in ids}
    # Where the middle of the selection was: its first column may hold other blocks.
    layout[instance] = (
        Position(x=sum(xs) / len(xs), y=sum(ys) / len(ys)) if xs else Position(x=0, y=0)
    )
    updated = graph.model_copy(
        update={
            "nodes": tuple(nodes),
            "edges": tuple(outer_edges),
            "layout": layout,
            "composites": (*graph.composites, definition),
        }
    )
    return updated, definition


def _free_id(wanted: str, taken: set[str]) -> str:
    base, n = wanted.rsplit("_", 1)[0], 1
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def _port_name(wanted: str, taken: set[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)[:48]
    if not re.match(r"[A-Za-z_]", name):
        name = f"p_{name}"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _type(graph: Graph, node: Node, port: str, direction: str, registry: Registry) -> PortType:
    parsed = parse_composite_type(node.type)
    if parsed is not None:
        definition = next((d for d in graph.composites if (d.name, d.version) == parsed), None)
        ports = (
            ()
            if definition is None
            else (definition.outputs if direction == "out" else definition.inputs)
        )
        found = next((p.type for p in ports if p.name == port), None)
    else:
        if node.type not in registry:
            raise CompositeError(f"node {node.id!r} has unknown block type {node.type!r}")
        block = registry.get(node.type)
        try:
            ins, outs = block.resolve_ports(block.parse_params(node.params))
        except (ValidationError, ValueError) as err:
            raise CompositeError(
                f"node {node.id!r} has invalid parameters; fix them first"
            ) from err
        found = next(
            (p.type for p in (outs if direction == "out" else ins) if p.name == port), None
        )
    if found is None:
        raise CompositeError(f"node {node.id!r} has no port {port!r}")
    return found


__all__ = ["extract_composite"]
