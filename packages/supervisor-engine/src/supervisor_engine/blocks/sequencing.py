"""Equipment sequencing: stager, proof of operation, interstart delay.

Lead/lag is in ``leadlag``. Deadlines (minimum times, inter-stage delays,
proof delays) are absolute instants on ``ctx.tick.now``; the anti-short-cycle
state is persisted so a restart cannot restart a compressor early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, INTEGER, NUMBER, port
from supervisor_engine.blocks._timing import invalid, reached, usable
from supervisor_engine.quality import OVERRIDDEN
from supervisor_engine.units import in_unit

# --- stager ---------------------------------------------------------------------------------------


class StagingMode(StrEnum):
    """Which stage goes next."""

    LINEAR = "linear"
    """Stage 1 first on, last off (FILO)."""
    ROTATING = "rotating"
    """The stage off longest goes on, the stage on longest goes off (FIFO)."""


class StagerParams(Params):
    """Parameters of stager."""

    stages: int = Field(default=2, ge=1, le=16, description="Number of stages.")
    thresholds: tuple[float, ...] | None = Field(
        default=None,
        description="Demand (%) at which stage k is added, ascending; unset = evenly spaced "
        "100 * k / (stages + 1).",
    )
    hysteresis: float = Field(
        default=5.0, ge=0, le=100, description="A stage is removed below its threshold minus this."
    )
    stage_on_delay_s: Annotated[float, in_unit("s")] = Field(
        default=60.0, ge=0, le=86400, description="After any stage change, wait this to add."
    )
    stage_off_delay_s: Annotated[float, in_unit("s")] = Field(
        default=60.0, ge=0, le=86400, description="After any stage change, wait this to remove."
    )
    min_on_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="Minimum run of a stage."
    )
    min_off_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="Minimum rest of a stage."
    )
    mode: StagingMode = Field(
        default=StagingMode.LINEAR, description="'linear' (FILO) or 'rotating' (FIFO)."
    )

    @model_validator(mode="after")
    def _thresholds_fit(self) -> StagerParams:
        t = self.thresholds
        if t is not None:
            if len(t) != self.stages:
                raise ValueError(f"{len(t)} thresholds for {self.stages} stages")
            if any(b <= a for a, b in pairwise(t)):
                raise ValueError(f"thresholds {list(t)} must be strictly ascending")
        return self


def _bind_stager(p: StagerParams, _env: BlockEnv) -> tuple[float, ...]:
    if p.thresholds is not None:
        return p.thresholds
    return tuple(100.0 * k / (p.stages + 1) for k in range(1, p.stages + 1))


@dataclass
class StagerState:
    """Per stage: on, its last change and when it may change again; the inter-stage deadlines."""

    on: list[bool] = field(default_factory=list)
    changed: list[float | None] = field(default_factory=list)
    hold_until: list[float | None] = field(default_factory=list)
    next_add: float | None = None
    next_remove: float | None = None


def _init_stager(p: StagerParams) -> StagerState:
    n = p.stages
    return StagerState(on=[False] * n, changed=[None] * n, hold_until=[None] * n)


def _switch_stage(ctx: BlockContext[StagerParams, StagerState], k: int, on: bool) -> None:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    s.on[k], s.changed[k] = on, now
    s.hold_until[k] = now + (p.min_on_s if on else p.min_off_s)
    s.next_add, s.next_remove = now + p.stage_on_delay_s, now + p.stage_off_delay_s


def _add_stage(ctx: BlockContext[StagerParams, StagerState]) -> None:
    s = ctx.state
    idle = [k for k in range(ctx.params.stages) if not s.on[k]]
    if ctx.params.mode is StagingMode.ROTATING:
        # off longest first; a stage that never ran counts as off longest
        idle.sort(key=lambda k: (s.changed[k] is not None, s.changed[k] or 0.0, k))
    k = idle[0]
    if s.hold_until[k] is None or reached(ctx.tick.now, s.hold_until[k]):
        _switch_stage(ctx, k, True)  # else wait: the next stage in order is resting


def _remove_stage(ctx: BlockContext[StagerParams, StagerState]) -> None:
    s = ctx.state
    running = [k for k in range(ctx.params.stages) if s.on[k]]
    if ctx.params.mode is StagingMode.ROTATING:
        k = min(running, key=lambda k: (s.changed[k] or 0.0, k))  # on longest first
    else:
        k = running[-1]  # last on, first off
    if s.hold_until[k] is None or reached(ctx.tick.now, s.hold_until[k]):
        _switch_stage(ctx, k, False)


def _stager(
    ctx: BlockContext[StagerParams, StagerState], ins: tuple[Any, Any], qs: tuple[int, int]
) -> tuple[tuple[Any, ...], int]:
    demand, enable = ins
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    if len(s.on) != p.stages:  # restored state of a different stage count
        ctx.state = s = _init_stager(p)
    q = qs[0]
    if not (enable is True and qs[1] <= OVERRIDDEN):
        # disabling drops every stage at once: it is usually a safety or the plant is off
        for k in range(p.stages):
            if s.on[k]:
                _switch_stage(ctx, k, False)
        s.next_add = s.next_remove = None
        q = qs[1] if enable is not None else invalid(qs[1])
    elif not usable(demand, qs[0]):
        q = invalid(qs[0])  # hold the stages
    else:
        thresholds: tuple[float, ...] = ctx.bound
        count = sum(s.on)
        # at most one stage change per tick, and only after the inter-stage delay
        calls_more = count < p.stages and demand >= thresholds[count]
        calls_less = count > 0 and demand < thresholds[count - 1] - p.hysteresis
        if calls_more and (s.next_add is None or reached(now, s.next_add)):
            _add_stage(ctx)
        elif calls_less and (s.next_remove is None or reached(now, s.next_remove)):
            _remove_stage(ctx)
    return (*s.on, sum(s.on)), q


# --- proof ----------------------------------------------------------------------------------------


class ProofParams(Params):
    """Parameters of proof."""

    delay_s: Annotated[float, in_unit("s")] = Field(
        default=30.0, ge=0, le=3600, description="Commanded on: status must follow within this."
    )
    stop_delay_s: Annotated[float | None, in_unit("s")] = Field(
        default=None,
        ge=0,
        le=3600,
        description="Commanded off: status must drop within this; unset = delayS.",
    )
    latch: bool = Field(
        default=True, description="The fault stays until reset (else it clears with the mismatch)."
    )


@dataclass
class ProofState:
    """The fault and the deadline of the current command/status mismatch."""

    fault: bool = False
    due: float | None = None
    due_for: bool | None = None
    """The command the running deadline was set for."""


def _proof(
    ctx: BlockContext[ProofParams, ProofState],
    ins: tuple[Any, Any, Any],
    qs: tuple[int, int, int],
) -> tuple[tuple[bool, bool], int]:
    command, status, reset = ins
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    if reset is True:
        s.fault, s.due = False, None
    if not (usable(command, qs[0]) and usable(status, qs[1])):
        # an unreadable status proves nothing either way: the timing starts over
        s.due = None
        return (s.fault, False), invalid(max(qs[0], qs[1]))
    if command != status:
        if s.due is None or s.due_for != command:
            delay = (
                p.delay_s
                if command
                else (p.stop_delay_s if p.stop_delay_s is not None else p.delay_s)
            )
            s.due, s.due_for = now + delay, command
        if reached(now, s.due):
            s.fault = True
    else:
        s.due = s.due_for = None
        if not p.latch:
            s.fault = False
    return (s.fault, bool(command and status)), max(qs[0], qs[1])


# --- interstart delay -----------------------------------------------------------------------------


class InterstartParams(Params):
    """Parameters of interstart delay."""

    inputs: int = Field(default=2, ge=2, le=16, description="Number of loads.")
    delay_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, ge=0, le=3600, description="Least time between two starts; 0 = no limit."
    )


@dataclass
class InterstartState:
    """Per load: its output and since when it waits to start; the next allowed start."""

    out: list[bool] = field(default_factory=list)
    waiting: list[float | None] = field(default_factory=list)
    next_start: float | None = None


def _init_interstart(p: InterstartParams) -> InterstartState:
    return InterstartState(out=[False] * p.inputs, waiting=[None] * p.inputs)


def _interstart(
    ctx: BlockContext[InterstartParams, InterstartState],
    ins: tuple[Any, ...],
    qs: tuple[int, ...],
) -> tuple[tuple[bool, ...], int]:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    if len(s.out) != p.inputs:
        ctx.state = s = _init_interstart(p)
    for k, request in enumerate(ins):
        if request is None:
            continue  # unknown: the load keeps its state
        if not request:
            s.out[k], s.waiting[k] = False, None  # stops are never delayed
        elif not s.out[k] and s.waiting[k] is None:
            s.waiting[k] = now
    queue = sorted(
        (k for k in range(p.inputs) if s.waiting[k] is not None),
        key=lambda k: (s.waiting[k] or 0.0, k),
    )
    for k in queue:
        if s.next_start is not None and not reached(now, s.next_start):
            break
        s.out[k], s.waiting[k] = True, None
        if p.delay_s > 0:
            s.next_start = now + p.delay_s
    q = max(qs)
    return tuple(s.out), invalid(q) if None in ins else q


SEQUENCING_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="control.stager", title="Stager", category="control",
        doc="0-100 % demand to n stage commands: one change per inter-stage delay, thresholds "
        "with hysteresis, minimum on/off per stage, linear (FILO) or rotating (FIFO).",
        inputs=(
            port("demand", NUMBER, doc="Demand in %."),
            port("enable", BOOL, required=False, default=True, doc="False drops every stage."),
        ),
        outputs=(port("stage", BOOL, repeat="stages"), port("count", INTEGER)),
        params=StagerParams, evaluate=_stager, quality_aware=True, bind=_bind_stager,
        init_state=_init_stager, state_type=StagerState, state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="control.proof", title="Proof", category="control",
        doc="Fault when status has not followed the command within delayS (on) or "
        "stopDelayS (off); latched until reset.",
        inputs=(
            port("command", BOOL), port("status", BOOL, doc="The proof (flow, current, ...)."),
            port("reset", BOOL, required=False, default=False, doc="True clears the fault."),
        ),
        outputs=(port("fault", BOOL), port("proven", BOOL, doc="Commanded on and running.")),
        params=ProofParams, evaluate=_proof, quality_aware=True,
        init_state=lambda _p: ProofState(), state_type=ProofState,
        state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="control.interstart-delay", title="Interstart delay", category="control",
        doc="Passes start requests one at a time, delayS apart, first come first served; "
        "stops pass at once.",
        inputs=(port("request", BOOL, repeat="inputs"),),
        outputs=(port("out", BOOL, repeat="inputs"),), params=InterstartParams,
        evaluate=_interstart, quality_aware=True, init_state=_init_interstart,
        state_type=InterstartState, state_class=StateClass.RETAINED,
    ),
)  # fmt: skip
