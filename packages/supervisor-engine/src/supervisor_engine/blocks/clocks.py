"""Clock-driven signals: interval pulse, elapsed timer, watchdog and heartbeat.

Deadlines are absolute instants on ``ctx.tick.now`` (see ``_timing``), so a
restored timer resumes with the time it had left and missed pulses are not
replayed as a burst.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._params import TypedParams
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.blocks._timing import invalid, next_grid, pending, reached, usable
from supervisor_engine.quality import OK
from supervisor_engine.units import in_unit

# --- interval pulse and elapsed timer -------------------------------------------------------------


class IntervalParams(Params):
    """Parameters of interval pulse."""

    period_s: Annotated[float, in_unit("s")] = Field(
        default=60.0, gt=0, le=86400 * 31, description="Time between pulses."
    )
    phase_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, description="Pulses fall at phaseS + k * periodS on the engine's clock."
    )
    width_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, description="Length of each pulse; 0 = exactly one tick."
    )

    @model_validator(mode="after")
    def _within_period(self) -> IntervalParams:
        if self.phase_s >= self.period_s:
            raise ValueError(f"phaseS {self.phase_s} must be below periodS {self.period_s}")
        if self.width_s >= self.period_s:
            raise ValueError(f"widthS {self.width_s} must be below periodS {self.period_s}")
        return self


@dataclass
class IntervalState:
    """The next pulse instant and the end of the current one."""

    next_due: float | None = None
    pulse_end: float | None = None


def _interval(ctx: BlockContext[IntervalParams, IntervalState], ins: tuple[bool]) -> bool:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    if not ins[0]:
        s.next_due = s.pulse_end = None
        return False
    if s.next_due is None:
        s.next_due = next_grid(now, p.period_s, p.phase_s, inclusive=True)
    fired = reached(now, s.next_due)
    if fired:
        # Pulses missed while down are not replayed: one pulse, then back on the grid.
        s.pulse_end = s.next_due + p.width_s
        s.next_due = next_grid(now, p.period_s, p.phase_s, inclusive=False)
    return fired or pending(now, s.pulse_end)


class ElapsedParams(Params):
    """Parameters of elapsed timer."""

    threshold_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, description="'passed' is true once the elapsed time reaches this."
    )


@dataclass
class ElapsedState:
    """When the input became true (None = it is false)."""

    started: float | None = None


def _elapsed(
    ctx: BlockContext[ElapsedParams, ElapsedState],
    ins: tuple[bool | None, bool | None],
    qs: tuple[int, int],
) -> tuple[tuple[float | None, bool | None], int]:
    run, reset = ins
    s, now = ctx.state, ctx.tick.now
    if run is None:
        s.started = None
        return (None, None), invalid(qs[0])
    if not run:
        s.started = None
    elif s.started is None or reset:
        s.started = now
    elapsed = 0.0 if s.started is None else now - s.started
    passed = s.started is not None and reached(now, s.started + ctx.params.threshold_s)
    return (elapsed, passed), max(qs)


# --- watchdog and heartbeat -----------------------------------------------------------------------


class WatchdogParams(TypedParams):
    """Parameters of watchdog."""

    timeout_s: Annotated[float, in_unit("s")] = Field(
        default=60.0, gt=0, le=86400, description="Alarm when the input has not changed for this."
    )


@dataclass
class WatchdogState:
    """The last valid value seen and when it must have changed by (None = not started)."""

    last: bool | int | float | str | None = None
    deadline: float | None = None


def _watchdog(
    ctx: BlockContext[WatchdogParams, WatchdogState], ins: tuple[Any], qs: tuple[int]
) -> tuple[tuple[bool, bool], int]:
    v, s, now = ins[0], ctx.state, ctx.tick.now
    if s.deadline is None:
        # The first tick starts the window: a source that never speaks alarms after timeoutS.
        s.deadline = now + ctx.params.timeout_s
        s.last = v if usable(v, qs[0]) else None
    elif usable(v, qs[0]) and v != s.last:
        s.last = v
        s.deadline = now + ctx.params.timeout_s
    alive = pending(now, s.deadline)
    # The watchdog's output is a verdict on its input, valid whatever the input's quality.
    return (alive, not alive), OK


class HeartbeatParams(Params):
    """Parameters of heartbeat."""

    period_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, gt=0, le=86400, description="Time between two toggles of the output."
    )


@dataclass
class HeartbeatState:
    """The output and its next toggle instant."""

    out: bool = False
    next_toggle: float | None = None


def _heartbeat(ctx: BlockContext[HeartbeatParams, HeartbeatState], _ins: tuple[()]) -> bool:
    s, now, period = ctx.state, ctx.tick.now, ctx.params.period_s
    if s.next_toggle is None:
        s.next_toggle = now + period
    elif reached(now, s.next_toggle):
        s.out = not s.out
        s.next_toggle = next_grid(now, period, s.next_toggle % period, inclusive=False)
    return s.out


_OUT = (port("out", BOOL),)
_RETAINED = StateClass.RETAINED

CLOCK_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="timer.interval", title="Interval pulse", category="timer",
        doc="A pulse at phaseS + k * periodS on the engine's clock while enabled.",
        inputs=(port("enable", BOOL, required=False, default=True),), outputs=_OUT,
        params=IntervalParams, evaluate=_interval, init_state=lambda _p: IntervalState(),
        state_type=IntervalState, state_class=_RETAINED,
    ),
    BlockType(
        type="timer.elapsed", title="Elapsed timer", category="timer",
        doc="Seconds since the input became true (0 while false); reset restarts the count.",
        inputs=(port("run", BOOL), port("reset", BOOL, required=False, default=False)),
        outputs=(port("elapsed_s", NUMBER), port("passed", BOOL, doc="elapsed >= thresholdS")),
        params=ElapsedParams, evaluate=_elapsed, quality_aware=True,
        init_state=lambda _p: ElapsedState(), state_type=ElapsedState, state_class=_RETAINED,
    ),
    BlockType(
        type="timer.watchdog", title="Watchdog", category="timer",
        doc="ok while the input keeps changing; alarm once no valid new value came for timeoutS.",
        inputs=(port("in", type_param="valueType"),),
        outputs=(port("ok", BOOL), port("alarm", BOOL)), params=WatchdogParams,
        evaluate=_watchdog, quality_aware=True, init_state=lambda _p: WatchdogState(),
        state_type=WatchdogState, state_class=_RETAINED,
    ),
    BlockType(
        type="timer.heartbeat", title="Heartbeat", category="timer",
        doc="Toggles every periodS, for a remote watchdog to see this engine alive.",
        inputs=(), outputs=_OUT, params=HeartbeatParams, evaluate=_heartbeat,
        init_state=lambda _p: HeartbeatState(), state_type=HeartbeatState,
        state_class=StateClass.VOLATILE,
    ),
)  # fmt: skip
