"""Thresholds and timers: hysteresis, thermostat, delays, pulse, minimum on/off.

Every timer stores absolute deadlines on ``ctx.tick.now`` (see ``_timing``),
so retained and persisted timers resume with the time they had left.
Latches and counters are in ``counters``; interval pulse, elapsed timer, watchdog
and heartbeat in ``clocks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.blocks._timing import invalid, pending, reached
from supervisor_engine.units import in_unit

# --- hysteresis and thermostat ---------------------------------------------------------------


class HysteresisParams(Params):
    """Parameters of hysteresis."""

    on_above: float = Field(description="The output turns on when the input rises above this.")
    off_below: float = Field(description="The output turns off when the input falls below this.")

    @model_validator(mode="after")
    def _ordered(self) -> HysteresisParams:
        if not self.off_below < self.on_above:
            raise ValueError(f"offBelow {self.off_below} must be below onAbove {self.on_above}")
        return self


@dataclass
class SwitchState:
    """An on/off output that holds between its thresholds."""

    on: bool = False


def _hysteresis(ctx: BlockContext[HysteresisParams, SwitchState], ins: tuple[float]) -> bool:
    u, p, s = ins[0], ctx.params, ctx.state
    if u > p.on_above:
        s.on = True
    elif u < p.off_below:
        s.on = False
    return s.on


class ThermostatAction(StrEnum):
    """What a thermostat calls for."""

    HEAT = "heat"
    COOL = "cool"
    HEAT_COOL = "heat-cool"


class ThermostatParams(Params):
    """Parameters of thermostat."""

    action: ThermostatAction = Field(
        default=ThermostatAction.HEAT,
        description="'heat', 'cool', or 'heat-cool' (both, either side of a deadband).",
    )
    differential: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="Width of each switching band, centred on its setpoint.",
    )
    deadband: float = Field(
        default=2.0,
        ge=0,
        le=100,
        description="heat-cool only: the heating setpoint is setpoint - deadband/2, "
        "the cooling setpoint setpoint + deadband/2.",
    )


@dataclass
class ThermostatState:
    """Calls for heat and cool, held inside their differentials."""

    heat: bool = False
    cool: bool = False


def _thermostat(
    ctx: BlockContext[ThermostatParams, ThermostatState], ins: tuple[float, float]
) -> tuple[bool, bool]:
    t, sp = ins
    p, s = ctx.params, ctx.state
    half = p.differential / 2
    shift = p.deadband / 2 if p.action is ThermostatAction.HEAT_COOL else 0.0
    if p.action is ThermostatAction.COOL:
        s.heat = False
    elif t < sp - shift - half:
        s.heat = True
    elif t > sp - shift + half:
        s.heat = False
    if p.action is ThermostatAction.HEAT:
        s.cool = False
    elif t > sp + shift + half:
        s.cool = True
    elif t < sp + shift - half:
        s.cool = False
    return s.heat, s.cool


# --- delays -------------------------------------------------------------------------------------


class DelayOnParams(Params):
    """Parameters of delay-on."""

    delay_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, ge=0, le=86400 * 7, description="How long the input must stay true."
    )


class DelayOffParams(Params):
    """Parameters of delay-off."""

    delay_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, ge=0, le=86400 * 7, description="How long the output stays true after."
    )


class OnOffDelayParams(Params):
    """Parameters of on/off delay."""

    on_delay_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, ge=0, le=86400 * 7, description="How long the input must stay true."
    )
    off_delay_s: Annotated[float, in_unit("s")] = Field(
        default=10.0, ge=0, le=86400 * 7, description="How long the input must stay false."
    )


@dataclass
class DelayState:
    """The delayed output and the deadline of its pending change (None = none pending)."""

    out: bool = False
    due: float | None = None


def _delay(
    ctx: BlockContext[Any, DelayState], ins: tuple[bool | None], qs: tuple[int]
) -> tuple[bool | None, int]:
    u, s, now = ins[0], ctx.state, ctx.tick.now
    if u is None:
        # Unknown is not "continuously true/false": the pending change starts over.
        s.due = None
        return None, invalid(qs[0])
    if u == s.out:
        s.due = None
    else:
        if s.due is None:
            on_s, off_s = ctx.bound
            s.due = now + (on_s if u else off_s)
        if reached(now, s.due):
            s.out, s.due = u, None
    return s.out, qs[0]


def _bind_on(p: DelayOnParams, _env: BlockEnv) -> tuple[float, float]:
    return p.delay_s, 0.0


def _bind_off(p: DelayOffParams, _env: BlockEnv) -> tuple[float, float]:
    return 0.0, p.delay_s


def _bind_on_off(p: OnOffDelayParams, _env: BlockEnv) -> tuple[float, float]:
    return p.on_delay_s, p.off_delay_s


# --- pulse ----------------------------------------------------------------------------------------


class PulseParams(Params):
    """Parameters of pulse."""

    width_s: Annotated[float, in_unit("s")] = Field(
        default=1.0, gt=0, le=86400 * 7, description="Length of the pulse."
    )
    retrigger: bool = Field(
        default=False, description="A rising edge during a pulse restarts it (else ignored)."
    )


@dataclass
class PulseState:
    """The trigger seen last tick and the end of the running pulse."""

    prev: bool = False
    end: float | None = None


def _pulse(ctx: BlockContext[PulseParams, PulseState], ins: tuple[bool]) -> bool:
    u, s, now = ins[0], ctx.state, ctx.tick.now
    active = pending(now, s.end)
    if u and not s.prev and (ctx.params.retrigger or not active):
        s.end = now + ctx.params.width_s
    s.prev = u
    return pending(now, s.end)


# --- minimum on / minimum off ---------------------------------------------------------------------


class MinOnOffParams(Params):
    """Parameters of minimum on/off."""

    min_on_s: Annotated[float, in_unit("s")] = Field(
        default=180.0, ge=0, le=86400, description="Once on, the output stays on at least this."
    )
    min_off_s: Annotated[float, in_unit("s")] = Field(
        default=300.0, ge=0, le=86400, description="Once off, the output stays off at least this."
    )


@dataclass
class MinOnOffState:
    """The output and when it may change again (absolute, None = any time)."""

    out: bool = False
    hold_until: float | None = None


def _min_on_off(
    ctx: BlockContext[MinOnOffParams, MinOnOffState], ins: tuple[bool | None], qs: tuple[int]
) -> tuple[tuple[bool, bool], int]:
    req, s, now = ins[0], ctx.state, ctx.tick.now
    if req is None:
        # Hold the command: an unknown request is no reason to cycle equipment.
        return (s.out, False), invalid(qs[0])
    if req != s.out and (s.hold_until is None or reached(now, s.hold_until)):
        s.out = req
        s.hold_until = now + (ctx.params.min_on_s if req else ctx.params.min_off_s)
    return (s.out, s.out != req), qs[0]


_IN = (port("in", BOOL, doc="The input signal."),)
_OUT = (port("out", BOOL),)
_RETAINED = StateClass.RETAINED

TIMER_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="timer.hysteresis", title="Hysteresis", category="timer",
        doc="On when in rises above onAbove, off when it falls below offBelow, holds between.",
        inputs=(port("in", NUMBER),), outputs=_OUT, params=HysteresisParams,
        evaluate=_hysteresis, init_state=lambda _p: SwitchState(), state_type=SwitchState,
        state_class=_RETAINED,
    ),
    BlockType(
        type="timer.thermostat", title="Thermostat", category="timer",
        doc="Heat on below sp - diff/2, off above sp + diff/2; cool mirrored; heat-cool "
        "splits the setpoint by the deadband.",
        inputs=(port("temperature", NUMBER), port("setpoint", NUMBER)),
        outputs=(port("heat", BOOL), port("cool", BOOL)), params=ThermostatParams,
        evaluate=_thermostat, init_state=lambda _p: ThermostatState(),
        state_type=ThermostatState, state_class=_RETAINED,
    ),
    BlockType(
        type="timer.delay-on", title="Delay on", category="timer",
        doc="True once the input has been true continuously for delayS (TON); false at once.",
        inputs=_IN, outputs=_OUT, params=DelayOnParams, evaluate=_delay, quality_aware=True,
        bind=_bind_on, init_state=lambda _p: DelayState(), state_type=DelayState,
        state_class=_RETAINED,
    ),
    BlockType(
        type="timer.delay-off", title="Delay off", category="timer",
        doc="True at once with the input; false once it has been false for delayS (TOF).",
        inputs=_IN, outputs=_OUT, params=DelayOffParams, evaluate=_delay, quality_aware=True,
        bind=_bind_off, init_state=lambda _p: DelayState(), state_type=DelayState,
        state_class=_RETAINED,
    ),
    BlockType(
        type="timer.on-off-delay", title="On/off delay", category="timer",
        doc="Follows the input once it has been true for onDelayS or false for offDelayS.",
        inputs=_IN, outputs=_OUT, params=OnOffDelayParams, evaluate=_delay, quality_aware=True,
        bind=_bind_on_off, init_state=lambda _p: DelayState(), state_type=DelayState,
        state_class=_RETAINED,
    ),
    BlockType(
        type="timer.pulse", title="Pulse", category="timer",
        doc="A widthS pulse on each rising edge of the trigger (one-shot, TP).",
        inputs=(port("trigger", BOOL),), outputs=_OUT, params=PulseParams, evaluate=_pulse,
        init_state=lambda _p: PulseState(), state_type=PulseState, state_class=_RETAINED,
    ),
    BlockType(
        type="timer.min-on-off", title="Minimum on/off", category="timer",
        doc="Follows the request, but stays on at least minOnS and off at least minOffS "
        "(anti-short-cycle, survives restarts).",
        inputs=(port("request", BOOL),),
        outputs=(
            port("out", BOOL, doc="The command."),
            port("held", BOOL, doc="True while a minimum time keeps out from the request."),
        ),
        params=MinOnOffParams, evaluate=_min_on_off, quality_aware=True,
        init_state=lambda _p: MinOnOffState(), state_type=MinOnOffState,
        state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip
