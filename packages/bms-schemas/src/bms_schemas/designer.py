"""Request and response models of the Designer's HTTP API.

The SPA's TypeScript types are generated from these (through the Designer's
OpenAPI document), so every field says what it is for.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, JsonValue, model_validator

from bms_schemas._base import BmsModel
from bms_schemas.bundle import SEMVER_PATTERN, BundleDefaults, BundleProject
from bms_schemas.calendars import Calendar
from bms_schemas.composites import CompositeLibrary
from bms_schemas.constraints import PointConstraint
from bms_schemas.graph import Graph
from bms_schemas.issues import ValidationIssue
from bms_schemas.points import PointRef
from bms_schemas.templates import EquipmentTemplate, TagFile, TemplatePreview
from bms_schemas.values import FiniteScalar, Priority, Scalar

EXPORT_FORMAT_VERSION = 1
"""The version of the project export format this library writes and reads."""

ProjectName = Annotated[
    str, Field(min_length=1, max_length=200, description="Display name of the project.")
]
Revision = Annotated[
    int, Field(ge=0, description="The revision a save is based on (optimistic concurrency).")
]


# -- auth -------------------------------------------------------------------------------------


class LoginRequest(BmsModel):
    """A user's credentials."""

    username: str = Field(min_length=1, max_length=64, description="The account name.")
    password: str = Field(min_length=1, max_length=1024, description="The password.")


class SessionInfo(BmsModel):
    """Who is signed in, and the CSRF token to send back in ``X-CSRF-Token``."""

    username: str = Field(description="The signed-in user.")
    csrf_token: str = Field(
        description="Send in the X-CSRF-Token header of every state-changing request."
    )
    expires_at: datetime = Field(description="When the session ends.")


# -- projects ---------------------------------------------------------------------------------


class DeviceConfig(BmsModel):
    """Notes on how the project's site reaches its devices.

    Kept for projects that have them, but never used to connect: the Designer only talks to
    the IoT service and engine of its own settings, so project content cannot send its
    tokens elsewhere.
    """

    iot_url: str | None = Field(
        default=None,
        description="The site's IoT service URL, for reference only; never called.",
    )
    iot_token: str | None = Field(
        default=None,
        description="Unused; never sent anywhere and never exported with the project.",
    )


class ProjectContent(BmsModel):
    """Everything a project holds besides its name: logic, bindings, devices, parameters."""

    graph: Graph = Field(default_factory=Graph, description="Flows, nodes, edges and layout.")
    bindings: dict[str, str] = Field(
        default_factory=dict,
        description="Point bindings: node id -> point reference ('1001/analog-value,3') "
        "used by that point-input or point-output block (overrides its 'point' parameter).",
    )
    devices: DeviceConfig = Field(
        default_factory=DeviceConfig, description="Device (IoT service) configuration."
    )
    parameters: dict[str, JsonValue] = Field(
        default_factory=dict, description="Project-wide parameters (free-form)."
    )
    constraints: tuple[PointConstraint, ...] = Field(
        default_factory=tuple,
        description=(
            "Limits and degraded policy per commanded point (min, max, max rate, priorities, "
            "hold/fallback/relinquish); carried into the bundle and enforced by the engine."
        ),
    )
    calendars: dict[str, Calendar] = Field(
        default_factory=dict,
        description="Shared calendars (holidays) by name, used by schedule blocks.",
    )
    defaults: BundleDefaults = Field(
        default_factory=BundleDefaults,
        description="Bundle defaults: write priority, stale-after, degraded policy, limit action.",
    )
    tags: TagFile = Field(
        default_factory=TagFile,
        description="Point tags for equipment templates: set per point and by naming rules.",
    )
    templates: tuple[EquipmentTemplate, ...] = Field(
        default=(),
        description="Equipment templates as last applied, by name (applied again to update "
        "their instances).",
    )

    @model_validator(mode="after")
    def _one_template_per_name(self) -> ProjectContent:
        names = [t.name for t in self.templates]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two templates are named {twice[0]!r}; keep one")
        return self

    @model_validator(mode="after")
    def _one_constraint_per_point(self) -> ProjectContent:
        seen: set[str] = set()
        for constraint in self.constraints:
            key = str(constraint.point)
            if key in seen:
                raise ValueError(f"the point {key} has two sets of limits; keep one")
            seen.add(key)
        return self


class ProjectCreate(BmsModel):
    """A new project."""

    name: ProjectName
    content: ProjectContent = Field(
        default_factory=ProjectContent, description="Initial content; empty if not given."
    )


class ProjectSave(BmsModel):
    """A save of a project's content, based on a revision."""

    revision: Revision
    content: ProjectContent = Field(description="The whole new content.")


class CompositeCreate(BmsModel):
    """Make a composite block from a selection of the project's blocks, based on a revision."""

    revision: Revision
    nodes: tuple[str, ...] = Field(
        min_length=1, description="Ids of the blocks to enclose (one flow)."
    )
    name: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,40}$",
        description="Name of the new composite (a new version if the name exists).",
    )
    title: str = Field(default="", description="Display name; the name if empty.")


class CompositeImport(BmsModel):
    """Import a composite library file into the project, based on a revision."""

    revision: Revision
    library: CompositeLibrary = Field(description="The library file's content.")


class ProjectRename(BmsModel):
    """A new name, based on a revision."""

    revision: Revision
    name: ProjectName


class ProjectCopy(BmsModel):
    """The name of the copy."""

    name: ProjectName


class ProjectSummary(BmsModel):
    """A project in a list."""

    id: str = Field(description="Stable id of the project.")
    name: str = Field(description="Display name.")
    revision: int = Field(description="Current revision; each save adds one.")
    created_at: datetime
    updated_at: datetime
    deleted: bool = Field(description="Soft-deleted (restorable).")


class Project(ProjectSummary):
    """A project with its content."""

    content: ProjectContent


class ProjectList(BmsModel):
    """Projects, by name."""

    projects: tuple[ProjectSummary, ...]


class ValidationReport(BmsModel):
    """The engine library's verdict on a project's graph."""

    valid: bool = Field(description="No issues found.")
    issues: tuple[ValidationIssue, ...] = Field(description="Every issue found.")


# -- bundles and deployments ------------------------------------------------------------------


class VersionBump(StrEnum):
    """Which part of the last version to increase."""

    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


class BundleBuildRequest(BmsModel):
    """Build a signed bundle from the project's current content."""

    version: str | None = Field(
        default=None, pattern=SEMVER_PATTERN, description="Explicit semver; bumped if null."
    )
    bump: VersionBump = Field(
        default=VersionBump.PATCH, description="What to bump when no version is given."
    )


class BundleInfo(BmsModel):
    """A stored, signed bundle."""

    project_id: str
    version: str
    hash: str = Field(description="Content hash, 'sha256:...'.")
    key_id: str = Field(description="Fingerprint of the signing key.")
    created_at: datetime
    created_by: str


class BundleDetail(BundleInfo):
    """A stored bundle with its document."""

    document: dict[str, JsonValue] = Field(description="The signed bundle document.")


class BundleList(BmsModel):
    """A project's bundles, newest first."""

    bundles: tuple[BundleInfo, ...]


class SigningKeyInfo(BmsModel):
    """The Designer's public key, for engines to trust."""

    key_id: str
    public_key_pem: str = Field(description="SubjectPublicKeyInfo PEM.")


class DeploymentRequest(BmsModel):
    """Which stored version to deploy or roll back to."""

    version: str = Field(pattern=SEMVER_PATTERN, description="A bundle version of this project.")
    allow_other_project: bool | None = Field(
        default=None,
        description=(
            "True: the user confirmed replacing another project running on the engine (the UI "
            "asks them to type this project's name)."
        ),
    )
    allow_lower_version: bool | None = Field(
        default=None,
        description="True: the user confirmed deploying a lower version than the active one.",
    )
    note: str | None = Field(
        default=None, max_length=500, description="Why this deploy; shown in the history."
    )


class DeploymentEntry(BmsModel):
    """One deploy or rollback attempt, as the Designer recorded it."""

    id: int
    project_id: str
    action: Literal["deploy", "rollback"]
    version: str
    hash: str | None
    by: str
    at: datetime
    outcome: Literal["active", "refused", "unreachable"]
    engine_status: int | None = Field(description="HTTP status the engine answered with.")
    engine_answer: JsonValue = Field(description="The engine's answer body.")


class DeploymentList(BmsModel):
    """Deployment history, newest first."""

    entries: tuple[DeploymentEntry, ...]


class FieldChange(BmsModel):
    """One field's value before and after (null where it was or becomes unset)."""

    before: JsonValue = None
    after: JsonValue = None


class NodeChange(BmsModel):
    """A node present in both bundles whose logic differs."""

    node: str
    fields: tuple[str, ...] = Field(
        description="What differs: 'type', 'flow', 'params.x', 'inputs'."
    )
    params: dict[str, FieldChange] = Field(
        default_factory=dict,
        description="Each changed parameter, old -> new (null where unset).",
    )


class PriorityChange(BmsModel):
    """A point written at another priority than before."""

    point: str
    before: int
    after: int


class ConstraintChange(BmsModel):
    """A commanded point whose authored limits change: each changed field, old -> new."""

    point: str
    changes: dict[str, FieldChange] = Field(
        description="Changed field (as the project names it: 'maxRatePerS') -> before and "
        "after; a point without limits on one side shows what none mean (unset, 1-16, hold)."
    )


class DiffBase(StrEnum):
    """What a bundle is compared with."""

    ACTIVE = "active"
    """The engine's active bundle (nothing, when the engine runs none)."""
    PREVIOUS = "previous"
    """The engine did not answer: the project's bundle before this one."""
    CHOSEN = "chosen"
    """The bundle the request named (``against``)."""
    NONE = "none"
    """The engine did not answer and there is no earlier bundle: everything is new."""


class BundleDiff(BmsModel):
    """What deploying a bundle changes, compared with the engine's active one or another bundle."""

    active_version: str | None = Field(description="The engine's active version, if any.")
    active_hash: str | None
    active_known: bool = Field(description="The active bundle is one the Designer stored.")
    version: str = Field(description="The bundle to deploy.")
    base: DiffBase = Field(default=DiffBase.ACTIVE, description="What it is compared with.")
    base_version: str | None = Field(
        default=None, description="The version compared with (null: nothing, or an unknown one)."
    )
    engine_error: str | None = Field(
        default=None, description="Why the engine's active bundle is unknown, when it is."
    )
    blocks_added: tuple[str, ...]
    blocks_removed: tuple[str, ...]
    blocks_changed: tuple[NodeChange, ...]
    points_newly_written: tuple[str, ...]
    points_no_longer_written: tuple[str, ...]
    priority_changes: tuple[PriorityChange, ...]
    constraint_changes: tuple[ConstraintChange, ...] = Field(
        default=(), description="Points whose limits or degraded policy change, old -> new."
    )
    project: BundleProject | None = Field(
        default=None, description="The project the bundle to deploy was built from."
    )
    active_project: BundleProject | None = Field(
        default=None, description="The project of the engine's active bundle, when known."
    )
    other_project: bool = Field(
        default=False,
        description="The engine runs another project: deploying replaces its whole program, "
        "and the engine refuses unless the deploy says allowOtherProject.",
    )
    lower_version: bool = Field(
        default=False,
        description="The version is lower than the engine's active one of the same project; "
        "the engine refuses unless the deploy says allowLowerVersion.",
    )


# -- simulation -------------------------------------------------------------------------------


class _Signal(BmsModel):
    point: str = Field(description="The point reference this signal feeds.")


class ConstantSignal(_Signal):
    kind: Literal["constant"]
    value: Scalar


class RampSignal(_Signal):
    kind: Literal["ramp"]
    start: float = Field(description="Value at startS.")
    end: float = Field(description="Value at startS + durationS, held afterwards.")
    start_s: float = Field(default=0.0, ge=0)
    duration_s: float = Field(gt=0)
    sample_s: float = Field(default=1.0, gt=0, description="Spacing of the generated samples.")


class StepSignal(_Signal):
    kind: Literal["step"]
    before: Scalar
    after: Scalar
    at_s: float = Field(ge=0, description="When the step happens.")


class SineSignal(_Signal):
    kind: Literal["sine"]
    offset: float = 0.0
    amplitude: float
    period_s: float = Field(gt=0)
    phase_s: float = 0.0
    sample_s: float = Field(default=1.0, gt=0, description="Spacing of the generated samples.")


class RecordedSignal(_Signal):
    kind: Literal["recorded"]
    samples: tuple[tuple[float, Scalar], ...] = Field(
        min_length=1, description="(time in seconds, value) pairs; each holds until the next."
    )


InputSignal = Annotated[
    ConstantSignal | RampSignal | StepSignal | SineSignal | RecordedSignal,
    Field(discriminator="kind"),
]


class SimulationRequest(BmsModel):
    """Run the project's flows on the virtual clock."""

    duration_s: float = Field(gt=0, le=7 * 86400, description="Simulated seconds.")
    inputs: tuple[InputSignal, ...] = Field(default=(), description="Input traces.")
    watch: tuple[str, ...] = Field(default=(), description="Node outputs to record, 'node.port'.")
    flow: str | None = Field(default=None, description="Only this flow; all flows if null.")


class SimulationResult(BmsModel):
    """One row per tick: the time, then one value per column."""

    columns: tuple[str, ...] = Field(description="'time_s', then points and watched ports.")
    rows: tuple[tuple[JsonValue, ...], ...]


# -- manual operation through the IoT proxy ---------------------------------------------------


class ManualWrite(BmsModel):
    """An operator override: a value at a priority, with the reason for the audit log."""

    point: PointRef = Field(description="Point reference, e.g. '1001/analog-value,3'.")
    value: FiniteScalar = Field(description="Value to write: finite, inside the float32 range.")
    priority: Priority = Field(default=8, description="BACnet priority (8: manual operator).")
    reason: str = Field(min_length=1, max_length=200, description="Why, for the audit log.")
    duration_s: float | None = Field(
        default=None,
        gt=0,
        le=31 * 86_400,
        description="Seconds until the IoT service relinquishes the override; none: until released.",
    )


class ManualRelease(BmsModel):
    """Release an override: write null at its priority."""

    point: PointRef = Field(description="Point reference, e.g. '1001/analog-value,3'.")
    priority: Priority = Field(default=8, description="The priority to relinquish.")
    reason: str = Field(min_length=1, max_length=200, description="Why, for the audit log.")


class DesignerHealth(BmsModel):
    """Liveness and readiness of the Designer (public, for start-order gating)."""

    live: bool = Field(description="The process answers.")
    ready: bool = Field(description="The database answers.")
    reasons: tuple[str, ...] = Field(default=(), description="Why not ready.")


class TemplateApplied(BmsModel):
    """A template applied: the saved project and what the application did."""

    project: Project = Field(description="The project as saved.")
    preview: TemplatePreview = Field(description="Bindings, unresolved, ambiguous, and the diff.")


class CompositeImported(BmsModel):
    """A library imported: the saved project and what happened to each definition."""

    project: Project = Field(description="The project as saved.")
    imported: tuple[str, ...] = Field(description="Definitions added, as 'NAME@VERSION'.")
    unchanged: tuple[str, ...] = Field(
        description="Definitions the project already held, identical, as 'NAME@VERSION'."
    )
