"""From a project to the engine's terms: bindings applied, validation, an unsigned bundle.

Validation is ``supervisor_engine``'s, the same code the engine runs; the
Designer only adds the check that every binding names a node.
"""

from __future__ import annotations

from datetime import datetime

from bms_schemas import Bundle, BundleProject, BundleSchedules, Graph, IssueCode, ValidationIssue
from bms_schemas.designer import ProjectContent
from supervisor_engine import BlockEnv, Registry, build_bundle, validate_bundle, validate_graph


def bound_graph(content: ProjectContent) -> Graph:
    """The project's graph with each bound node's ``point`` parameter set from its binding."""
    if not content.bindings:
        return content.graph
    nodes = tuple(
        node.model_copy(update={"params": {**node.params, "point": content.bindings[node.id]}})
        if node.id in content.bindings
        else node
        for node in content.graph.nodes
    )
    return content.graph.model_copy(update={"nodes": nodes})


def binding_issues(content: ProjectContent) -> list[ValidationIssue]:
    """Bindings that name no node of the graph."""
    ids = {n.id for n in content.graph.nodes}
    return [
        ValidationIssue(
            code=IssueCode.UNKNOWN_NODE,
            message=f"binding for node {node!r}, which the graph does not have",
            node=node,
            field=f"bindings.{node}",
        )
        for node in sorted(content.bindings)
        if node not in ids
    ]


def validate_project(content: ProjectContent, registry: Registry) -> list[ValidationIssue]:
    """Every issue: bindings, then the engine library's graph validation.

    With what the bundle will carry (defaults, limits, shared calendars), so a schedule that
    names a calendar the project does not define is a problem now, not only at build.
    """
    env = BlockEnv(
        defaults=content.defaults,
        constraints={str(c.point): c for c in content.constraints},
        schedules=BundleSchedules(calendars=content.calendars),
    )
    graph = bound_graph(content)
    return binding_issues(content) + validate_graph(
        graph, registry, constraints=content.constraints, env=env
    )


def project_bundle(
    content: ProjectContent,
    registry: Registry,
    *,
    version: str,
    created_by: str,
    created_at: datetime | None = None,
    project: BundleProject | None = None,
) -> tuple[Bundle, list[ValidationIssue]]:
    """An unsigned bundle of the project and every issue the engine would refuse it for."""
    bundle = build_bundle(
        bound_graph(content),
        registry,
        version=version,
        created_by=created_by,
        created_at=created_at,
        constraints=content.constraints,
        defaults=content.defaults,
        schedules=BundleSchedules(calendars=content.calendars),
        project=project,
    )
    return bundle, binding_issues(content) + validate_bundle(bundle, registry)
