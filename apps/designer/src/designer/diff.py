"""What deploying a bundle changes: blocks added, removed, changed; points and priorities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bms_schemas import Bundle, Edge, Node, PointConstraint, PointRef
from bms_schemas.designer import ConstraintChange, FieldChange, NodeChange, PriorityChange
from supervisor_engine import Registry, compile_bundle


def _inputs(edges: tuple[Edge, ...]) -> dict[str, set[str]]:
    wired: dict[str, set[str]] = {}
    for e in edges:
        wired.setdefault(e.target, set()).add(f"{e.target_port}<-{e.source}.{e.source_port}")
    return wired


def _node_change(
    before: Node, after: Node, wired_before: set[str], wired_after: set[str]
) -> NodeChange | None:
    fields = [name for name in ("type", "flow") if getattr(before, name) != getattr(after, name)]
    keys = sorted(set(before.params) | set(after.params))
    params = {
        k: FieldChange(before=before.params.get(k), after=after.params.get(k))
        for k in keys
        if before.params.get(k) != after.params.get(k)
    }
    fields += [f"params.{k}" for k in params]
    if wired_before != wired_after:
        fields.append("inputs")
    return NodeChange(node=after.id, fields=tuple(fields), params=params) if fields else None


def constraint_changes(old: Bundle | None, new: Bundle) -> list[ConstraintChange]:
    """Per point, each field of its limits that differs, old -> new.

    A point without limits on one side compares with what no limits mean (no minimum or
    maximum, priorities 1-16, hold), so that only what the user set shows.
    """
    before = {str(c.point): _fields(c) for c in (old.constraints if old else ())}
    after = {str(c.point): _fields(c) for c in new.constraints}
    changes = []
    for point in sorted(set(before) | set(after)):
        unset = _fields(PointConstraint(point=PointRef.parse(point)))
        was, now = before.get(point, unset), after.get(point, unset)
        fields = {
            key: FieldChange(before=was.get(key), after=now.get(key))
            for key in sorted(set(was) | set(now))
            if was.get(key) != now.get(key)
        }
        if fields:
            changes.append(ConstraintChange(point=point, changes=fields))
    return changes


def _fields(constraint: PointConstraint) -> dict[str, Any]:
    return constraint.model_dump(mode="json", by_alias=True, exclude={"point"})


def written_points(bundle: Bundle, registry: Registry) -> dict[str, int]:
    """Point -> priority of every point the bundle commands, as the compiler resolves them.

    With the interpreter: generating each flow's Python code only to list its points would
    cost the diff most of its time.
    """
    return dict(compile_bundle(bundle, registry, engine="interpreted").points_written)


def bundle_diff(old: Bundle | None, new: Bundle, registry: Registry) -> dict[str, Any]:
    """The fields of :class:`bms_schemas.designer.BundleDiff` that compare the two bundles."""
    before: Mapping[str, Node] = {n.id: n for n in old.graph.nodes} if old else {}
    after: Mapping[str, Node] = {n.id: n for n in new.graph.nodes}
    wired_before = _inputs(old.graph.edges) if old else {}
    wired_after = _inputs(new.graph.edges)
    changed = []
    for node_id in sorted(set(before) & set(after)):
        change = _node_change(
            before[node_id],
            after[node_id],
            wired_before.get(node_id, set()),
            wired_after.get(node_id, set()),
        )
        if change is not None:
            changed.append(change)
    points_before = written_points(old, registry) if old else {}
    points_after = written_points(new, registry)
    return {
        "blocks_added": tuple(sorted(set(after) - set(before))),
        "blocks_removed": tuple(sorted(set(before) - set(after))),
        "blocks_changed": tuple(changed),
        "points_newly_written": tuple(sorted(set(points_after) - set(points_before))),
        "points_no_longer_written": tuple(sorted(set(points_before) - set(points_after))),
        "constraint_changes": tuple(constraint_changes(old, new)),
        "priority_changes": tuple(
            PriorityChange(point=p, before=points_before[p], after=points_after[p])
            for p in sorted(set(points_before) & set(points_after))
            if points_before[p] != points_after[p]
        ),
    }
