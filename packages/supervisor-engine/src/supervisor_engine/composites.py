"""Flattening composite blocks: the one implementation validation, simulation and bundles use.

An instance ``zone_3`` of a composite whose inner nodes are ``pid`` and
``lim`` becomes the ordinary nodes ``zone_3__pid`` and ``zone_3__lim`` in the
instance's flow; wires into an instance input go to every inner port that
input drives, wires from an instance output come from the inner port behind
it, and instance parameters are written into the inner parameters they
target. Composites may nest.

Every flat node remembers its origin (``("zone_3", "pid")``), so a problem
that validation finds in the flat graph is reported where the engineer drew
it: ``zone_3 > pid``. Types are also checked across each instance's
boundary against the composite's declared ports, so a wire of the wrong unit
into a composite is refused even when the inner block would accept it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from pydantic import JsonValue, ValidationError

from bms_schemas import (
    CompositeDefinition,
    CompositeParam,
    CompositePin,
    Edge,
    Graph,
    IssueCode,
    Node,
    PortType,
    ValidationIssue,
    ValueType,
    parse_composite_type,
)
from supervisor_engine.registry import Registry

SEPARATOR = "__"
"""Joins an instance id and an inner node id into a flat node id."""

PATH_SEPARATOR = " > "
"""Joins instance ids in the path shown to the engineer."""

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


@dataclass
class Flattening:
    """A graph without composite instances, and where each of its nodes came from."""

    graph: Graph
    origins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Flat node id -> the ids from the outermost instance down to the inner node."""
    issues: list[ValidationIssue] = field(default_factory=list)
    """Problems of the composites themselves, already reported with their paths."""
    pins: dict[str, CompositePin] = field(default_factory=dict)
    """Every composite flattened into the graph: name -> version and content hash."""
    unexpanded: set[str] = field(default_factory=set)
    """Ids of instances left as they were because their composite could not be flattened."""
    reported_edges: set[str] = field(default_factory=set)
    """Flat edges whose type error is already reported at an instance boundary."""

    def localise(self, issue: ValidationIssue) -> ValidationIssue:
        """``issue`` found in the flat graph, told in terms of the graph as drawn."""
        if not self.origins:
            return issue
        update: dict[str, Any] = {"message": self._readable(issue.message)}
        if issue.node in self.origins:
            origin = self.origins[issue.node]
            update["node"] = origin[0]
            update["path"] = PATH_SEPARATOR.join(origin)
        if issue.edge is not None:
            update["edge"] = self._readable(issue.edge)
        if issue.nodes:
            update["nodes"] = tuple(
                dict.fromkeys(self.origins.get(n, (n,))[0] for n in issue.nodes)
            )
        return issue.model_copy(update=update)

    def _readable(self, text: str) -> str:
        def name(found: re.Match[str]) -> str:
            origin = self.origins.get(found[0])
            return PATH_SEPARATOR.join(origin) if origin else found[0]

        return _TOKEN.sub(name, text)


def definition_hash(definition: CompositeDefinition) -> str:
    """``sha256:<hex>`` of the definition's canonical JSON, layout left out."""
    body = definition.model_dump(mode="json", by_alias=True, exclude={"layout"})
    return "sha256:" + hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def flatten_graph(graph: Graph, registry: Registry) -> Flattening:
    """``graph`` with every composite instance replaced by its inner nodes and wires."""
    if not graph.composites and not any(_is_composite(n.type) for n in graph.nodes):
        return Flattening(graph)
    return _Flattener(graph, registry).run()


def pin_issues(
    graph: Graph, pinned: Mapping[str, CompositePin], *, pinned_by: str
) -> list[ValidationIssue]:
    """Composite versions of ``graph`` changed in place although ``pinned_by`` runs them.

    A deployed bundle pins the versions it was built from; a changed
    definition must be saved as a new version so that the deployed one stays
    what the bundle says it is.
    """
    issues: list[ValidationIssue] = []
    for definition in graph.composites:
        pin = pinned.get(definition.name)
        if pin is None or pin.version != definition.version:
            continue
        if definition_hash(definition) != pin.hash:
            issues.append(
                ValidationIssue(
                    code=IssueCode.COMPOSITE_PIN_CHANGED,
                    message=f"composite {definition.name} version {definition.version} was "
                    f"changed, but {pinned_by} runs that version as it was; save the change "
                    f"as version {definition.version + 1}",
                    field=f"composites.{definition.name}",
                )
            )
    return issues


def _is_composite(node_type: str) -> bool:
    try:
        return parse_composite_type(node_type) is not None
    except ValueError:
        return True


@dataclass
class _Expansion:
    """One instance, flattened: where its inputs go and where its outputs come from."""

    flat_id: str
    flow: str
    inputs: dict[str, list[tuple[str, str]]]
    outputs: dict[str, tuple[str, str]]


class _InstanceError(Exception):
    """An instance that cannot be flattened; the issue is already recorded."""


class _Flattener:
    def __init__(self, graph: Graph, registry: Registry) -> None:
        self.graph = graph
        self.registry = registry
        self.library: dict[tuple[str, int], CompositeDefinition] = {}
        self.result = Flattening(graph)
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.used: dict[str, CompositeDefinition] = {}
        for definition in graph.composites:
            key = (definition.name, definition.version)
            if key in self.library:
                self._issue(
                    IssueCode.INVALID_COMPOSITE,
                    f"composite {definition.name} version {definition.version} is defined twice",
                    field=f"composites.{definition.name}",
                )
            self.library[key] = definition

    def run(self) -> Flattening:
        expansions: dict[str, _Expansion] = {}
        declared: dict[str, CompositeDefinition] = {}
        for node in self.graph.nodes:
            mark = (len(self.nodes), len(self.edges), dict(self.result.origins), dict(self.used))
            try:
                definition = self._definition(node.type, (node.id,))
                if definition is not None:
                    expansions[node.id] = self._expand(
                        node.id, (node.id,), node.flow, definition, node.params, ()
                    )
                    declared[node.id] = definition
                    continue
            except _InstanceError:
                # Undo the part already flattened; the instance stays as drawn, reported.
                del self.nodes[mark[0] :], self.edges[mark[1] :]
                self.result.origins, self.used = mark[2], mark[3]
                self.result.unexpanded.add(node.id)
            self.nodes.append(node)
        plain = {n.id: n for n in self.graph.nodes if n.id not in declared}
        self._rewire(self.graph.edges, expansions, declared, plain, prefix="", path=())
        self._pin()
        kept = {n.id for n in self.nodes}
        self.result.graph = self.graph.model_copy(
            update={
                "nodes": tuple(self.nodes),
                "edges": tuple(self.edges),
                "composites": (),
                "layout": {k: v for k, v in self.graph.layout.items() if k in kept},
            }
        )
        return self.result

    # -- one instance ---------------------------------------------------------------------------

    def _definition(self, node_type: str, path: tuple[str, ...]) -> CompositeDefinition | None:
        """The definition a node instantiates; None for a plain block."""
        try:
            parsed = parse_composite_type(node_type)
        except ValueError as err:
            self._issue(
                IssueCode.UNKNOWN_COMPOSITE, f"{_where(path)}: {err}", path=path, field="type"
            )
            raise _InstanceError from err
        if parsed is None:
            return None
        definition = self.library.get(parsed)
        if definition is None:
            have = sorted(v for (n, v) in self.library if n == parsed[0])
            self._issue(
                IssueCode.UNKNOWN_COMPOSITE,
                f"{_where(path)} uses composite {parsed[0]} version {parsed[1]}, which the "
                f"project does not define"
                + (f" (it has version {', '.join(map(str, have))})" if have else ""),
                path=path,
                field="type",
            )
            raise _InstanceError
        return definition

    def _expand(
        self,
        flat_id: str,
        path: tuple[str, ...],
        flow: str,
        definition: CompositeDefinition,
        instance_params: Mapping[str, JsonValue],
        stack: tuple[tuple[str, int], ...],
    ) -> _Expansion:
        key = (definition.name, definition.version)
        if key in stack:
            chain = " > ".join(f"{n}@{v}" for n, v in (*stack, key))
            self._issue(
                IssueCode.INVALID_COMPOSITE,
                f"{_where(path)}: composite {definition.name} contains itself ({chain})",
                path=path,
                field="type",
            )
            raise _InstanceError
        self._check_definition(definition, path)
        self._use(definition, path)
        values = self._param_values(definition, instance_params, path)
        inner_params: dict[str, dict[str, JsonValue]] = {
            n.id: dict(n.params) for n in definition.nodes
        }
        for param in definition.params:
            if param.name in values:
                for target in param.targets:
                    inner_params[target.node][target.param] = values[param.name]
        expansions: dict[str, _Expansion] = {}
        declared: dict[str, CompositeDefinition] = {}
        plain: dict[str, Node] = {}
        for inner in definition.nodes:
            inner_flat = f"{flat_id}{SEPARATOR}{inner.id}"
            inner_path = (*path, inner.id)
            nested = self._definition(inner.type, inner_path)
            if nested is not None:
                expansions[inner.id] = self._expand(
                    inner_flat, inner_path, flow, nested, inner_params[inner.id], (*stack, key)
                )
                declared[inner.id] = nested
                continue
            if len(inner_flat) > 64:
                self._issue(
                    IssueCode.INVALID_COMPOSITE,
                    f"{PATH_SEPARATOR.join(inner_path)}: the flat id {inner_flat!r} is longer "
                    "than 64 characters; use shorter instance or node ids",
                    path=inner_path,
                )
                raise _InstanceError
            node = Node(
                id=inner_flat,
                type=inner.type,
                flow=flow,
                params=inner_params[inner.id],
                label=inner.label,
            )
            self.result.origins[node.id] = inner_path
            self.nodes.append(node)
            plain[inner.id] = node
        boundary = {(t.node, t.port) for p in definition.inputs for t in p.targets}
        self._rewire(
            definition.edges, expansions, declared, plain, prefix=flat_id, path=path, fed=boundary
        )
        return _Expansion(
            flat_id=flat_id,
            flow=flow,
            inputs={
                p.name: [
                    t
                    for target in p.targets
                    for t in self._inner_inputs(flat_id, target.node, target.port, expansions)
                ]
                for p in definition.inputs
            },
            outputs={
                p.name: self._inner_output(flat_id, p.source.node, p.source.port, expansions)
                for p in definition.outputs
            },
        )

    def _check_definition(self, definition: CompositeDefinition, path: tuple[str, ...]) -> None:
        inner = {n.id for n in definition.nodes}
        problems: list[str] = []
        for port in definition.inputs:
            problems += [
                f"input {port.name} drives {t.node}.{t.port}, but there is no node {t.node!r}"
                for t in port.targets
                if t.node not in inner
            ]
        for out in definition.outputs:
            if out.source.node not in inner:
                problems.append(
                    f"output {out.name} comes from node {out.source.node!r}, which it lacks"
                )
        for param in definition.params:
            problems += [
                f"parameter {param.name} sets {t.node}.{t.param}, but there is no node {t.node!r}"
                for t in param.targets
                if t.node not in inner
            ]
        for edge in definition.edges:
            problems += [
                f"edge {edge.key} refers to node {end!r}, which it lacks"
                for end in (edge.source, edge.target)
                if end not in inner
            ]
        for problem in problems:
            self._issue(
                IssueCode.INVALID_COMPOSITE,
                f"composite {definition.name}@{definition.version} (used by {_where(path)}): "
                f"{problem}",
                path=path,
                field=f"composites.{definition.name}",
            )
        if problems:
            raise _InstanceError

    def _use(self, definition: CompositeDefinition, path: tuple[str, ...]) -> None:
        other = self.used.setdefault(definition.name, definition)
        if other.version != definition.version:
            self._issue(
                IssueCode.INVALID_COMPOSITE,
                f"{_where(path)} uses composite {definition.name} version {definition.version} "
                f"while other instances use version {other.version}; a bundle runs one version "
                "of each composite",
                path=path,
                field="type",
            )

    def _param_values(
        self,
        definition: CompositeDefinition,
        given: Mapping[str, JsonValue],
        path: tuple[str, ...],
    ) -> dict[str, JsonValue]:
        declared = {p.name: p for p in definition.params}
        for name in sorted(set(given) - set(declared)):
            self._issue(
                IssueCode.INVALID_PARAMETER,
                f"{_where(path)} ({definition.name}): unknown parameter {name!r}",
                path=path,
                field=f"params.{name}",
            )
        values: dict[str, JsonValue] = {}
        for param in definition.params:
            value = given.get(param.name, param.default)
            problem = _param_problem(param, value)
            if problem is not None:
                self._issue(
                    IssueCode.INVALID_PARAMETER,
                    f"{_where(path)} ({definition.name}): parameter {param.name}: {problem}",
                    path=path,
                    field=f"params.{param.name}",
                )
                # The default stands in, so the inner blocks do not report the same problem.
                if param.default is None or _param_problem(param, param.default) is not None:
                    continue
                value = param.default
            values[param.name] = value
        return values

    # -- wires ----------------------------------------------------------------------------------

    def _rewire(
        self,
        edges: Sequence[Edge],
        expansions: Mapping[str, _Expansion],
        declared: Mapping[str, CompositeDefinition],
        plain: Mapping[str, Node],
        *,
        prefix: str,
        path: tuple[str, ...],
        fed: set[tuple[str, str]] | None = None,
    ) -> None:
        """Add ``edges`` of one level, instance ports resolved; ``fed``: ports the level's inputs drive."""
        for edge in edges:
            fits = self._check_boundary(edge, declared, plain, path)
            if edge.source in expansions:
                source = expansions[edge.source].outputs.get(edge.source_port)
                if source is None:
                    self._no_port(edge.source, declared[edge.source], "output", edge, path)
                    continue
            else:
                source = (self._local(prefix, edge.source, path), edge.source_port)
            if edge.target in expansions:
                targets = expansions[edge.target].inputs.get(edge.target_port)
                if targets is None:
                    self._no_port(edge.target, declared[edge.target], "input", edge, path)
                    continue
            else:
                targets = [(self._local(prefix, edge.target, path), edge.target_port)]
            for target_node, target_port in targets:
                flat_edge = Edge(
                    source=source[0],
                    source_port=source[1],
                    target=target_node,
                    target_port=target_port,
                )
                self.edges.append(flat_edge)
                if not fits:
                    self.result.reported_edges.add(flat_edge.key)
        self._unwired_inputs(edges, expansions, declared, path, fed or set())

    def _unwired_inputs(
        self,
        edges: Sequence[Edge],
        expansions: Mapping[str, _Expansion],
        declared: Mapping[str, CompositeDefinition],
        path: tuple[str, ...],
        fed: set[tuple[str, str]],
    ) -> None:
        wired = {(e.target, e.target_port) for e in edges} | fed
        for instance_id, definition in declared.items():
            instance_path = (*path, instance_id)
            flat = expansions[instance_id]
            for port in definition.inputs:
                if (instance_id, port.name) in wired:
                    continue
                if port.required or port.default is None:
                    if port.required:
                        self._issue(
                            IssueCode.UNCONNECTED_INPUT,
                            f"input {PATH_SEPARATOR.join(instance_path)}.{port.name} "
                            f"({definition.name}) must be connected",
                            path=instance_path,
                            field=port.name,
                        )
                    continue
                # An unwired optional input feeds its default to every inner port it drives.
                const_id = f"{flat.flat_id}{SEPARATOR}in_{port.name}"
                self.nodes.append(
                    Node(
                        id=const_id,
                        type="io.constant",
                        flow=flat.flow,
                        params={"value": port.default, "valueType": port.type.type.value},
                    )
                )
                self.result.origins[const_id] = (*instance_path, f"in_{port.name}")
                for target_node, target_port in flat.inputs[port.name]:
                    self.edges.append(
                        Edge(
                            source=const_id,
                            source_port="value",
                            target=target_node,
                            target_port=target_port,
                        )
                    )

    def _check_boundary(
        self,
        edge: Edge,
        declared: Mapping[str, CompositeDefinition],
        plain: Mapping[str, Node],
        path: tuple[str, ...],
    ) -> bool:
        """A wire into or out of an instance must fit the composite's declared port type."""
        if edge.source not in declared and edge.target not in declared:
            return True
        source_type = self._port_type(edge.source, edge.source_port, "out", declared, plain)
        target_type = self._port_type(edge.target, edge.target_port, "in", declared, plain)
        if source_type is None or target_type is None or target_type.accepts(source_type):
            return True
        where = (*path, edge.target if edge.target in declared else edge.source)
        self._issue(
            IssueCode.PORT_TYPE_MISMATCH,
            f"edge {_edge_text(edge, path)}: output {source_type.describe()} cannot drive input "
            f"{target_type.describe()}",
            path=where,
            field=edge.target_port,
            edge=_edge_text(edge, path),
        )
        return False

    def _port_type(
        self,
        node_id: str,
        port: str,
        direction: str,
        declared: Mapping[str, CompositeDefinition],
        plain: Mapping[str, Node],
    ) -> PortType | None:
        definition = declared.get(node_id)
        if definition is not None:
            ports = definition.inputs if direction == "in" else definition.outputs
            return next((p.type for p in ports if p.name == port), None)
        node = plain.get(node_id)
        if node is None or node.type not in self.registry:
            return None
        block = self.registry.get(node.type)
        try:
            inputs, outputs = block.resolve_ports(block.parse_params(node.params))
        except (ValidationError, ValueError):
            return None  # validation of the flat graph reports the parameters
        return next(
            (p.type for p in (inputs if direction == "in" else outputs) if p.name == port), None
        )

    def _inner_inputs(
        self, flat_id: str, node: str, port: str, expansions: Mapping[str, _Expansion]
    ) -> list[tuple[str, str]]:
        if node in expansions:
            return expansions[node].inputs.get(port, [])
        return [(f"{flat_id}{SEPARATOR}{node}", port)]

    def _inner_output(
        self, flat_id: str, node: str, port: str, expansions: Mapping[str, _Expansion]
    ) -> tuple[str, str]:
        if node in expansions:
            found = expansions[node].outputs.get(port)
            if found is not None:
                return found
        return (f"{flat_id}{SEPARATOR}{node}", port)

    def _local(self, prefix: str, node_id: str, path: tuple[str, ...]) -> str:
        return f"{prefix}{SEPARATOR}{node_id}" if prefix else node_id

    def _no_port(
        self,
        instance: str,
        definition: CompositeDefinition,
        direction: str,
        edge: Edge,
        path: tuple[str, ...],
    ) -> None:
        port = edge.source_port if direction == "output" else edge.target_port
        self._issue(
            IssueCode.UNKNOWN_PORT,
            f"edge {_edge_text(edge, path)}: composite {definition.name} has no {direction} "
            f"{port!r}",
            path=(*path, instance),
            field=port,
            edge=_edge_text(edge, path),
        )

    # -- bookkeeping ----------------------------------------------------------------------------

    def _pin(self) -> None:
        for name, definition in sorted(self.used.items()):
            self.result.pins[name] = CompositePin(
                version=definition.version, hash=definition_hash(definition)
            )

    def _issue(
        self,
        code: IssueCode,
        message: str,
        *,
        path: tuple[str, ...] = (),
        field: str | None = None,
        edge: str | None = None,
    ) -> None:
        self.result.issues.append(
            ValidationIssue(
                code=code,
                message=message,
                node=path[0] if path else None,
                path=PATH_SEPARATOR.join(path) if len(path) > 1 else None,
                field=field,
                edge=edge,
            )
        )


def _where(path: tuple[str, ...]) -> str:
    return f"node {PATH_SEPARATOR.join(path)!r}" if len(path) == 1 else PATH_SEPARATOR.join(path)


def _edge_text(edge: Edge, path: tuple[str, ...]) -> str:
    if not path:
        return edge.key
    inside = PATH_SEPARATOR.join(path)
    return (
        f"{inside} > {edge.source}.{edge.source_port}->{inside} > {edge.target}.{edge.target_port}"
    )


_PARAM_TYPES: dict[str, ValueType] = {
    "number": ValueType.NUMBER,
    "integer": ValueType.INTEGER,
    "bool": ValueType.BOOL,
    "string": ValueType.STRING,
}


def _param_problem(param: CompositeParam, value: JsonValue) -> str | None:
    if value is None:
        return "must be set"
    kind = _PARAM_TYPES[param.type]
    if kind is ValueType.BOOL:
        return None if isinstance(value, bool) else f"{value!r} is not a bool"
    if kind is ValueType.STRING:
        return None if isinstance(value, str) else f"{value!r} is not a string"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a {param.type}"
    if kind is ValueType.INTEGER and not isinstance(value, int):
        return f"{value!r} is not an integer"
    unit = f" {param.unit}" if param.unit else ""
    if param.minimum is not None and value < param.minimum:
        return f"{value}{unit} is below the minimum {param.minimum}{unit}"
    if param.maximum is not None and value > param.maximum:
        return f"{value}{unit} is above the maximum {param.maximum}{unit}"
    return None


__all__ = [
    "PATH_SEPARATOR",
    "SEPARATOR",
    "Flattening",
    "definition_hash",
    "flatten_graph",
    "pin_issues",
]
