"""Signal conditioning: blocks that shape a signal over time."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._params import TypedParams, check_value_type
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.quality import OK, STALE
from supervisor_engine.units import in_unit


class UnitDelayParams(TypedParams):
    """Parameters of unit delay."""

    initial: bool | int | float | str | None = Field(
        default=None, description="Output of the first tick, before any input was seen."
    )

    @model_validator(mode="after")
    def _initial_fits_type(self) -> UnitDelayParams:
        if self.initial is not None:
            check_value_type(self.initial, self.value_type, "initial")
        return self


@dataclass
class DelayState:
    """The input seen on the previous tick."""

    value: Any = None
    quality: int = OK


def _init_delay(params: UnitDelayParams) -> DelayState:
    initial = params.initial
    return DelayState(initial, OK if initial is not None else STALE)


def _delay_out(
    ctx: BlockContext[UnitDelayParams, DelayState], _ins: tuple[Any], _qs: tuple[int]
) -> tuple[Any, int]:
    return ctx.state.value, ctx.state.quality


def _delay_latch(
    ctx: BlockContext[UnitDelayParams, DelayState], ins: tuple[Any], qs: tuple[int]
) -> None:
    ctx.state.value = ins[0]
    ctx.state.quality = qs[0]


DELAY_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="math.unit-delay", title="Unit delay", category="math",
        doc="The input's value on the previous tick; breaks feedback loops.",
        inputs=(port("in", type_param="valueType"),),
        outputs=(port("out", type_param="valueType"),),
        params=UnitDelayParams, evaluate=_delay_out, quality_aware=True,
        init_state=_init_delay, state_type=DelayState, state_class=StateClass.RETAINED,
        latch=_delay_latch,
    ),
)  # fmt: skip


class LineParams(Params):
    """Parameters of linear reset."""

    x1: float = Field(description="Input at the first point (e.g. outdoor temperature -10).")
    y1: float = Field(description="Output at the first point (e.g. supply water 70).")
    x2: float = Field(description="Input at the second point.")
    y2: float = Field(description="Output at the second point.")
    clamp: bool = Field(default=True, description="Hold y1 / y2 outside the two points.")

    @model_validator(mode="after")
    def _distinct(self) -> LineParams:
        if self.x1 == self.x2:
            raise ValueError(f"x1 and x2 are both {self.x1}: a line needs two distinct inputs")
        return self


def _line(ctx: BlockContext[LineParams, None], ins: tuple[float]) -> float:
    p = ctx.params
    y = p.y1 + (ins[0] - p.x1) * (p.y2 - p.y1) / (p.x2 - p.x1)
    if p.clamp:
        y = min(max(y, min(p.y1, p.y2)), max(p.y1, p.y2))
    return y


class TableParams(Params):
    """Parameters of the piecewise-linear table."""

    points: tuple[tuple[float, float], ...] = Field(
        min_length=2, description="Breakpoints [x, y] with x strictly increasing."
    )

    @model_validator(mode="after")
    def _increasing(self) -> TableParams:
        xs = [x for x, _y in self.points]
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError(f"breakpoint x values must strictly increase, got {xs}")
        return self


def _table(ctx: BlockContext[TableParams, None], ins: tuple[float]) -> float:
    points, u = ctx.params.points, ins[0]
    if u <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if u <= x1:
            return y0 + (u - x0) * (y1 - y0) / (x1 - x0)
    return points[-1][1]


class LimiterParams(Params):
    """Parameters of limiter."""

    min: float = Field(description="Lowest output.")
    max: float = Field(description="Highest output.")

    @model_validator(mode="after")
    def _ordered(self) -> LimiterParams:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


def _limit(ctx: BlockContext[LimiterParams, None], ins: tuple[float]) -> float:
    return min(max(ins[0], ctx.params.min), ctx.params.max)


@dataclass
class LastOutput:
    """The output of the previous tick; None before the first."""

    last: float | None = None


class RateParams(Params):
    """Parameters of rate limit."""

    rise_per_s: Annotated[float, in_unit("/s")] = Field(
        gt=0, description="Fastest rise, units per second."
    )
    fall_per_s: Annotated[float, in_unit("/s")] = Field(
        gt=0, description="Fastest fall, units per second."
    )


def _rate_limit(ctx: BlockContext[RateParams, LastOutput], ins: tuple[float]) -> float:
    state, u, dt = ctx.state, ins[0], ctx.tick.dt
    if state.last is None:
        state.last = u
    else:
        step = min(max(u - state.last, -ctx.params.fall_per_s * dt), ctx.params.rise_per_s * dt)
        state.last += step
    return state.last


class FilterParams(Params):
    """Parameters of the first-order filter."""

    tau_s: Annotated[float, in_unit("s")] = Field(
        gt=0, description="Time constant, seconds: 63 % of a step after tau."
    )


def _filter(ctx: BlockContext[FilterParams, LastOutput], ins: tuple[float]) -> float:
    state, u = ctx.state, ins[0]
    if state.last is None:
        state.last = u
    else:
        # exact discretisation: the same response whatever the scan period
        state.last += (u - state.last) * -math.expm1(-ctx.tick.dt / ctx.params.tau_s)
    return state.last


class MovingAverageParams(Params):
    """Parameters of moving average."""

    window_s: Annotated[float, in_unit("s")] = Field(
        gt=0, description="Length of the window, seconds."
    )
    max_samples: int = Field(
        default=3600, ge=1, le=100_000, description="Most samples kept, whatever the window."
    )


@dataclass
class Samples:
    """Recent (time, value) samples, oldest first."""

    samples: list[tuple[float, float]] = field(default_factory=list)


def _moving_average(ctx: BlockContext[MovingAverageParams, Samples], ins: tuple[float]) -> float:
    samples, now = ctx.state.samples, ctx.tick.now
    samples.append((now, ins[0]))
    horizon = now - ctx.params.window_s
    drop = 0
    while drop < len(samples) and samples[drop][0] <= horizon:
        drop += 1
    drop = max(drop, len(samples) - ctx.params.max_samples)
    if drop:
        del samples[:drop]
    return math.fsum(v for _t, v in samples) / len(samples)


class DeadbandParams(Params):
    """Parameters of deadband (report by exception)."""

    band: float = Field(ge=0, description="The output follows only moves larger than this.")


def _deadband(ctx: BlockContext[DeadbandParams, LastOutput], ins: tuple[float]) -> float:
    state, u = ctx.state, ins[0]
    if state.last is None or abs(u - state.last) > ctx.params.band:
        state.last = u
    return state.last


@dataclass
class HeldSample:
    """The held value, its quality, and the trigger on the previous tick."""

    value: Any = None
    quality: int = STALE
    previous: bool = False


def _sample_hold(
    ctx: BlockContext[TypedParams, HeldSample], ins: tuple[Any, bool | None], qs: tuple[int, int]
) -> tuple[Any, int]:
    state = ctx.state
    trigger = bool(ins[1])
    if trigger and not state.previous:
        state.value, state.quality = ins[0], qs[0]
    state.previous = trigger
    return state.value, state.quality


class IntegratorParams(Params):
    """Parameters of integrator / totalizer."""

    k: float = Field(
        default=1.0, description="Scale: e.g. 1/3600 turns kW into kWh, 1/60 L/min into L."
    )
    initial: float = Field(default=0.0, description="Total at the start and after a reset.")


@dataclass
class Total:
    """The running total."""

    total: float = 0.0


def _integrate(ctx: BlockContext[IntegratorParams, Total], ins: tuple[float, bool]) -> float:
    rate, reset = ins
    if reset:
        ctx.state.total = ctx.params.initial
    else:
        ctx.state.total += ctx.params.k * rate * ctx.tick.dt
    return ctx.state.total


_U = (port("in", NUMBER),)
_Y = (port("out", NUMBER),)


def _last_output(_params: Any) -> LastOutput:
    return LastOutput()


SIGNAL_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="math.linear-reset", title="Linear reset", category="math",
        doc="A straight line through two points, clamped outside them (e.g. outdoor-air reset).",
        inputs=_U, outputs=_Y, params=LineParams, evaluate=_line,
    ),
    BlockType(
        type="math.table", title="Piecewise-linear table", category="math",
        doc="Interpolates between breakpoints, holds the end values outside them.",
        inputs=_U, outputs=_Y, params=TableParams, evaluate=_table,
    ),
    BlockType(
        type="math.limiter", title="Limiter", category="math", doc="Clamps to [min, max].",
        inputs=_U, outputs=_Y, params=LimiterParams, evaluate=_limit,
    ),
    BlockType(
        type="math.rate-limit", title="Rate limit", category="math",
        doc="Follows the input no faster than the rise and fall rates.",
        inputs=_U, outputs=_Y, params=RateParams, evaluate=_rate_limit,
        init_state=_last_output, state_type=LastOutput, state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="math.filter", title="First-order filter", category="math",
        doc="Low-pass filter with time constant tau.",
        inputs=_U, outputs=_Y, params=FilterParams, evaluate=_filter,
        init_state=_last_output, state_type=LastOutput, state_class=StateClass.VOLATILE,
    ),
    BlockType(
        type="math.moving-average", title="Moving average", category="math",
        doc="Mean of the samples of the last window_s seconds.",
        inputs=_U, outputs=_Y, params=MovingAverageParams, evaluate=_moving_average,
        init_state=lambda _p: Samples(), state_type=Samples, state_class=StateClass.VOLATILE,
    ),
    BlockType(
        type="math.deadband", title="Deadband", category="math",
        doc="Follows the input only when it moves more than the band (report by exception).",
        inputs=_U, outputs=_Y, params=DeadbandParams, evaluate=_deadband,
        init_state=_last_output, state_type=LastOutput, state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="math.sample-hold", title="Sample and hold", category="math",
        doc="Takes the input on each rising edge of trigger and holds it.",
        inputs=(port("in", type_param="valueType"), port("trigger", BOOL)),
        outputs=(port("out", type_param="valueType"),), params=TypedParams,
        evaluate=_sample_hold, quality_aware=True,
        init_state=lambda _p: HeldSample(), state_type=HeldSample, state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="math.integrator", title="Integrator / totalizer", category="math",
        doc="Integrates k * rate over time (kW to kWh, flow to volume); reset sets it to initial.",
        inputs=(port("rate", NUMBER), port("reset", BOOL, required=False, default=False)),
        outputs=(port("total", NUMBER),), params=IntegratorParams, evaluate=_integrate,
        init_state=lambda p: Total(p.initial), state_type=Total, state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip

CONDITIONING_BLOCKS: tuple[BlockType[Any], ...] = (*DELAY_BLOCKS, *SIGNAL_BLOCKS)
