"""Composite library files: a project's composites exported, and imported by another project.

An import adds the definitions the project does not hold, keeps the ones it
holds identically (same content hash), and refuses the whole file when one
``NAME@VERSION`` exists with other content: nothing of the project is lost
or silently replaced, and the refusal names every conflict.
"""

from __future__ import annotations

from dataclasses import dataclass

from bms_schemas import CompositeDefinition, CompositeLibrary, Graph, parse_composite_type
from designer.errors import ConflictError, InvalidInputError
from supervisor_engine import definition_hash


class LibraryConflictError(ConflictError):
    code = "composite_conflict"


@dataclass(frozen=True)
class LibraryImport:
    """The graph with the library's new definitions, and what happened to each."""

    graph: Graph
    imported: tuple[str, ...]
    unchanged: tuple[str, ...]


def export_library(graph: Graph) -> CompositeLibrary:
    """Every composite definition of the graph, every version, as a library file."""
    return CompositeLibrary(composites=graph.composites)


def _key(definition: CompositeDefinition) -> str:
    return f"{definition.name}@{definition.version}"


def import_library(graph: Graph, library: CompositeLibrary) -> LibraryImport:
    """``graph`` with the library's definitions it lacks; see the module for conflicts."""
    held = {_key(d): d for d in graph.composites}
    seen: dict[str, int] = {}
    added: list[CompositeDefinition] = []
    unchanged: list[str] = []
    conflicts: list[str] = []
    for i, definition in enumerate(library.composites):
        key = _key(definition)
        if key in seen:
            raise InvalidInputError(
                f"the library holds {key} twice (composites {seen[key]} and {i})",
                field=f"library.composites.{i}",
            )
        seen[key] = i
        mine = held.get(key)
        if mine is None:
            added.append(definition)
        elif definition_hash(mine) == definition_hash(definition):
            unchanged.append(key)
        else:
            conflicts.append(key)
    if conflicts:
        raise LibraryConflictError(
            f"the project already holds {', '.join(conflicts)} with other content; nothing was "
            "imported (give the library's composites new versions, or remove the project's)",
            details={"field": "library.composites", "conflicts": conflicts},
        )
    known = set(held) | set(seen)
    for i, definition in enumerate(library.composites):
        for j, node in enumerate(definition.nodes):
            try:
                parsed = parse_composite_type(node.type)
            except ValueError as err:
                raise InvalidInputError(
                    str(err), field=f"library.composites.{i}.nodes.{j}.type"
                ) from err
            if parsed is not None and f"{parsed[0]}@{parsed[1]}" not in known:
                raise InvalidInputError(
                    f"{_key(definition)} uses composite {node.type!r}, which neither the library "
                    "nor the project holds",
                    field=f"library.composites.{i}.nodes.{j}.type",
                )
    merged = graph.model_copy(update={"composites": (*graph.composites, *added)})
    return LibraryImport(
        graph=merged, imported=tuple(_key(d) for d in added), unchanged=tuple(unchanged)
    )
