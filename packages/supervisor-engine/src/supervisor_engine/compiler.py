"""The compiler: a validated graph -> one evaluation program per flow.

Compilation does everything that can be done once: parameters parsed, ports
resolved, a deterministic topological order fixed (unit delays first, then
Kahn's algorithm taking nodes in their graph order), every port given a slot
in a flat array, unwired inputs bound to constant slots. The interpreter then
only indexes lists; by default each flow is further turned into generated
Python code (:mod:`supervisor_engine.codegen`), with the interpreter kept as
the reference it is tested against.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bms_schemas import MIN_PERIOD_MS as _MIN_PERIOD_MS
from bms_schemas import Bundle, Graph, PointConstraint
from supervisor_engine.block import BlockEnv, BlockType
from supervisor_engine.codegen import CompiledFlow
from supervisor_engine.errors import GraphValidationError
from supervisor_engine.evaluator import FlowEvaluator, NodeSlots
from supervisor_engine.registry import Registry
from supervisor_engine.validation import (
    Analysis,
    CheckedNode,
    analyse_bundle,
    analyse_graph,
    dependency_graph,
)

Engine = Literal["compiled", "interpreted"]
"""How flows are evaluated: generated code (the default) or the reference interpreter."""


@dataclass
class Program:
    """A compiled graph: one evaluator per flow, in flow order."""

    flows: dict[str, FlowEvaluator] = field(default_factory=dict)

    @property
    def points_read(self) -> set[str]:
        """Canonical references of every point the program reads."""
        return {p for f in self.flows.values() for p in f.points_read}

    @property
    def points_written(self) -> dict[str, int]:
        """Every point the program commands, with its priority."""
        return {p: prio for f in self.flows.values() for p, prio in f.points_written.items()}


def compile_graph(
    graph: Graph,
    registry: Registry,
    env: BlockEnv | None = None,
    *,
    min_period_ms: int = _MIN_PERIOD_MS,
    engine: Engine = "compiled",
) -> Program:
    """Compile ``graph``; raises :class:`GraphValidationError` with every issue if it is invalid."""
    env = env or BlockEnv()
    analysis = analyse_graph(
        graph,
        registry,
        constraints=env.constraints.values(),
        min_period_ms=min_period_ms,
        env=env,
    )
    if analysis.issues:
        raise GraphValidationError(analysis.issues)
    layouts = _layouts(analysis, env)
    del analysis  # see compile_bundle
    return _program(layouts, engine)


def compile_bundle(bundle: Bundle, registry: Registry, *, engine: Engine = "compiled") -> Program:
    """Validate and compile a bundle (schema version and declared types included)."""
    analysis = analyse_bundle(bundle, registry)
    if analysis.issues:
        raise GraphValidationError(analysis.issues)
    env = BlockEnv(
        defaults=bundle.defaults,
        constraints=_by_point(bundle.constraints),
        schedules=bundle.schedules,
    )
    layouts = _layouts(analysis, env)
    # the checked nodes, their ports and the wiring are not needed past here: let them go
    # before code is generated, whose compile() then reuses their memory
    del analysis
    return _program(layouts, engine)


def _by_point(constraints: Iterable[PointConstraint]) -> Mapping[str, PointConstraint]:
    return {str(c.point): c for c in constraints}


@dataclass
class _Layout:
    """One flow's nodes in evaluation order, with every port's slot: what an evaluator needs."""

    flow_id: str
    nodes: list[NodeSlots]
    slot_names: list[str]
    constants: dict[int, Any]


def _layouts(analysis: Analysis, env: BlockEnv) -> list[_Layout]:
    """Lay out each flow of the analysed graph, in which composites are already flattened."""
    graph = analysis.graph
    deps = dependency_graph(analysis.nodes, analysis.drivers)
    layouts = []
    for flow in graph.flows:
        members = [n.id for n in graph.nodes if n.flow == flow.id]
        order = _order(members, deps, analysis.nodes)
        layouts.append(_layout(flow.id, order, analysis, env))
    return layouts


def _program(layouts: list[_Layout], engine: Engine) -> Program:
    program = Program()
    for f in layouts:
        evaluator = CompiledFlow if engine == "compiled" else FlowEvaluator
        program.flows[f.flow_id] = evaluator(f.flow_id, f.nodes, f.slot_names, f.constants)
    return program


def _order(
    members: list[str], deps: Mapping[str, list[str]], nodes: Mapping[str, CheckedNode]
) -> list[str]:
    """Delays first, then a topological order that keeps graph order among equals."""
    rank = {node_id: i for i, node_id in enumerate(members)}
    waiting = {n: len(deps[n]) for n in members}
    users: dict[str, list[str]] = {n: [] for n in members}
    for n in members:
        for d in deps[n]:
            users[d].append(n)
    delays = [n for n in members if nodes[n].block.delays]
    ready = [(rank[n], n) for n in members if waiting[n] == 0 and not nodes[n].block.delays]
    heapq.heapify(ready)
    order = list(delays)
    for d in delays:
        for user in users[d]:
            waiting[user] -= 1
            if waiting[user] == 0:
                heapq.heappush(ready, (rank[user], user))
    while ready:
        _, n = heapq.heappop(ready)
        order.append(n)
        for user in users[n]:
            waiting[user] -= 1
            if waiting[user] == 0 and not nodes[user].block.delays:
                heapq.heappush(ready, (rank[user], user))
    assert len(order) == len(members), "cycles are refused by validation"
    return order


def _layout(flow_id: str, order: list[str], analysis: Analysis, env: BlockEnv) -> _Layout:
    out_slot: dict[tuple[str, str], int] = {}
    slot_names: list[str] = []
    constants: dict[int, Any] = {}
    for node_id in order:
        for port in analysis.nodes[node_id].outputs:
            out_slot[(node_id, port.name)] = len(slot_names)
            slot_names.append(f"{node_id}.{port.name}")
    nodes: list[NodeSlots] = []
    for node_id in order:
        checked = analysis.nodes[node_id]
        in_slots: list[int] = []
        for port in checked.inputs:
            edge = analysis.drivers.get((node_id, port.name))
            if edge is not None:
                in_slots.append(out_slot[(edge.source, edge.source_port)])
            else:
                constants[len(slot_names)] = port.default
                in_slots.append(len(slot_names))
                slot_names.append(f"{node_id}.{port.name}(default)")
        block: BlockType[Any] = checked.block
        nodes.append(
            NodeSlots(
                node_id=node_id,
                block=block,
                params=checked.params,
                bound=block.bind(checked.params, env),
                inputs=tuple(in_slots),
                outputs=tuple(out_slot[(node_id, p.name)] for p in checked.outputs),
                output_names=tuple(p.name for p in checked.outputs),
            )
        )
    return _Layout(flow_id, nodes, slot_names, constants)


__all__ = ["Engine", "Program", "compile_bundle", "compile_graph"]
