"""Shared schemas of the BMS supervisor: the single source of truth for every data shape.

Pydantic v2 models with no I/O. JSON Schema and the SPA's TypeScript types are
generated from these models.
"""

from bms_schemas.bundle import (
    SCHEMA_VERSION,
    SEMVER_PATTERN,
    Bundle,
    BundleDefaults,
    BundleSignature,
    SchemaVersionError,
    check_schema_version,
)
from bms_schemas.calendars import (
    BundleSchedules,
    Calendar,
    CalendarEntry,
    DateEntry,
    DateRangeEntry,
    WeekNDayEntry,
)
from bms_schemas.catalogue import BlockSpec, Catalogue, PortSpec, StateClass
from bms_schemas.constraints import DegradedPolicy, PointConstraint
from bms_schemas.errors import ErrorEnvelope
from bms_schemas.graph import MIN_PERIOD_MS, Edge, Flow, FlowSchedule, Graph, Node, Position
from bms_schemas.issues import IssueCode, ValidationIssue
from bms_schemas.points import MAX_INSTANCE, STANDARD_OBJECT_TYPES, PointRef, PointRefError
from bms_schemas.values import (
    FLOAT32_MAX,
    QUALITIES_BY_RANK,
    QUALITY_RANK,
    PointValue,
    PortType,
    Priority,
    Quality,
    Scalar,
    ValueType,
    WriteValue,
    worst_quality,
)

__all__ = [
    "FLOAT32_MAX",
    "MAX_INSTANCE",
    "MIN_PERIOD_MS",
    "QUALITIES_BY_RANK",
    "QUALITY_RANK",
    "SCHEMA_VERSION",
    "SEMVER_PATTERN",
    "STANDARD_OBJECT_TYPES",
    "BlockSpec",
    "Bundle",
    "BundleDefaults",
    "BundleSchedules",
    "BundleSignature",
    "Calendar",
    "CalendarEntry",
    "Catalogue",
    "DateEntry",
    "DateRangeEntry",
    "DegradedPolicy",
    "Edge",
    "ErrorEnvelope",
    "Flow",
    "FlowSchedule",
    "Graph",
    "IssueCode",
    "Node",
    "PointConstraint",
    "PointRef",
    "PointRefError",
    "PointValue",
    "PortSpec",
    "PortType",
    "Position",
    "Priority",
    "Quality",
    "Scalar",
    "SchemaVersionError",
    "StateClass",
    "ValidationIssue",
    "ValueType",
    "WeekNDayEntry",
    "WriteValue",
    "check_schema_version",
    "worst_quality",
]
