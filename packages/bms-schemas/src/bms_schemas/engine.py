"""Request and response models of the headless engine's HTTP API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field, JsonValue

from bms_schemas._base import BmsModel


class DeployRequest(BmsModel):
    """A bundle to deploy, exactly as signed."""

    bundle: dict[str, JsonValue] = Field(description="The bundle document, signature included.")
    allow_other_project: bool = Field(
        default=False,
        description="Deploy although the bundle is of another project than the active one.",
    )
    allow_lower_version: bool = Field(
        default=False, description="Deploy although the version is lower than the active one."
    )
    note: str | None = Field(
        default=None, max_length=500, description="Why this deploy, shown in the history."
    )


class RunState(StrEnum):
    """Whether the engine executes its active bundle."""

    RUNNING = "running"
    STOPPED = "stopped"
    IDLE = "idle"
    """No bundle has been deployed yet."""


class DeployResponse(BmsModel):
    """The outcome of a deploy, reload or rollback."""

    version: str = Field(description="The bundle version now active.")
    hash: str = Field(description="Content hash of the active bundle, 'sha256:...'.")
    status: RunState = Field(description="Whether it runs.")
    restored_nodes: int = Field(
        default=0,
        ge=0,
        description="Nodes whose retained state carried over from the previous bundle.",
    )


class RollbackRequest(BmsModel):
    """Which earlier version to make active again."""

    version: str = Field(min_length=1, max_length=64, description="A version deployed here before.")
    project_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description=(
            "Whose version: two projects may both have deployed it. If unset, the active "
            "project's, else the project that ran it last here."
        ),
    )
    allow_other_project: bool = Field(
        default=False,
        description="Roll back although the version is of another project than the active one.",
    )


class FlowStatus(BmsModel):
    """Scheduler figures of one flow."""

    id: str
    name: str
    period_ms: int
    ticks: int = Field(description="Periodic runs so far.")
    overruns: int = Field(description="Runs that started later than the tolerance allows.")
    missed: int = Field(description="Slots skipped entirely (never replayed).")
    triggered_runs: int = Field(description="Extra runs caused by on-change triggers.")
    errors: int = Field(description="Runs that raised outside any block.")
    last_duration_ms: float = Field(description="How long the last run took.")
    last_lateness_ms: float = Field(description="How late the last run started.")
    max_lateness_ms: float = Field(description="The latest any run started.")
    lateness_p50_ms: float = Field(default=0.0, description="Median lateness of the recent runs.")
    lateness_p99_ms: float = Field(
        default=0.0, description="99th percentile lateness of the recent runs."
    )
    next_due_in_ms: float = Field(description="Time until the next run is due.")
    last_run: datetime | None = Field(description="Wall time of the last run's due instant.")


class IotLinkStatus(BmsModel):
    """The link to the IoT service."""

    url: str
    connected: bool
    stream_connected: bool
    last_error: str | None
    reconnects: int
    pending_writes: int
    writes_sent: int
    writes_refused: int
    writes_failed: int
    unauthorized: bool = Field(
        default=False, description="The IoT service refuses the engine's token."
    )
    devices_offline: tuple[int, ...] = Field(
        default=(), description="Devices the bundle touches that the IoT service reports offline."
    )


class UnconfirmedCommandStatus(BmsModel):
    """A command whose priority slot did not hold it for several deliveries in a row."""

    point: str
    priority: int = Field(ge=1, le=16)
    value: bool | int | float | str | None
    failures: int = Field(
        ge=0, description="Consecutive deliveries that failed or read back wrong."
    )
    problem: str | None = None


class CommandTruthStatus(BmsModel):
    """Whether the devices hold what the engine commands (read back after every write)."""

    held: int = Field(ge=0, description="Commands the engine holds on devices.")
    confirmed: int = Field(ge=0, description="Of those, confirmed by the slot read back.")
    mismatches: int = Field(ge=0, description="Deliveries whose slot read back another value.")
    failures: int = Field(ge=0, description="Deliveries the device did not take.")
    reasserts: int = Field(ge=0, description="Times every held command was delivered again.")
    last_reassert: str | None = Field(default=None, description="Why, the last time.")
    refresh_s: float | None = Field(
        default=None,
        description="Each held command is delivered again this long after it was confirmed.",
    )
    unconfirmed: tuple[UnconfirmedCommandStatus, ...] = ()


class EngineStatus(BmsModel):
    """Everything ``GET /engine/status`` reports."""

    state: RunState
    version: str | None = Field(description="Active bundle version, if any.")
    hash: str | None = Field(description="Active bundle hash, if any.")
    project_id: str | None = Field(default=None, description="The active bundle's project id.")
    project_name: str | None = Field(default=None, description="The active bundle's project.")
    activated_at: datetime | None = None
    activated_by: str | None = None
    flows: tuple[FlowStatus, ...] = ()
    faults: dict[str, str] = Field(
        default_factory=dict, description="Faulted nodes and their errors."
    )
    iot: IotLinkStatus
    points_read: int = 0
    points_written: int = 0
    commands: CommandTruthStatus | None = Field(
        default=None, description="Delivery and confirmation of the engine's commands."
    )
    degraded_reasons: tuple[str, ...] = Field(
        default=(), description="Why the engine's health is degraded (empty when it is not)."
    )
    fallback_from: str | None = Field(
        default=None,
        description="The version that should run but failed to load, when a fallback runs instead.",
    )


class EngineHealth(BmsModel):
    """Liveness and readiness, separately, with reasons."""

    live: bool = Field(description="The process answers.")
    ready: bool = Field(description="Booted: state loaded, the scan loop running.")
    degraded: bool = Field(description="Running, but something needs attention.")
    reasons: tuple[str, ...] = Field(default=(), description="Why not ready, or why degraded.")
    version: str | None = None


class DeploymentRecord(BmsModel):
    """One line of the deployment history."""

    at: datetime
    action: str = Field(description="'deploy', 'rollback', 'reload', 'start', 'stop' or 'boot'.")
    version: str | None
    hash: str | None
    by: str
    outcome: str = Field(description="'active', 'refused', 'failed-to-load', 'ok'.")
    message: str | None = None
    project_id: str | None = Field(default=None, description="The bundle's project id.")
    project_name: str | None = Field(default=None, description="The bundle's project name.")
    note: str | None = Field(default=None, description="The deploy's note.")
    state: str | None = Field(
        default=None,
        description=(
            "For a deploy or rollback: 'active' (runs now), 'superseded' (a later deploy "
            "replaced it), 'rolled back' (a rollback replaced it) or 'refused'."
        ),
    )


class DeploymentHistory(BmsModel):
    """The deployment history, newest first (a page of it)."""

    entries: tuple[DeploymentRecord, ...]
    total: int | None = Field(default=None, ge=0, description="Entries kept in all.")
    offset: int = Field(default=0, ge=0, description="Entries skipped before this page.")


class TrendLog(BmsModel):
    """The samples of one trend-log block, oldest first."""

    flow: str
    node: str
    label: str = Field(description="The block's label, or its id.")
    capacity: int = Field(ge=1, description="Most samples the log keeps.")
    samples: tuple[tuple[float, float | bool | None, str], ...] = Field(
        description="Samples [epoch seconds, value, quality], oldest first."
    )
