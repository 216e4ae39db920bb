"""Composite blocks: a sub-graph with a typed boundary, stored with the project's graph.

A composite is declared like a built-in block: typed input and output ports
(with units) and parameters with units and limits. An instance is one node
whose ``type`` is ``composite:NAME@VERSION``; the engine library flattens
every instance into ordinary nodes before validation, simulation and bundle
building, so the engine itself never sees one.

Definitions are versioned: an instance names the exact version it uses, a
project may hold several versions of one composite, and a bundle records
(pins) the version and content hash of every composite it was flattened from.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, JsonValue, model_validator

from bms_schemas._base import BmsModel
from bms_schemas.graph import Edge, Identifier, Position
from bms_schemas.values import PortType

COMPOSITE_PREFIX = "composite:"
"""Node types of composite instances start with this."""

_COMPOSITE_TYPE = re.compile(r"^composite:([A-Za-z_][A-Za-z0-9_\-]{0,63})@([1-9]\d{0,8})$")


def composite_type(name: str, version: int) -> str:
    """The node type of an instance of composite ``name`` at ``version``."""
    return f"{COMPOSITE_PREFIX}{name}@{version}"


def parse_composite_type(node_type: str) -> tuple[str, int] | None:
    """``(name, version)`` of a composite node type; None for any other type.

    Raises ``ValueError`` for a type that starts like a composite but is malformed.
    """
    if not node_type.startswith(COMPOSITE_PREFIX):
        return None
    found = _COMPOSITE_TYPE.match(node_type)
    if found is None:
        raise ValueError(
            f"composite type {node_type!r} is not of the form 'composite:NAME@VERSION'"
        )
    return found[1], int(found[2])


class PortRef(BmsModel):
    """A port of a node inside a composite."""

    node: Identifier = Field(description="Id of the inner node.")
    port: str = Field(description="Name of its port.")


class ParamRef(BmsModel):
    """A parameter of a node inside a composite."""

    node: Identifier = Field(description="Id of the inner node.")
    param: str = Field(description="Name of its parameter (camelCase, as in the node's params).")


class CompositeInput(BmsModel):
    """An input port of a composite: drives one or more inner input ports."""

    name: Identifier = Field(description="Port name on the instance.")
    type: PortType = Field(description="Type (and unit) the port accepts.")
    required: bool = Field(default=True, description="Whether the instance's input must be wired.")
    default: JsonValue = Field(
        default=None, description="Value of an unwired optional input (a constant is inserted)."
    )
    doc: str = Field(default="", description="What the port means.")
    targets: tuple[PortRef, ...] = Field(
        min_length=1, description="The inner input ports this input drives."
    )


class CompositeOutput(BmsModel):
    """An output port of a composite: one inner output port."""

    name: Identifier = Field(description="Port name on the instance.")
    type: PortType = Field(description="Type (and unit) the port carries.")
    doc: str = Field(default="", description="What the port means.")
    source: PortRef = Field(description="The inner output port behind it.")


class CompositeParam(BmsModel):
    """A parameter of a composite, set per instance and passed to inner nodes' parameters."""

    name: Identifier = Field(description="Parameter name on the instance (camelCase).")
    type: Literal["number", "integer", "bool", "string"] = Field(description="Kind of value.")
    unit: str | None = Field(default=None, description="Engineering unit of a number.")
    default: JsonValue = Field(
        default=None, description="Value when the instance leaves it unset; null = required."
    )
    minimum: float | None = Field(default=None, description="Lowest allowed number.")
    maximum: float | None = Field(default=None, description="Highest allowed number.")
    doc: str = Field(default="", description="What the parameter means.")
    targets: tuple[ParamRef, ...] = Field(
        min_length=1, description="The inner parameters that take its value."
    )


class CompositeNode(BmsModel):
    """A node inside a composite (its flow is the instance's)."""

    id: Identifier = Field(description="Id, unique inside the composite.")
    type: str = Field(description="Block type, or another composite 'composite:NAME@VERSION'.")
    params: dict[str, JsonValue] = Field(default_factory=dict, description="Fixed parameters.")
    label: str | None = Field(default=None, description="Optional display name.")


class CompositeDefinition(BmsModel):
    """One version of a composite block."""

    name: Identifier = Field(description="Name; instances use 'composite:NAME@VERSION'.")
    version: int = Field(ge=1, description="Version; a changed definition is a new version.")
    title: str = Field(description="Short display name.")
    doc: str = Field(default="", description="What the composite does.")
    inputs: tuple[CompositeInput, ...] = Field(default=(), description="Input ports.")
    outputs: tuple[CompositeOutput, ...] = Field(default=(), description="Output ports.")
    params: tuple[CompositeParam, ...] = Field(default=(), description="Parameters.")
    nodes: tuple[CompositeNode, ...] = Field(description="The inner nodes.")
    edges: tuple[Edge, ...] = Field(default=(), description="Wires between inner nodes.")
    layout: dict[str, Position] = Field(
        default_factory=dict, description="Canvas positions of inner nodes; editor-only."
    )

    @property
    def type(self) -> str:
        """The node type of an instance of this version."""
        return composite_type(self.name, self.version)

    @model_validator(mode="after")
    def _names_unique(self) -> CompositeDefinition:
        for what, names in (
            ("input", [p.name for p in self.inputs]),
            ("output", [p.name for p in self.outputs]),
            ("parameter", [p.name for p in self.params]),
            ("node", [n.id for n in self.nodes]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what} name {twice[0]!r} is used twice")
        return self


class CompositePin(BmsModel):
    """The version of a composite a bundle was built from, and the hash of its content."""

    version: int = Field(ge=1, description="The version flattened into the bundle.")
    hash: str = Field(description="'sha256:<hex>' of the definition's canonical JSON (no layout).")


class CompositeLibrary(BmsModel):
    """A library file of composites, exported from one project and imported by others."""

    format: Literal["bms-composites/1"] = Field(
        default="bms-composites/1", description="File format marker."
    )
    composites: tuple[CompositeDefinition, ...] = Field(description="The definitions.")


def _resolve_graph() -> None:
    from bms_schemas import graph

    graph.Graph.model_rebuild(_types_namespace={"CompositeDefinition": CompositeDefinition})


_resolve_graph()
