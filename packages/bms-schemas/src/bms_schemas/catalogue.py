"""How the block catalogue describes block types to the editor and to bundles."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, JsonValue

from bms_schemas._base import BmsModel
from bms_schemas.values import PortType


class StateClass(StrEnum):
    """What happens to a block's state across redeploys and restarts."""

    NONE = "none"
    """Pure: no state."""
    VOLATILE = "volatile"
    """State that may start afresh on redeploy (filters)."""
    RETAINED = "retained"
    """State carried across a redeploy that keeps the node (timers, latches, integrators)."""
    PERSISTED = "persisted"
    """Retained, and saved so that it survives a restart (run hours, totals, alarm acks)."""


class PortSpec(BmsModel):
    """One input or output port of a block type."""

    name: str = Field(description="Port name, unique among the block's inputs or outputs.")
    type: PortType | None = Field(
        default=None, description="Fixed type of the port; null when a parameter chooses it."
    )
    type_param: str | None = Field(
        default=None,
        description="Name of the parameter whose value ('bool', 'number', ...) is this port's type.",
    )
    repeat_param: str | None = Field(
        default=None,
        description="Name of an integer parameter N: the port stands for N ports NAME1..NAMEN.",
    )
    required: bool = Field(default=True, description="Whether an input must be wired.")
    default: JsonValue = Field(default=None, description="Value of an unwired optional input.")
    doc: str = Field(default="", description="What the port means.")


class BlockRole(StrEnum):
    """How a block relates to the outside world (the editor reads it, never block type names)."""

    LOGIC = "logic"
    POINT_INPUT = "point-input"
    """Reads one point from the tick's input snapshot (its params have ``point``)."""
    POINT_OUTPUT = "point-output"
    """Commands one point (its params have ``point`` and ``priority``)."""


class BlockSpec(BmsModel):
    """One block type as the catalogue publishes it."""

    type: str = Field(description="Block type name, e.g. 'math.add'.")
    version: int = Field(ge=1, description="Version of the block's semantics.")
    category: str = Field(description="Palette group, e.g. 'math'.")
    title: str = Field(description="Short display name.")
    doc: str = Field(description="One-line description of what the block does.")
    inputs: tuple[PortSpec, ...] = Field(description="Input ports.")
    outputs: tuple[PortSpec, ...] = Field(description="Output ports.")
    params_schema: dict[str, JsonValue] = Field(description="JSON Schema of the parameters.")
    state: StateClass = Field(description="What happens to the block's state across redeploys.")
    role: BlockRole = Field(
        default=BlockRole.LOGIC, description="How the block relates to the outside world."
    )


class Catalogue(BmsModel):
    """Every block type the engine library can run."""

    schema_version: str = Field(description="Bundle schema version of the library.")
    blocks: tuple[BlockSpec, ...] = Field(description="Block types, sorted by category and type.")
