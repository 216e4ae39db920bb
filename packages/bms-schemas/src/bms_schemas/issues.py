"""Machine-readable findings of graph validation, for the editor to highlight."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from bms_schemas._base import BmsModel


class IssueCode(StrEnum):
    """What kind of problem a validation issue is."""

    UNKNOWN_BLOCK_TYPE = "unknown_block_type"
    UNSUPPORTED_BLOCK_VERSION = "unsupported_block_version"
    INVALID_PARAMETER = "invalid_parameter"
    UNKNOWN_NODE = "unknown_node"
    UNKNOWN_PORT = "unknown_port"
    UNKNOWN_FLOW = "unknown_flow"
    PORT_TYPE_MISMATCH = "port_type_mismatch"
    UNCONNECTED_INPUT = "unconnected_input"
    MULTIPLE_DRIVERS = "multiple_drivers"
    CROSS_FLOW_EDGE = "cross_flow_edge"
    CYCLE = "cycle"
    DUPLICATE_ID = "duplicate_id"
    POINT_WRITTEN_TWICE = "point_written_twice"
    PERIOD_TOO_SHORT = "period_too_short"
    PRIORITY_NOT_ALLOWED = "priority_not_allowed"
    INVALID_TRIGGER = "invalid_trigger"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    UNKNOWN_COMPOSITE = "unknown_composite"
    INVALID_COMPOSITE = "invalid_composite"
    COMPOSITE_PIN_CHANGED = "composite_pin_changed"


class ValidationIssue(BmsModel):
    """One problem found in a graph or bundle, pointing at what it concerns."""

    code: IssueCode = Field(description="The kind of problem.")
    message: str = Field(description="A sentence that names the culprit.")
    node: str | None = Field(default=None, description="Id of the node concerned, if any.")
    edge: str | None = Field(
        default=None, description="The edge concerned as 'source.port->target.port', if any."
    )
    flow: str | None = Field(default=None, description="Id of the flow concerned, if any.")
    field: str | None = Field(
        default=None, description="The parameter or port concerned, as a dotted path, if any."
    )
    hint: str | None = Field(
        default=None,
        description="The problem in plain words about 'field' alone, to show next to that "
        "field ('must be at most 30 °C'); the message says the same with the culprit named.",
    )
    nodes: tuple[str, ...] = Field(
        default=(), description="Every node concerned, for issues that span several (a cycle)."
    )
    path: str | None = Field(
        default=None,
        description="Where inside composite instances the problem is, as 'zone_3 > pid'; "
        "'node' is then the outermost instance.",
    )
