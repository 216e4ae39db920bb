"""Supervisory HVAC sequences: trim and respond, request sum, economizer enable.

(The psychrometric blocks live in :mod:`.psychro` and are listed here too.)

Trim and respond follows ASHRAE Guideline 36 (section 5.1.14.3): while the
device is off the setpoint is SP0; once it has been proven on for Td, every
time step T the setpoint changes by SPtrim when there are R <= I requests, or
by SPres * (R - I), at most SPres-max, when R > I; always within
[SPmin, SPmax]. Steps fall at Td + T, Td + 2T, ... after the device was
proven on; their deadlines are absolute on the ``tick.now`` scale and the
setpoint is retained, so a redeploy or restart carries on where it was.
An unknown device state holds the setpoint; lost requests count as none.

Economizer enable is off whenever an input its mode needs is unwired or
invalid (fail safe: no free cooling on data that cannot be trusted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._params import CountParams
from supervisor_engine.blocks._ports import BOOL, INTEGER, NUMBER, port
from supervisor_engine.blocks.psychro import PSYCHRO_BLOCKS
from supervisor_engine.quality import OK, OVERRIDDEN, STALE
from supervisor_engine.units import in_unit


class TrimRespondParams(Params):
    """Parameters of trim and respond (ASHRAE Guideline 36 names in brackets)."""

    sp0: float = Field(description="Setpoint while the device is off and at start [SP0].")
    sp_min: float = Field(description="Lowest setpoint [SPmin].")
    sp_max: float = Field(description="Highest setpoint [SPmax].")
    delay_s: Annotated[float, in_unit("s")] = Field(
        default=600.0, ge=0, le=86400, description="Hold SP0 this long after proven on [Td]."
    )
    step_s: Annotated[float, in_unit("s")] = Field(
        default=120.0, gt=0, le=86400, description="Time step [T]."
    )
    ignored_requests: int = Field(
        default=2, ge=0, le=1000, description="Requests ignored each step [I]."
    )
    sp_trim: float = Field(description="Change per step with R <= I [SPtrim].")
    sp_res: float = Field(description="Change per request above I [SPres], opposite sign to trim.")
    sp_res_max: float = Field(description="Largest response per step [SPres-max], sign of SPres.")

    @model_validator(mode="after")
    def _g36_signs_and_range(self) -> TrimRespondParams:
        if not self.sp_min <= self.sp0 <= self.sp_max:
            raise ValueError("need spMin <= sp0 <= spMax")
        if self.sp_trim == 0 or self.sp_res == 0 or (self.sp_trim > 0) == (self.sp_res > 0):
            raise ValueError("spTrim and spRes must be non-zero and of opposite signs")
        if self.sp_res_max == 0 or (self.sp_res_max > 0) != (self.sp_res > 0):
            raise ValueError("spResMax must be non-zero with the sign of spRes")
        return self


@dataclass
class TrimRespondState:
    """The setpoint and the next step's deadline (retained)."""

    setpoint: float
    next_step: float | None = None
    """``tick.now`` of the next step; None while the device is off."""


def _trim_respond(
    ctx: BlockContext[TrimRespondParams, TrimRespondState],
    ins: tuple[bool | None, int | None],
    qs: tuple[int, int],
) -> tuple[float, int]:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    device_on, requests = ins
    quality = max(max(qs), OK)
    if device_on is None or qs[0] > OVERRIDDEN:
        return s.setpoint, max(quality, STALE)  # device state unknown: hold
    if requests is None or qs[1] > OVERRIDDEN:
        requests = 0  # requests lost: keep trimming towards the energy-saving end
    if not device_on:
        s.setpoint, s.next_step = p.sp0, None
        return s.setpoint, quality
    if s.next_step is None:  # just proven on: hold SP0 for Td, first step T after that
        s.setpoint, s.next_step = p.sp0, now + p.delay_s + p.step_s
    elif now >= s.next_step:
        excess = requests - p.ignored_requests
        if excess > 0:
            change = p.sp_res * excess
            change = min(change, p.sp_res_max) if p.sp_res > 0 else max(change, p.sp_res_max)
        else:
            change = p.sp_trim
        s.setpoint = min(max(s.setpoint + change, p.sp_min), p.sp_max)
        # One step per tick: steps missed while down are not replayed as a burst.
        s.next_step = s.next_step + p.step_s if now < s.next_step + p.step_s else now + p.step_s
    return s.setpoint, quality


class RequestSumParams(CountParams):
    """Parameters of request sum."""

    multipliers: tuple[float, ...] = Field(
        default=(),
        description="Importance multiplier per input (0 ignores a zone); empty = all 1.",
    )

    @model_validator(mode="after")
    def _one_per_input(self) -> RequestSumParams:
        if self.multipliers and len(self.multipliers) != self.inputs:
            raise ValueError(f"give {self.inputs} multipliers (one per input), or none")
        if any(m < 0 for m in self.multipliers):
            raise ValueError("multipliers must not be negative")
        return self


def _request_sum(
    ctx: BlockContext[RequestSumParams, None], ins: tuple[int | None, ...], qs: tuple[int, ...]
) -> tuple[int, int]:
    weights = ctx.params.multipliers or (1.0,) * len(ins)
    total, valid = 0.0, 0
    for r, q, m in zip(ins, qs, weights, strict=True):
        # An offline zone must not hold the plant hostage: its requests count as none.
        if r is not None and q <= OVERRIDDEN:
            total += max(r, 0) * m
            valid += 1
    return math.floor(total + 0.5), OK if valid else STALE


class EconomizerMode(StrEnum):
    """How an economizer decides that outdoor air is good for free cooling."""

    FIXED_DRY_BULB = "fixed-dry-bulb"
    DIFFERENTIAL_DRY_BULB = "differential-dry-bulb"
    FIXED_ENTHALPY = "fixed-enthalpy"
    DIFFERENTIAL_ENTHALPY = "differential-enthalpy"


class EconomizerParams(Params):
    """Parameters of economizer enable."""

    mode: EconomizerMode = Field(
        default=EconomizerMode.FIXED_DRY_BULB, description="The high-limit control."
    )
    high_limit: float = Field(
        default=24.0, description="Outdoor dry bulb above which economizing stops (all modes)."
    )
    enthalpy_limit: float = Field(
        default=47.0, description="Fixed enthalpy: outdoor enthalpy above which it stops."
    )
    hysteresis: float = Field(
        default=1.0, ge=0, description="Dry-bulb comparisons re-enable this far below the limit."
    )
    enthalpy_hysteresis: float = Field(
        default=1.0, ge=0, description="Enthalpy comparisons re-enable this far below the limit."
    )
    low_lockout: float | None = Field(
        default=None, description="Outdoor dry bulb below which economizing is locked out."
    )


@dataclass
class EconomizerState:
    """Which comparisons currently allow economizing (their hysteresis)."""

    ok: dict[str, bool]


def _below(state: dict[str, bool], key: str, value: float, limit: float, band: float) -> bool:
    """``value`` is below ``limit``, with hysteresis: once above, below ``limit - band`` again."""
    was = state.get(key)
    now_ok = value <= limit if was is None or was else value < limit - band
    state[key] = now_ok
    return now_ok


def _economizer(
    ctx: BlockContext[EconomizerParams, EconomizerState],
    ins: tuple[float | None, float | None, float | None, float | None],
    qs: tuple[int, int, int, int],
) -> tuple[bool, int]:
    p, ok = ctx.params, ctx.state.ok
    oat, rat, oa_h, ra_h = ins
    needed = [0]
    if p.mode is EconomizerMode.DIFFERENTIAL_DRY_BULB:
        needed.append(1)
    elif p.mode is EconomizerMode.FIXED_ENTHALPY:
        needed.append(2)
    elif p.mode is EconomizerMode.DIFFERENTIAL_ENTHALPY:
        needed += [2, 3]
    quality = max(qs[i] for i in needed)
    if any(ins[i] is None for i in needed) or quality > OVERRIDDEN:
        return False, max(quality, STALE)  # no trustworthy reading: no free cooling (fail safe)
    assert oat is not None
    enable = _below(ok, "high-limit", oat, p.high_limit, p.hysteresis)
    if p.mode is EconomizerMode.DIFFERENTIAL_DRY_BULB:
        assert rat is not None
        enable &= _below(ok, "differential", oat, rat, p.hysteresis)
    elif p.mode is EconomizerMode.FIXED_ENTHALPY:
        assert oa_h is not None
        enable &= _below(ok, "enthalpy", oa_h, p.enthalpy_limit, p.enthalpy_hysteresis)
    elif p.mode is EconomizerMode.DIFFERENTIAL_ENTHALPY:
        assert oa_h is not None
        assert ra_h is not None
        enable &= _below(ok, "enthalpy", oa_h, ra_h, p.enthalpy_hysteresis)
    if p.low_lockout is not None:
        # "above the lockout" is "-oat below -lockout": the same hysteresis, mirrored.
        enable &= _below(ok, "low-lockout", -oat, -p.low_lockout, p.hysteresis)
    return enable, quality


HVAC_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="hvac.trim-respond", title="Trim and respond", category="hvac",
        doc="ASHRAE Guideline 36 trim and respond setpoint reset from zone requests.",
        inputs=(
            port("device_on", BOOL, doc="The device served is proven on."),
            port("requests", INTEGER, doc="Requests R this step (from a request sum)."),
        ),
        outputs=(port("setpoint", NUMBER, doc="The reset setpoint."),),
        params=TrimRespondParams, evaluate=_trim_respond, quality_aware=True,
        init_state=lambda p: TrimRespondState(p.sp0), state_type=TrimRespondState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="hvac.request-sum", title="Request sum", category="hvac",
        doc="Sum of zone requests with importance multipliers; offline zones count none.",
        inputs=(port("in", INTEGER, repeat="inputs", doc="A zone's requests."),),
        outputs=(port("out", INTEGER, doc="Total requests (rounded)."),),
        params=RequestSumParams, evaluate=_request_sum, quality_aware=True,
    ),
    BlockType(
        type="hvac.economizer-enable", title="Economizer enable", category="hvac",
        doc="Free-cooling enable: dry-bulb or enthalpy high limit, hysteresis, low lockout.",
        inputs=(
            port("oat", NUMBER, doc="Outdoor air temperature."),
            port("rat", NUMBER, required=False, doc="Return air temperature (differential)."),
            port("oa_enthalpy", NUMBER, required=False, doc="Outdoor air enthalpy (enthalpy)."),
            port("ra_enthalpy", NUMBER, required=False,
                 doc="Return air enthalpy (differential enthalpy)."),
        ),
        outputs=(port("enable", BOOL, doc="Economizing is allowed."),),
        params=EconomizerParams, evaluate=_economizer, quality_aware=True,
        init_state=lambda _p: EconomizerState({}), state_type=EconomizerState,
        state_class=StateClass.VOLATILE,
    ),
    *PSYCHRO_BLOCKS,
)  # fmt: skip
