"""The runtime bundle: what the Designer signs and the engine runs.

Top-level fields follow the architecture draft. The signature covers the
RFC 8785 canonical JSON of every other field (see ``supervisor_engine.bundle``).
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from bms_schemas._base import BmsModel
from bms_schemas.calendars import BundleSchedules
from bms_schemas.composites import CompositePin
from bms_schemas.constraints import DegradedPolicy, PointConstraint
from bms_schemas.graph import Graph

SCHEMA_VERSION = "1.1"
"""The bundle schema this library writes: MAJOR.MINOR.

A reader runs bundles of its own major version whose minor is not newer
than its own; a newer minor may use fields it does not know, so a reader
checks ``schemaVersion`` before it reads anything else.

History: 1.0 the first bundles; 1.1 adds ``composites`` (the pins of the
composites a graph was flattened from).
"""

SEMVER_PATTERN = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
_SCHEMA_VERSION = re.compile(r"^(\d+)\.(\d+)$")


class SchemaVersionError(ValueError):
    """A bundle written for a schema version this library cannot run."""

    code = "unsupported_schema_version"


def check_schema_version(schema_version: str, supported: str = SCHEMA_VERSION) -> None:
    """Raise :class:`SchemaVersionError` unless ``schema_version`` can be run by ``supported``."""
    got = _SCHEMA_VERSION.match(schema_version)
    have = _SCHEMA_VERSION.match(supported)
    if got is None:
        raise SchemaVersionError(f"schemaVersion {schema_version!r} is not of the form MAJOR.MINOR")
    assert have is not None, f"library schema version {supported!r} is malformed"
    if int(got[1]) != int(have[1]) or int(got[2]) > int(have[2]):
        raise SchemaVersionError(
            f"bundle schemaVersion {schema_version} cannot run on this engine, which supports "
            f"{have[1]}.0 to {supported}"
        )


class LimitAction(StrEnum):
    """What the engine does with a command outside its authored limits."""

    REFUSE = "refuse"
    CLAMP = "clamp"


class BundleDefaults(BmsModel):
    """Defaults for blocks that leave a setting unset."""

    stale_after_s: float = Field(
        default=300.0, gt=0, description="A point input older than this is 'stale'."
    )
    write_priority: int = Field(
        default=16, ge=1, le=16, description="BACnet priority of point outputs that give none."
    )
    degraded: DegradedPolicy = Field(
        default=DegradedPolicy.HOLD,
        description="What a point output does with a non-ok value when no constraint says.",
    )
    limit_action: LimitAction = Field(
        default=LimitAction.REFUSE,
        description=(
            "A command outside its constraint's min/max: 'refuse' drops it (recorded as a "
            "refusal), 'clamp' sends the nearest limit instead (the write's reason says so)."
        ),
    )
    command_refresh_s: float = Field(
        default=600.0,
        gt=0,
        description="Every command held on a device is written again this long after it was "
        "confirmed, to take control back after a device reboot (a point output's refreshS "
        "refreshes one point more often).",
    )


def semver_key(version: str) -> tuple[int, int, int, int, str]:
    """Order versions by major, minor, patch; a pre-release sorts before its release."""
    match = re.match(SEMVER_PATTERN, version)
    if match is None:
        return (-1, -1, -1, 0, version)
    pre = match[4] or ""
    return (int(match[1]), int(match[2]), int(match[3]), 0 if pre else 1, pre)


class BundleProject(BmsModel):
    """The Designer project a bundle was built from."""

    id: str = Field(min_length=1, max_length=64, description="The project's stable id.")
    name: str = Field(min_length=1, max_length=200, description="The project's name.")


class BundleSignature(BmsModel):
    """An Ed25519 signature over the canonical JSON of the rest of the bundle."""

    algorithm: Literal["ed25519"] = "ed25519"
    key_id: str = Field(
        description="Fingerprint of the signing public key (first 16 hex of its SHA-256)."
    )
    value: str = Field(description="The signature, base64.")


class Bundle(BmsModel):
    """A versioned, signed, self-contained description of what the engine runs."""

    version: str = Field(pattern=SEMVER_PATTERN, description="Semantic version of this bundle.")
    schema_version: str = Field(
        default=SCHEMA_VERSION, description="Version of the bundle schema, MAJOR.MINOR."
    )
    created_at: datetime = Field(description="When the bundle was built (UTC).")
    created_by: str = Field(min_length=1, description="Who built it.")
    project: BundleProject | None = Field(
        default=None,
        description=(
            "The project it was built from; the engine refuses a bundle of another project "
            "than the active one unless the deploy says so."
        ),
    )
    node_types: dict[str, int] = Field(
        default_factory=dict,
        description="Every block type the graph uses, with the version of it the bundle was built for.",
    )
    graph: Graph = Field(
        description="The flows, nodes and edges to run (no layout, composites flattened)."
    )
    composites: dict[str, CompositePin] = Field(
        default_factory=dict,
        description="Every composite the graph was flattened from, pinned: name -> version and "
        "content hash.",
    )
    schedules: BundleSchedules = Field(
        default_factory=BundleSchedules, description="Shared calendars for schedule blocks."
    )
    defaults: BundleDefaults = Field(
        default_factory=BundleDefaults, description="Defaults for unset block settings."
    )
    constraints: tuple[PointConstraint, ...] = Field(
        default=(), description="Limits and degraded-mode policy per written point."
    )
    signature: BundleSignature | None = Field(
        default=None, description="Signature over everything else; null while unsigned."
    )
