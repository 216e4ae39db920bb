"""The flow graph: nodes (block instances), edges between their ports, flows.

Logic and layout are kept apart: node positions live in :attr:`Graph.layout`,
which a bundle leaves out, so moving a block on the canvas never changes what
runs or what is signed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, JsonValue

from bms_schemas._base import BmsModel

if TYPE_CHECKING:  # resolved by bms_schemas.composites, which imports this module
    from bms_schemas.composites import CompositeDefinition

Identifier = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$",
        description="A stable id: a letter or underscore, then letters, digits, '_' or '-'.",
    ),
]

MIN_PERIOD_MS = 100
"""The shortest scan period a flow may declare."""


class Node(BmsModel):
    """One instance of a block type."""

    id: Identifier = Field(description="Stable id, unique across the whole graph.")
    type: str = Field(description="Block type name from the catalogue, e.g. 'math.add'.")
    flow: Identifier = Field(description="Id of the flow this node belongs to.")
    params: dict[str, JsonValue] = Field(
        default_factory=dict, description="Parameters, checked against the block's parameter model."
    )
    label: str | None = Field(default=None, description="Optional display name for the editor.")


class Edge(BmsModel):
    """A wire from an output port of one node to an input port of another."""

    source: Identifier = Field(description="Id of the node whose output drives the wire.")
    source_port: str = Field(description="Name of the output port on the source node.")
    target: Identifier = Field(description="Id of the node whose input the wire drives.")
    target_port: str = Field(description="Name of the input port on the target node.")

    @property
    def key(self) -> str:
        """A readable identity: ``source.port->target.port``."""
        return f"{self.source}.{self.source_port}->{self.target}.{self.target_port}"


class FlowSchedule(BmsModel):
    """When a flow's ticks are due: ``phase + k * period`` after the scheduler starts."""

    period_ms: int = Field(
        gt=0, description=f"Scan period in milliseconds (at least {MIN_PERIOD_MS})."
    )
    phase_ms: int = Field(default=0, ge=0, description="Offset of the first tick, in milliseconds.")


class Flow(BmsModel):
    """A group of nodes evaluated together on one schedule."""

    id: Identifier = Field(description="Stable id of the flow.")
    name: str = Field(description="Display name.")
    schedule: FlowSchedule = Field(description="Periodic scan schedule.")
    trigger_on_change: tuple[Identifier, ...] = Field(
        default=(),
        description="Ids of point-input nodes whose change also triggers a run between scans.",
    )


class Position(BmsModel):
    """Where a node sits on the editor's canvas."""

    x: float
    y: float


class Graph(BmsModel):
    """Nodes, edges and flows: the logic. Layout rides along but is not logic."""

    flows: tuple[Flow, ...] = Field(default=(), description="The flows, in evaluation order.")
    nodes: tuple[Node, ...] = Field(default=(), description="Every block instance of every flow.")
    edges: tuple[Edge, ...] = Field(default=(), description="Every wire.")
    layout: dict[str, Position] = Field(
        default_factory=dict,
        description="Canvas positions by node id; editor-only, left out of bundles.",
    )
    # A factory, not a default, so the generated TypeScript leaves the field optional.
    composites: tuple[CompositeDefinition, ...] = Field(
        default_factory=tuple,
        description="Composite block definitions the graph's instances use (every version kept); "
        "flattened away in bundles.",
    )

    def logic(self) -> Graph:
        """The same graph without layout."""
        return self.model_copy(update={"layout": {}})
