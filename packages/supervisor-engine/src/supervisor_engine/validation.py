"""Graph and bundle validation: every problem found, machine-readable.

Validation never stops at the first problem: the editor shows them all, each
naming the node, edge, flow or field it concerns. The compiler runs the same
checks, so a graph that validates is a graph that runs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from bms_schemas import (
    COMPOSITE_PREFIX,
    MIN_PERIOD_MS,
    Bundle,
    Edge,
    Flow,
    Graph,
    IssueCode,
    Node,
    PointConstraint,
    SchemaVersionError,
    ValidationIssue,
    check_schema_version,
)
from supervisor_engine.block import (
    BlockEnv,
    BlockType,
    Params,
    ResolvedPort,
    Role,
    param_errors,
    param_unit,
)
from supervisor_engine.composites import flatten_graph
from supervisor_engine.registry import Registry
from supervisor_engine.units import symbol


@dataclass
class CheckedNode:
    """A node whose type is known and whose parameters are valid."""

    node: Node
    block: BlockType[Any]
    params: Params
    inputs: list[ResolvedPort]
    outputs: list[ResolvedPort]


@dataclass
class Analysis:
    """What validation learnt about a graph, for the compiler to reuse."""

    graph: Graph = field(default_factory=Graph)
    """The graph analysed: the one given, composites flattened."""
    issues: list[ValidationIssue] = field(default_factory=list)
    nodes: dict[str, CheckedNode] = field(default_factory=dict)
    drivers: dict[tuple[str, str], Edge] = field(default_factory=dict)
    """The one edge driving each (node, input port)."""

    def add(self, code: IssueCode, message: str, **where: Any) -> None:
        self.issues.append(ValidationIssue(code=code, message=message, **where))


def analyse_graph(
    graph: Graph,
    registry: Registry,
    *,
    constraints: Iterable[PointConstraint] = (),
    min_period_ms: int = MIN_PERIOD_MS,
    env: BlockEnv | None = None,
) -> Analysis:
    """Check a graph against the registry; see :func:`validate_graph`.

    Composite instances are flattened first (:mod:`supervisor_engine.composites`);
    what is found inside one is reported with its instance path.
    """
    flat = flatten_graph(graph, registry)
    graph = flat.graph
    result = Analysis(graph=graph)
    flows = _check_flows(graph, min_period_ms, result)
    _check_nodes([n for n in graph.nodes if n.id not in flat.unexpanded], flows, registry, result)
    if env is not None:
        _check_against_bundle(env, result)
    _check_edges(graph.edges, {n.id for n in graph.nodes}, result)
    _check_unconnected(result)
    _check_cycles(result)
    _check_points(result, list(constraints))
    _check_triggers(graph, result)
    result.issues = flat.issues + [
        flat.localise(issue)
        for issue in result.issues
        if not (issue.code is IssueCode.PORT_TYPE_MISMATCH and issue.edge in flat.reported_edges)
    ]
    return result


def validate_graph(
    graph: Graph,
    registry: Registry,
    *,
    constraints: Iterable[PointConstraint] = (),
    min_period_ms: int = MIN_PERIOD_MS,
    env: BlockEnv | None = None,
) -> list[ValidationIssue]:
    """Every problem of ``graph``: types, parameters, ports, wiring, cycles, points, schedules.

    With ``env`` (the bundle's defaults, constraints and shared calendars), blocks also
    check what refers to the bundle, such as a calendar's name.
    """
    return analyse_graph(
        graph, registry, constraints=constraints, min_period_ms=min_period_ms, env=env
    ).issues


def validate_bundle(bundle: Bundle, registry: Registry) -> list[ValidationIssue]:
    """Every problem of a bundle: schema version, declared block types, then its graph."""
    return analyse_bundle(bundle, registry).issues


def analyse_bundle(bundle: Bundle, registry: Registry) -> Analysis:
    """The analysis of a bundle's graph, its issues with the bundle's own first.

    One pass: a compiler that validates and then builds from the analysis would otherwise
    analyse every node twice (parameters parsed, points resolved, all of it thrown away).
    """
    issues: list[ValidationIssue] = []
    try:
        check_schema_version(bundle.schema_version)
    except SchemaVersionError as err:
        issues.append(ValidationIssue(code=IssueCode.UNSUPPORTED_SCHEMA_VERSION, message=str(err)))
    for type_name, version in sorted(bundle.node_types.items()):
        if type_name in registry and version > registry.get(type_name).version:
            issues.append(
                ValidationIssue(
                    code=IssueCode.UNSUPPORTED_BLOCK_VERSION,
                    message=f"bundle needs {type_name} version {version}; this engine has "
                    f"version {registry.get(type_name).version}",
                    field=f"nodeTypes.{type_name}",
                )
            )
    for node in bundle.graph.nodes:
        if node.type not in bundle.node_types and not node.type.startswith(COMPOSITE_PREFIX):
            issues.append(
                ValidationIssue(
                    code=IssueCode.UNKNOWN_BLOCK_TYPE,
                    message=f"node {node.id!r} uses {node.type!r}, which nodeTypes does not declare",
                    node=node.id,
                    field="type",
                )
            )
    env = BlockEnv(
        defaults=bundle.defaults,
        constraints={str(c.point): c for c in bundle.constraints},
        schedules=bundle.schedules,
    )
    analysis = analyse_graph(bundle.graph, registry, constraints=bundle.constraints, env=env)
    analysis.issues = issues + analysis.issues
    return analysis


def _flow_label(flow: Flow) -> str:
    """A flow as the editor's tab shows it: by its name (quoted), the id only when it differs."""
    return repr(flow.name) if flow.name == flow.id else f"{flow.name!r} ({flow.id})"


def _check_flows(graph: Graph, min_period_ms: int, result: Analysis) -> set[str]:
    seen: set[str] = set()
    for flow in graph.flows:
        if flow.id in seen:
            result.add(IssueCode.DUPLICATE_ID, f"flow id {flow.id!r} is used twice", flow=flow.id)
        seen.add(flow.id)
        if flow.schedule.period_ms < min_period_ms:
            result.add(
                IssueCode.PERIOD_TOO_SHORT,
                f"flow {_flow_label(flow)} has a period of {flow.schedule.period_ms} ms; "
                f"the minimum is {min_period_ms} ms",
                flow=flow.id,
                field="schedule.periodMs",
            )
    return seen


def _check_nodes(
    nodes: Sequence[Node], flows: set[str], registry: Registry, result: Analysis
) -> None:
    seen: set[str] = set()
    for node in nodes:
        if node.id in seen:
            result.add(IssueCode.DUPLICATE_ID, f"node id {node.id!r} is used twice", node=node.id)
            continue
        seen.add(node.id)
        if node.flow not in flows:
            result.add(
                IssueCode.UNKNOWN_FLOW,
                f"node {node.id!r} belongs to flow {node.flow!r}, which does not exist",
                node=node.id,
                field="flow",
            )
        if node.type not in registry:
            result.add(
                IssueCode.UNKNOWN_BLOCK_TYPE,
                f"node {node.id!r} has unknown block type {node.type!r}",
                node=node.id,
                field="type",
            )
            continue
        block = registry.get(node.type)
        try:
            params = block.parse_params(node.params)
        except ValidationError as err:
            for path, message in param_errors(err):
                unit = param_unit(block.params, path) if path else None
                # 'must be at most 30' -> 'must be at most 30 °C': the bound is in the unit.
                hint = f"{message} {symbol(unit)}" if unit and message[-1:].isdigit() else message
                result.add(
                    IssueCode.INVALID_PARAMETER,
                    f"node {node.id!r} ({node.type}): {path} {hint}"
                    if path
                    else f"node {node.id!r} ({node.type}): {hint}",
                    node=node.id,
                    field=f"params.{path}" if path else "params",
                    hint=hint,
                )
            continue
        inputs, outputs = block.resolve_ports(params)
        result.nodes[node.id] = CheckedNode(node, block, params, inputs, outputs)


def _check_against_bundle(env: BlockEnv, result: Analysis) -> None:
    for node_id, checked in result.nodes.items():
        if checked.block.check is not None:
            for message in checked.block.check(checked.params, env):
                result.add(
                    IssueCode.INVALID_PARAMETER,
                    f"node {node_id!r} ({checked.node.type}): {message}",
                    node=node_id,
                    field="params",
                    hint=message,
                )


def _port(ports: list[ResolvedPort], name: str) -> ResolvedPort | None:
    return next((p for p in ports if p.name == name), None)


def _check_edges(edges: Sequence[Edge], node_ids: set[str], result: Analysis) -> None:
    labels = {f.id: _flow_label(f) for f in result.graph.flows}
    for edge in edges:
        source = result.nodes.get(edge.source)
        target = result.nodes.get(edge.target)
        for end in (edge.source, edge.target):
            if end not in node_ids:
                result.add(
                    IssueCode.UNKNOWN_NODE,
                    f"edge {edge.key} refers to node {end!r}, which does not exist",
                    edge=edge.key,
                )
        if source is None or target is None:
            continue
        out_port = _port(source.outputs, edge.source_port)
        in_port = _port(target.inputs, edge.target_port)
        if out_port is None:
            result.add(
                IssueCode.UNKNOWN_PORT,
                f"edge {edge.key}: {source.node.type} has no output {edge.source_port!r}",
                edge=edge.key,
                node=edge.source,
                field=edge.source_port,
            )
        if in_port is None:
            result.add(
                IssueCode.UNKNOWN_PORT,
                f"edge {edge.key}: {target.node.type} has no input {edge.target_port!r}",
                edge=edge.key,
                node=edge.target,
                field=edge.target_port,
            )
        if out_port is None or in_port is None:
            continue
        if source.node.flow != target.node.flow:
            result.add(
                IssueCode.CROSS_FLOW_EDGE,
                f"edge {edge.key} joins flow {labels.get(source.node.flow, source.node.flow)} "
                f"to flow {labels.get(target.node.flow, target.node.flow)}; "
                "flows exchange values through points",
                edge=edge.key,
            )
        if not in_port.type.accepts(out_port.type):
            result.add(
                IssueCode.PORT_TYPE_MISMATCH,
                f"edge {edge.key}: output {out_port.type.describe()} cannot drive input "
                f"{in_port.type.describe()}",
                edge=edge.key,
                node=edge.target,
                field=edge.target_port,
            )
        key = (edge.target, edge.target_port)
        if key in result.drivers:
            result.add(
                IssueCode.MULTIPLE_DRIVERS,
                f"input {edge.target}.{edge.target_port} is driven by both "
                f"{result.drivers[key].key} and {edge.key}",
                edge=edge.key,
                node=edge.target,
                field=edge.target_port,
            )
            continue
        result.drivers[key] = edge


def _check_unconnected(result: Analysis) -> None:
    # An input wired from a node whose own parameters are invalid is connected: only that
    # node is at fault, and it says so (its edges could not be checked, so are not drivers).
    present = {n.id for n in result.graph.nodes}
    unchecked = present - result.nodes.keys()
    wired = {(e.target, e.target_port) for e in result.graph.edges if e.source in unchecked}
    for node_id, checked in result.nodes.items():
        for port in checked.inputs:
            if (
                port.required
                and (node_id, port.name) not in result.drivers
                and (node_id, port.name) not in wired
            ):
                result.add(
                    IssueCode.UNCONNECTED_INPUT,
                    f"input {node_id}.{port.name} ({checked.node.type}) must be connected",
                    node=node_id,
                    field=port.name,
                )


def dependency_graph(
    nodes: Mapping[str, CheckedNode], drivers: Mapping[tuple[str, str], Edge]
) -> dict[str, list[str]]:
    """For each node, the nodes it must be evaluated after (delays excepted)."""
    deps: dict[str, list[str]] = {node_id: [] for node_id in nodes}
    for (target, _port_name), edge in drivers.items():
        if not nodes[target].block.delays and edge.source not in deps[target]:
            deps[target].append(edge.source)
    return deps


def _check_cycles(result: Analysis) -> None:
    deps = dependency_graph(result.nodes, result.drivers)
    for cycle in find_cycles(deps):
        result.add(
            IssueCode.CYCLE,
            f"cycle {' -> '.join([*cycle, cycle[0]])} is not broken by a unit delay",
            node=cycle[0],
            nodes=tuple(cycle),
        )


def find_cycles(deps: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """One cycle (as the list of its nodes in wiring order) per strongly connected component.

    Iterative Tarjan, so a 10,000-node chain does not hit Python's recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = 0
    for root in deps:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child_i = work.pop()
            if child_i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = deps[node]
            if child_i < len(children):
                work.append((node, child_i + 1))
                child = children[child_i]
                if child not in index:
                    work.append((child, 0))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in deps[node]:
                    cycles.append(_cycle_in(set(component), deps))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return cycles


def _cycle_in(component: set[str], deps: Mapping[str, Sequence[str]]) -> list[str]:
    """A simple cycle through the component, in the direction values flow."""
    start = min(component)
    path = [start]
    position = {start: 0}
    node = start
    while True:
        node = next(d for d in deps[node] if d in component)
        if node in position:
            # deps point from a node to what feeds it; reverse to follow the wires
            return list(reversed(path[position[node] :]))
        position[node] = len(path)
        path.append(node)


def _check_points(result: Analysis, constraints: list[PointConstraint]) -> None:
    by_point = {str(c.point): c for c in constraints}
    writers: dict[str, list[str]] = defaultdict(list)
    for node_id, checked in result.nodes.items():
        if checked.block.role is not Role.POINT_OUTPUT:
            continue
        point = str(getattr(checked.params, "point"))  # noqa: B009 - point blocks declare it
        writers[point].append(node_id)
        priority = getattr(checked.params, "priority", None)
        constraint = by_point.get(point)
        if priority is not None and constraint and not constraint.allows_priority(priority):
            result.add(
                IssueCode.PRIORITY_NOT_ALLOWED,
                f"node {node_id!r} writes {point} at priority {priority}; its constraint allows "
                f"{constraint.min_priority}-{constraint.max_priority}",
                node=node_id,
                field="params.priority",
            )
    for point, nodes in writers.items():
        if len(nodes) > 1:
            result.add(
                IssueCode.POINT_WRITTEN_TWICE,
                f"point {point} is written by {len(nodes)} outputs: {', '.join(nodes)}",
                node=nodes[1],
                nodes=tuple(nodes),
                field="params.point",
            )


def _check_triggers(graph: Graph, result: Analysis) -> None:
    for flow in graph.flows:
        for node_id in flow.trigger_on_change:
            checked = result.nodes.get(node_id)
            if (
                checked is None
                or checked.block.role is not Role.POINT_INPUT
                or (checked.node.flow != flow.id)
            ):
                result.add(
                    IssueCode.INVALID_TRIGGER,
                    f"flow {_flow_label(flow)} triggers on {node_id!r}, which is not a point input "
                    "of that flow",
                    flow=flow.id,
                    node=node_id,
                    field="triggerOnChange",
                )
