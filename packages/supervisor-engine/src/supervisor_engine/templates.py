"""Equipment templates bound by tags: tag points, preview a template, apply it.

A template instantiates one composite per piece of equipment. Its
placeholders name tags; a placeholder binds to the one point of the
equipment whose tags include them all. Equipment whose required
placeholders do not all bind is reported (unresolved or ambiguous) and not
instantiated; nothing is skipped silently.

The nodes a template owns are named after it, so applying it again replaces
exactly them: instance ``<template>_<equipment>`` (``zone_vav_7``) and one
point node per bound port, ``zone_vav_7-temp``. The preview carries the diff
against the graph as it stands.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bms_schemas import (
    CompositeDefinition,
    Edge,
    Graph,
    Node,
    Position,
    ValueType,
    parse_composite_type,
)
from bms_schemas.iot import DeviceDetail
from bms_schemas.templates import (
    Binding,
    BindingStatus,
    Equipment,
    EquipmentTemplate,
    InstancePreview,
    PointTags,
    TagFile,
    TaggedPoint,
    TemplateChange,
    TemplatePreview,
)
from supervisor_engine.errors import TemplateError

_FIRST_COLUMN = 80.0
"""x of the template's first column (the point inputs) in a flow of nothing else."""
_CLEARANCE = 320.0
"""How far right of the flow's rightmost other block the first column goes."""

PORT_SEPARATOR = "-"
"""Joins an instance id and a port name into the id of the point node bound to that port."""


def tag_points(points: Iterable[TaggedPoint], tag_file: TagFile) -> list[TaggedPoint]:
    """``points`` with the tags the file gives them (explicitly, and by its naming rules) added."""
    return [
        point.model_copy(update={"tags": tuple(sorted(set(point.tags) | set(found.tags)))})
        for point, found in zip(points, point_tags(points, tag_file), strict=True)
    ]


def point_tags(points: Iterable[TaggedPoint], tag_file: TagFile) -> list[PointTags]:
    """Where each point's tags come from: set explicitly in the file, or by its naming rules."""
    rules = [(re.compile(r.match, re.IGNORECASE), r) for r in tag_file.rules]
    found: list[PointTags] = []
    for point in points:
        explicit = set(tag_file.points.get(point.point, ()))
        by_rule: set[str] = set()
        for pattern, rule in rules:
            if rule.object_type not in (None, point.object_type):
                continue
            if pattern.search(point.name):
                by_rule |= set(rule.tags)
        found.append(
            PointTags(
                point=point.point,
                name=point.name,
                object_type=point.object_type,
                explicit=tuple(sorted(explicit)),
                by_rule=tuple(sorted(by_rule)),
                tags=tuple(sorted(explicit | by_rule)),
            )
        )
    return found


def merge_tags(first: TagFile, second: TagFile) -> TagFile:
    """Both files' tags: a point's explicit tags add up, the rules of ``second`` come after."""
    points = {k: set(v) for k, v in first.points.items()}
    for point, tags in second.points.items():
        points.setdefault(point, set()).update(tags)
    return TagFile(
        points={k: tuple(sorted(v)) for k, v in points.items()},
        rules=(*first.rules, *second.rules),
    )


def equipment_from_device(detail: DeviceDetail) -> Equipment:
    """A device as the IoT service describes it, as equipment (tags still to be added)."""
    device = detail.device
    return Equipment(
        id=str(device.instance),
        name=device.name or f"device {device.instance}",
        points=tuple(
            TaggedPoint(
                point=str(p.point),
                name=p.name,
                object_type=p.object_type,
                commandable=p.commandable,
            )
            for p in detail.points
        ),
    )


def instance_id(template: EquipmentTemplate, equipment: Equipment) -> str:
    """The id of the template's instance for ``equipment``: ``zone_vav_7`` for 'VAV-7'."""
    slug = re.sub(r"[^a-z0-9]+", "_", equipment.name.lower()).strip("_") or equipment.id
    return f"{template.name}_{slug}"[:48]


def preview_template(
    graph: Graph, template: EquipmentTemplate, equipment: Sequence[Equipment]
) -> TemplatePreview:
    """What applying ``template`` to ``equipment`` would do to ``graph``, nothing changed."""
    return apply_template(graph, template, equipment)[1]


def apply_template(
    graph: Graph, template: EquipmentTemplate, equipment: Sequence[Equipment]
) -> tuple[Graph, TemplatePreview]:
    """``graph`` with the template's instances (re)made for every complete piece of equipment.

    Raises :class:`TemplateError` when the template does not fit the graph
    (unknown composite, port or flow); equipment that does not fit is reported
    in the preview instead.
    """
    definition = _definition(graph, template)
    inputs = {p.name: p for p in definition.inputs}
    outputs = {p.name: p for p in definition.outputs}
    for placeholder in template.placeholders:
        if placeholder.port not in inputs and placeholder.port not in outputs:
            raise TemplateError(
                f"template {template.name}: composite {definition.name} has no port "
                f"{placeholder.port!r}",
                field=f"placeholders.{placeholder.port}",
            )
    for port, source in template.links.items():
        node_id, _, source_port = source.partition(".")
        if port not in inputs or not source_port:
            raise TemplateError(
                f"template {template.name}: link {port} -> {source!r} needs an input port of "
                f"{definition.name} and a 'node.port' source",
                field=f"links.{port}",
            )
        if node_id not in {n.id for n in graph.nodes}:
            raise TemplateError(
                f"template {template.name}: link {port} comes from node {node_id!r}, which the "
                "graph does not have",
                field=f"links.{port}",
            )
    if template.flow not in {f.id for f in graph.flows}:
        raise TemplateError(
            f"template {template.name}: flow {template.flow!r} does not exist", field="flow"
        )
    previews: list[InstancePreview] = []
    new_nodes: list[Node] = []
    new_edges: list[Edge] = []
    layout: dict[str, Position] = {}
    seen: set[str] = set()
    for item in equipment:
        inst = instance_id(template, item)
        if inst in seen:
            raise TemplateError(
                f"template {template.name}: two pieces of equipment both make instance {inst!r}; "
                "give them distinct names",
                field="equipment",
            )
        seen.add(inst)
        bindings = tuple(_bind(p.port, p.tags, item.points) for p in template.placeholders)
        complete = all(
            b.status is BindingStatus.BOUND or not p.required
            for b, p in zip(bindings, template.placeholders, strict=True)
        )
        previews.append(
            InstancePreview(
                equipment=item.id,
                equipment_name=item.name,
                instance=inst,
                bindings=bindings,
                complete=complete,
            )
        )
        if not complete:
            continue
        row = len(layout) // 4
        layout[inst] = Position(x=420.0, y=60.0 + 260.0 * row)
        new_nodes.append(
            Node(
                id=inst,
                type=template.composite,
                flow=template.flow,
                params=dict(template.params),
                label=item.name,
            )
        )
        for port, source in template.links.items():
            node_id, _, source_port = source.partition(".")
            new_edges.append(
                Edge(source=node_id, source_port=source_port, target=inst, target_port=port)
            )
        for i, (binding, placeholder) in enumerate(
            zip(bindings, template.placeholders, strict=True)
        ):
            if binding.point is None:
                continue
            point_node = f"{inst}{PORT_SEPARATOR}{placeholder.port}"
            if placeholder.port in inputs:
                value_type = inputs[placeholder.port].type.type
                new_nodes.append(
                    Node(
                        id=point_node,
                        type="io.point-input",
                        flow=template.flow,
                        params={"point": binding.point, "valueType": value_type.value},
                        label=f"{item.name} {placeholder.port}",
                    )
                )
                new_edges.append(
                    Edge(source=point_node, source_port="value", target=inst,
                         target_port=placeholder.port)
                )  # fmt: skip
                layout[point_node] = Position(x=_FIRST_COLUMN, y=layout[inst].y + 50.0 * i)
            else:
                value_type = outputs[placeholder.port].type.type
                new_nodes.append(
                    Node(
                        id=point_node,
                        type="io.point-output",
                        flow=template.flow,
                        params=_output_params(binding.point, placeholder.priority, value_type),
                        label=f"{item.name} {placeholder.port}",
                    )
                )
                new_edges.append(
                    Edge(source=inst, source_port=placeholder.port, target=point_node,
                         target_port="value")
                )  # fmt: skip
                layout[point_node] = Position(x=780.0, y=layout[inst].y + 50.0 * i)
    owned = _owned(graph, template, definition)
    old = {n.id: n for n in graph.nodes if n.id in owned}
    changes = _diff(old, {n.id: n for n in new_nodes})
    kept_nodes = [n for n in graph.nodes if n.id not in owned]
    clash = {n.id for n in kept_nodes} & {n.id for n in new_nodes}
    if clash:
        raise TemplateError(
            f"template {template.name}: node {sorted(clash)[0]!r} exists already and is not "
            "the template's",
            field="name",
        )
    kept_edges = [e for e in graph.edges if e.source not in owned and e.target not in owned]
    kept_layout = {k: v for k, v in graph.layout.items() if k not in owned}
    # An instance that stays keeps the place the engineer gave it; new ones go right of the
    # flow's other blocks (the shared setpoints they are wired to), not on top of them.
    others = [
        kept_layout[n.id].x for n in kept_nodes if n.flow == template.flow and n.id in kept_layout
    ]
    shift = max(others) + _CLEARANCE - _FIRST_COLUMN if others else 0.0
    placed = {k: graph.layout.get(k) or Position(x=v.x + shift, y=v.y) for k, v in layout.items()}
    applied = graph.model_copy(
        update={
            "nodes": (*kept_nodes, *new_nodes),
            "edges": (*kept_edges, *new_edges),
            "layout": {**kept_layout, **placed},
        }
    )
    preview = TemplatePreview(
        template=template.name,
        instances=tuple(previews),
        instantiated=sum(p.complete for p in previews),
        unresolved=sum(
            b.status is BindingStatus.UNRESOLVED and p.required
            for ip in previews
            for b, p in zip(ip.bindings, template.placeholders, strict=True)
        ),
        ambiguous=sum(b.status is BindingStatus.AMBIGUOUS for p in previews for b in p.bindings),
        changes=changes,
    )
    return applied, preview


def _definition(graph: Graph, template: EquipmentTemplate) -> CompositeDefinition:
    try:
        parsed = parse_composite_type(template.composite)
    except ValueError as err:
        raise TemplateError(str(err), field="composite") from err
    found = next(
        (d for d in graph.composites if parsed is not None and (d.name, d.version) == parsed), None
    )
    if found is None:
        raise TemplateError(
            f"template {template.name}: the project has no composite {template.composite!r}",
            field="composite",
        )
    return found


def _bind(port: str, tags: tuple[str, ...], points: Sequence[TaggedPoint]) -> Binding:
    wanted = set(tags)
    matches = tuple(p.point for p in points if wanted <= set(p.tags))
    if len(matches) == 1:
        return Binding(
            port=port, tags=tags, status=BindingStatus.BOUND, point=matches[0], candidates=matches
        )
    status = BindingStatus.UNRESOLVED if not matches else BindingStatus.AMBIGUOUS
    return Binding(port=port, tags=tags, status=status, candidates=matches)


def _output_params(point: str, priority: int, value_type: ValueType) -> dict[str, object]:
    return {"point": point, "priority": priority, "valueType": value_type.value}


def _owned(graph: Graph, template: EquipmentTemplate, definition: CompositeDefinition) -> set[str]:
    """Nodes an earlier application of the template made: its instances and their point nodes."""
    prefix = f"{template.name}_"
    instances = {
        n.id
        for n in graph.nodes
        if n.id.startswith(prefix) and n.type.startswith(f"composite:{definition.name}@")
    }
    return instances | {
        n.id for n in graph.nodes if n.id.rpartition(PORT_SEPARATOR)[0] in instances
    }


def _diff(old: dict[str, Node], new: dict[str, Node]) -> tuple[TemplateChange, ...]:
    changes: list[TemplateChange] = []
    for node_id in sorted(new.keys() - old.keys()):
        changes.append(TemplateChange(node=node_id, change="added"))
    for node_id in sorted(old.keys() - new.keys()):
        changes.append(TemplateChange(node=node_id, change="removed"))
    for node_id in sorted(old.keys() & new.keys()):
        a, b = old[node_id], new[node_id]
        details = [f"type {a.type} -> {b.type}"] if a.type != b.type else []
        for key in sorted(a.params.keys() | b.params.keys()):
            if a.params.get(key) != b.params.get(key):
                details.append(f"{key} {a.params.get(key)!r} -> {b.params.get(key)!r}")
        if details:
            changes.append(
                TemplateChange(node=node_id, change="changed", detail="; ".join(details))
            )
    return tuple(changes)


__all__ = [
    "PORT_SEPARATOR",
    "apply_template",
    "equipment_from_device",
    "instance_id",
    "merge_tags",
    "point_tags",
    "preview_template",
    "tag_points",
]
