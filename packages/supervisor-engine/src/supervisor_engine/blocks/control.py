"""Control: PID loop, loop deviation alarm, split-range sequencer.

Staging, lead/lag, proof and interstart delay are in ``sequencing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.blocks._timing import invalid, reached, usable
from supervisor_engine.quality import OK, OVERRIDDEN, STALE
from supervisor_engine.units import in_unit

# --- PID ------------------------------------------------------------------------------------------


class PidAction(StrEnum):
    """Which way the output moves with the measurement."""

    REVERSE = "reverse"
    """The output rises as the measurement falls below the setpoint (heating)."""
    DIRECT = "direct"
    """The output rises as the measurement rises above the setpoint (cooling)."""


class DisableAction(StrEnum):
    """What a disabled PID outputs."""

    ZERO = "zero"
    HOLD = "hold"
    FALLBACK = "fallback"


class PidParams(Params):
    """Parameters of PID."""

    kp: float | None = Field(
        default=None,
        gt=0,
        le=1e6,
        description="Proportional gain, output units per unit of error (or give proportionalBand).",
    )
    proportional_band: float | None = Field(
        default=None,
        gt=0,
        le=1e6,
        description="Error that moves the output over its whole range: kp = (outMax - outMin) / band.",
    )
    ti_s: Annotated[float, in_unit("s")] = Field(
        default=300.0,
        ge=0,
        le=86400,
        description="Integral (reset) time in seconds; 0 = no integral action (the bias instead).",
    )
    td_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=3600, description="Derivative time in seconds, on the measurement."
    )
    derivative_filter: float = Field(
        default=10.0,
        ge=1,
        le=100,
        description="N: the derivative term is low-pass filtered with time constant tdS / N.",
    )
    action: PidAction = Field(
        default=PidAction.REVERSE,
        description="'reverse' (heating: more output below setpoint) or 'direct' (cooling).",
    )
    out_min: float = Field(default=0.0, ge=-1e9, le=1e9, description="Lowest output.")
    out_max: float = Field(default=100.0, ge=-1e9, le=1e9, description="Highest output.")
    bias: float = Field(
        default=0.0,
        ge=-1e9,
        le=1e9,
        description="Output at zero error without integral action; the integral's value on a "
        "cold start.",
    )
    setpoint_weight: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="b: the proportional term acts on b * setpoint - measurement.",
    )
    disable_action: DisableAction = Field(
        default=DisableAction.ZERO,
        description="Output while disabled: 'zero', 'hold' the last output, or 'fallback'.",
    )
    fallback_value: float = Field(
        default=0.0, ge=-1e9, le=1e9, description="Output while disabled with 'fallback'."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PidParams:
        if (self.kp is None) == (self.proportional_band is None):
            raise ValueError("give exactly one of kp and proportionalBand")
        if not self.out_min < self.out_max:
            raise ValueError(f"outMin {self.out_min} must be below outMax {self.out_max}")
        return self


@dataclass(frozen=True, slots=True)
class _PidGains:
    kp: float
    sign: float
    """+1 reverse acting (error = sp - pv), -1 direct acting (error = pv - sp)."""


def _bind_pid(p: PidParams, _env: BlockEnv) -> _PidGains:
    if p.kp is not None:
        kp = p.kp
    else:
        assert p.proportional_band is not None  # the validator requires one of the two
        kp = (p.out_max - p.out_min) / p.proportional_band
    return _PidGains(kp, 1.0 if p.action is PidAction.REVERSE else -1.0)


@dataclass
class PidState:
    """The loop's memory: integral term (output units), filtered derivative, last values."""

    integral: float = 0.0
    d_term: float = 0.0
    pv_prev: float | None = None
    out: float | None = None
    auto: bool = False
    """Whether the previous tick was in closed-loop control: entering it is a transfer."""


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _limits(p: PidParams, ins: tuple[Any, ...], qs: tuple[int, ...]) -> tuple[float, float]:
    lo, hi = p.out_min, p.out_max
    if usable(ins[5], qs[5]):
        lo = max(lo, ins[5])
    if usable(ins[6], qs[6]):
        hi = min(hi, ins[6])
    # crossed limits: the high limit wins (it is usually the protective one)
    return min(lo, hi), hi


def _transfer_integral(out: float | None, pd: float, bias: float, lo: float, hi: float) -> float:
    """The integral that makes the output continue from ``out`` (bumpless transfer).

    Inside the range there is one such value. At a limit there are many (any that keeps
    the output saturated): the one nearest the range is taken, so that a loop enabled
    far from its setpoint does not carry a huge integral into the next setpoint change.
    """
    if out is None:
        return _clamp(bias, lo, hi)
    out = _clamp(out, lo, hi)
    if out <= lo:
        return min(lo - pd, lo)
    if out >= hi:
        return max(hi - pd, hi)
    return out - pd


def _pid(
    ctx: BlockContext[PidParams, PidState], ins: tuple[Any, ...], qs: tuple[int, ...]
) -> tuple[float | None, int]:
    pv, sp, enable, manual, manual_value = ins[:5]
    p, g, s, dt = ctx.params, ctx.bound, ctx.state, ctx.tick.dt
    lo, hi = _limits(p, ins, qs)
    pv_ok = usable(pv, qs[0])

    if not (enable is True and qs[2] <= OVERRIDDEN):
        # An unknown enable disables: the loop must not act on a command it cannot see.
        if p.disable_action is DisableAction.ZERO:
            s.out = 0.0
        elif p.disable_action is DisableAction.FALLBACK:
            s.out = p.fallback_value
        elif s.out is None:
            s.out = _clamp(p.bias, lo, hi)
        return _open_loop(s, pv if pv_ok else None, s.out, OK)
    if manual is True and qs[3] <= OVERRIDDEN:
        if usable(manual_value, qs[4]):
            return _open_loop(s, pv if pv_ok else None, _clamp(manual_value, lo, hi), OVERRIDDEN)
        return _open_loop(s, pv if pv_ok else None, s.out, invalid(qs[4]))
    if not pv_ok or not usable(sp, qs[1]):
        # No measurement: hold the output, freeze the integral, re-enter bumplessly later.
        return _open_loop(s, None, s.out, invalid(max(qs[0], qs[1])))

    error = g.sign * (sp - pv)
    proportional = g.kp * g.sign * (p.setpoint_weight * sp - pv)
    transfer = not s.auto or ctx.tick.first  # (re)entering control, or a restart/redeploy
    if transfer or p.td_s == 0 or s.pv_prev is None or dt <= 0:
        s.d_term = 0.0
    else:
        # derivative on the measurement: a setpoint step gives no kick
        raw = -g.sign * g.kp * p.td_s * (pv - s.pv_prev) / dt
        s.d_term += (raw - s.d_term) * dt / (p.td_s / p.derivative_filter + dt)
    pd = proportional + s.d_term
    # The integral stays in the output range, widened only where the P+D term keeps the
    # output itself inside it: I in [lo, hi] or lo <= P + I + D <= hi. That is anti-windup
    # (a saturated output never grows the integral past the range) and still lets a
    # transfer start the output exactly where it was.
    i_lo, i_hi = min(lo, lo - pd), max(hi, hi - pd)
    if p.ti_s == 0:
        s.integral = p.bias
    elif transfer:
        s.integral = _transfer_integral(s.out, pd, p.bias, lo, hi)
    elif dt > 0:
        step = g.kp * dt / p.ti_s * error
        unclamped = pd + s.integral
        # no integration further into a saturated output (conditional integration)
        if not ((unclamped >= hi and step > 0) or (unclamped <= lo and step < 0)):
            s.integral += step
        s.integral = _clamp(s.integral, i_lo, i_hi)
    s.auto = True
    s.pv_prev = pv
    s.out = _clamp(pd + s.integral, lo, hi)
    return s.out, max(qs[0], qs[1])


def _open_loop(
    s: PidState, pv: float | None, out: float | None, q: int
) -> tuple[float | None, int]:
    """Output ``out`` without control; the next closed-loop tick is a bumpless transfer."""
    s.auto = False
    s.d_term = 0.0
    s.pv_prev = pv
    s.out = out
    return out, q if out is not None else max(q, STALE)


# --- loop deviation alarm ---------------------------------------------------------------------------


class LoopAlarmParams(Params):
    """Parameters of loop deviation alarm."""

    limit: float = Field(
        default=2.0, gt=0, le=1e9, description="Alarm when |pv - setpoint| exceeds this..."
    )
    delay_s: Annotated[float, in_unit("s")] = Field(
        default=600.0, ge=0, le=86400, description="...continuously for this long."
    )
    deadband: float = Field(
        default=0.5, ge=0, le=1e9, description="Clears once |pv - setpoint| < limit - deadband."
    )

    @model_validator(mode="after")
    def _deadband_below_limit(self) -> LoopAlarmParams:
        if self.deadband >= self.limit:
            raise ValueError(f"deadband {self.deadband} must be below limit {self.limit}")
        return self


@dataclass
class LoopAlarmState:
    """The alarm and when a pending deviation becomes one."""

    alarm: bool = False
    due: float | None = None


def _loop_alarm(
    ctx: BlockContext[LoopAlarmParams, LoopAlarmState],
    ins: tuple[Any, Any, Any],
    qs: tuple[int, int, int],
) -> tuple[tuple[bool, float | None], int]:
    pv, sp, enable = ins
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    if not (enable is True and qs[2] <= OVERRIDDEN):
        # a loop that is off is not failing to control
        s.alarm, s.due = False, None
        return (False, None), OK
    if not (usable(pv, qs[0]) and usable(sp, qs[1])):
        s.due = None
        return (s.alarm, None), invalid(max(qs[0], qs[1]))
    deviation = pv - sp
    if abs(deviation) > p.limit:
        if not s.alarm:
            if s.due is None:
                s.due = now + p.delay_s
            if reached(now, s.due):
                s.alarm, s.due = True, None
    else:
        s.due = None
        if abs(deviation) < p.limit - p.deadband:
            s.alarm = False
    return (s.alarm, deviation), max(qs[0], qs[1])


# --- split range ------------------------------------------------------------------------------------


class Segment(Params):
    """One output of a split range: the input span mapped onto the output span."""

    in_low: float = Field(description="Input at which this output is at outLow.")
    in_high: float = Field(description="Input at which this output reaches outHigh.")
    out_low: float = Field(default=0.0, description="Output at and below inLow.")
    out_high: float = Field(default=100.0, description="Output at and above inHigh.")

    @model_validator(mode="after")
    def _span(self) -> Segment:
        if not self.in_low < self.in_high:
            raise ValueError(f"inLow {self.in_low} must be below inHigh {self.in_high}")
        return self


class SplitRangeParams(Params):
    """Parameters of split range."""

    outputs: int = Field(default=2, ge=1, le=8, description="Number of outputs.")
    segments: tuple[Segment, ...] = Field(
        default=(Segment(in_low=0, in_high=50), Segment(in_low=50, in_high=100)),
        description="Per output, in order: the input span and the output span it maps to "
        "(outLow > outHigh for a reverse-acting output); gaps between spans are deadbands.",
    )

    @model_validator(mode="after")
    def _one_per_output(self) -> SplitRangeParams:
        if len(self.segments) != self.outputs:
            raise ValueError(f"{len(self.segments)} segments for {self.outputs} outputs")
        return self


def _split_range(ctx: BlockContext[SplitRangeParams, None], ins: tuple[float]) -> Any:
    u = ins[0]
    outs = []
    for seg in ctx.params.segments:
        x = _clamp(u, seg.in_low, seg.in_high)
        outs.append(
            seg.out_low
            + (x - seg.in_low) * (seg.out_high - seg.out_low) / (seg.in_high - seg.in_low)
        )
    return outs[0] if len(outs) == 1 else tuple(outs)


CONTROL_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="control.pid", title="PID loop", category="control",
        doc="Positional PID on the scheduler's dt: derivative on the measurement, integral "
        "clamped to the output range (anti-windup), bumpless on enable, manual->auto and "
        "restart.",
        inputs=(
            port("pv", NUMBER, doc="The measurement (process variable)."),
            port("setpoint", NUMBER),
            port("enable", BOOL, required=False, default=True, doc="False: the disable action."),
            port("manual", BOOL, required=False, default=False,
                 doc="True: the output follows manual_value; back to auto bumplessly."),
            port("manual_value", NUMBER, required=False, doc="The output in manual."),
            port("low_limit", NUMBER, required=False,
                 doc="Raises outMin while wired and valid (the integral obeys it too)."),
            port("high_limit", NUMBER, required=False,
                 doc="Lowers outMax while wired and valid (the integral obeys it too)."),
        ),
        outputs=(port("out", NUMBER),), params=PidParams, evaluate=_pid, quality_aware=True,
        bind=_bind_pid, init_state=lambda _p: PidState(), state_type=PidState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="control.loop-deviation-alarm", title="Loop deviation alarm", category="control",
        doc="Alarm when |pv - setpoint| > limit for delayS while enabled; clears below "
        "limit - deadband.",
        inputs=(
            port("pv", NUMBER), port("setpoint", NUMBER),
            port("enable", BOOL, required=False, default=True, doc="False: no alarm."),
        ),
        outputs=(port("alarm", BOOL), port("deviation", NUMBER, doc="pv - setpoint")),
        params=LoopAlarmParams, evaluate=_loop_alarm, quality_aware=True,
        init_state=lambda _p: LoopAlarmState(), state_type=LoopAlarmState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="control.split-range", title="Split range", category="control",
        doc="One loop output mapped onto several outputs in sequence (heating valve, "
        "economizer, cooling valve), each clamped to its span.",
        inputs=(port("in", NUMBER, doc="The loop output."),),
        outputs=(port("out", NUMBER, repeat="outputs"),), params=SplitRangeParams,
        evaluate=_split_range,
    ),
)  # fmt: skip
