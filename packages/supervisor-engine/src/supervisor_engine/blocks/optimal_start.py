"""Optimal start: begin warm-up or cool-down just early enough to reach setpoint at occupancy.

The lead time is the zone's distance from setpoint over the warm-up (or
cool-down) rate, plus an optional outdoor allowance, capped by ``maxLeadMin``::

    lead_min = |setpoint - zone| / rate_K_per_h * 60
               + outdoorFactorMinPerK * max(0, setpoint - outdoor)   (heating; outdoor - setpoint cooling)

It is zero while the zone is within ``toleranceK`` of the setpoint. Once
``start_now`` turns on it holds until the occupancy start (or until the
schedule says occupied), so the plant does not chatter as the zone warms.

With ``learning`` on, each start measures the rate it achieved (zone change
over elapsed hours, when the zone reaches setpoint, or at occupancy if it did
not) and moves the rate used for that direction towards it by
``learningWeight``; the learned rates are persisted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, NUMBER, TIMESTAMP, port
from supervisor_engine.units import in_unit

_RETARGET_S = 60.0
"""An occupancy start that moves by more than this cancels a start in progress."""


class OptimalStartParams(Params):
    """Parameters of optimal start."""

    heat_rate_k_per_h: Annotated[float, in_unit("K/h")] = Field(
        default=2.0,
        gt=0,
        le=50,
        description="Warm-up rate, K per hour (the initial one if learning).",
    )
    cool_rate_k_per_h: Annotated[float, in_unit("K/h")] = Field(
        default=2.0,
        gt=0,
        le=50,
        description="Cool-down rate, K per hour (the initial one if learning).",
    )
    max_lead_min: Annotated[float, in_unit("min")] = Field(
        default=180.0, gt=0, le=1440, description="Longest start ahead of occupancy, minutes."
    )
    tolerance_k: Annotated[float, in_unit("K")] = Field(
        default=0.5, ge=0, le=10, description="A zone this close to setpoint needs no early start."
    )
    outdoor_factor_min_per_k: Annotated[float, in_unit("min/K")] = Field(
        default=0.0,
        ge=0,
        le=60,
        description="Extra minutes per K that outdoor air is beyond the setpoint (heating: below).",
    )
    learning: bool = Field(default=False, description="Adapt the rates from each start.")
    learning_weight: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="Weight of the newest measured rate in the learned one.",
    )
    min_rate_k_per_h: Annotated[float, in_unit("K/h")] = Field(
        default=0.25, gt=0, description="Lowest rate learning may settle on."
    )
    max_rate_k_per_h: Annotated[float, in_unit("K/h")] = Field(
        default=20.0, gt=0, description="Highest learnt rate."
    )

    @model_validator(mode="after")
    def _rates_ordered(self) -> OptimalStartParams:
        if self.min_rate_k_per_h > self.max_rate_k_per_h:
            raise ValueError("minRateKPerH must not exceed maxRateKPerH")
        return self


@dataclass
class OptimalStartState:
    """Learned rates and the start in progress (persisted)."""

    heat_rate: float
    cool_rate: float
    active_until: float | None = None
    """Epoch seconds of the occupancy start a start in progress aims at."""
    mode: str = ""
    """'heat' or 'cool' while a start is measured; '' once measured or idle."""
    started_at: float = 0.0
    """Logical time (``tick.now``) the start began."""
    start_temp: float = 0.0


def _init(params: OptimalStartParams) -> OptimalStartState:
    return OptimalStartState(params.heat_rate_k_per_h, params.cool_rate_k_per_h)


def _learn(p: OptimalStartParams, s: OptimalStartState, zone: float, now: float) -> None:
    """Fold the rate of the start in progress into the learned rate; ends the measurement."""
    hours = (now - s.started_at) / 3600.0
    moved = (zone - s.start_temp) if s.mode == "heat" else (s.start_temp - zone)
    if p.learning and hours > 0 and moved > 0:
        measured = min(max(moved / hours, p.min_rate_k_per_h), p.max_rate_k_per_h)
        if s.mode == "heat":
            s.heat_rate += p.learning_weight * (measured - s.heat_rate)
        else:
            s.cool_rate += p.learning_weight * (measured - s.cool_rate)
    s.mode = ""


def _optimal_start(
    ctx: BlockContext[OptimalStartParams, OptimalStartState],
    ins: tuple[float, float, float, float, bool],
) -> tuple[bool, float, float]:
    p, s = ctx.params, ctx.state
    zone, setpoint, outdoor, occupancy_start, occupied = ins
    now = ctx.tick.now
    error = setpoint - zone
    heat_rate = s.heat_rate if p.learning else p.heat_rate_k_per_h
    cool_rate = s.cool_rate if p.learning else p.cool_rate_k_per_h
    if error > p.tolerance_k:
        mode, rate, outdoor_k = "heat", heat_rate, setpoint - outdoor
    elif -error > p.tolerance_k:
        mode, rate, outdoor_k = "cool", cool_rate, outdoor - setpoint
    else:
        mode, rate, outdoor_k = "", 1.0, 0.0
    lead = 0.0
    if mode:
        lead = abs(error) / rate * 60.0 + p.outdoor_factor_min_per_k * max(0.0, outdoor_k)
        lead = min(lead, p.max_lead_min)
    to_occupancy = (occupancy_start - ctx.tick.wall.timestamp()) / 60.0

    if s.active_until is not None and (
        occupied or to_occupancy <= 0 or abs(occupancy_start - s.active_until) > _RETARGET_S
    ):
        if s.mode and (occupied or to_occupancy <= 0):
            _learn(p, s, zone, now)
        s.active_until, s.mode = None, ""
    if s.active_until is not None:
        # A start in progress is measured when the zone gets to setpoint.
        if (s.mode == "heat" and error <= 0) or (s.mode == "cool" and error >= 0):
            _learn(p, s, zone, now)
        return True, 0.0, lead
    if occupied or to_occupancy <= 0:
        return False, 0.0, lead
    if mode and to_occupancy <= lead:
        s.active_until, s.mode, s.started_at, s.start_temp = occupancy_start, mode, now, zone
        return True, 0.0, lead
    return False, to_occupancy - lead, lead


OPTIMAL_START_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="schedule.optimal-start", title="Optimal start", category="schedule",
        doc="Starts warm-up/cool-down early enough to reach setpoint at occupancy (learned rates).",
        inputs=(
            port("zone_temp", NUMBER, doc="Zone temperature."),
            port("setpoint", NUMBER, doc="Occupied setpoint."),
            port("outdoor_temp", NUMBER, doc="Outdoor air temperature."),
            port("occupancy_start", TIMESTAMP, doc="Next occupancy start, Unix epoch seconds."),
            port("occupied", BOOL, required=False, default=False,
                 doc="The schedule is occupied now (no early start needed)."),
        ),
        outputs=(
            port("start_now", BOOL, doc="Start the plant now."),
            port("minutes_to_start", NUMBER, doc="Minutes until start_now turns on (0 when on)."),
            port("lead_min", NUMBER, doc="Lead time needed from the current conditions, minutes."),
        ),
        params=OptimalStartParams, evaluate=_optimal_start,
        init_state=_init, state_type=OptimalStartState, state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip
