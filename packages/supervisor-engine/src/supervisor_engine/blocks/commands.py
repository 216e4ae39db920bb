"""Command discipline: tunable parameters, priority arbitration, operator overrides, fallbacks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, FieldProblem
from supervisor_engine.blocks._params import TypedParams, check_value_type
from supervisor_engine.blocks._ports import BOOL, INTEGER, port
from supervisor_engine.quality import OK, OVERRIDDEN, STALE
from supervisor_engine.units import in_unit, symbol

Value = bool | int | float | str | None


def _valid(value: Any, quality: int) -> bool:
    return value is not None and quality < STALE


class _TypedDefault(TypedParams):
    def _check(self, name: str) -> None:
        value = getattr(self, name)
        if value is not None:
            check_value_type(value, self.value_type, name)


# --- tunable parameter -----------------------------------------------------------------------


class ParameterParams(_TypedDefault):
    """Parameters of a tunable parameter."""

    value: Value = Field(default=0.0, description="Initial value, until an operator changes it.")
    min: float | None = Field(default=None, description="Lowest value an operator may set.")
    max: float | None = Field(default=None, description="Highest value an operator may set.")
    unit: str | None = Field(default=None, description="Engineering unit, for display.")

    @model_validator(mode="after")
    def _consistent(self) -> ParameterParams:
        self._check("value")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if isinstance(self.value, int | float) and not isinstance(self.value, bool):
            # About the value field: the editor shows it there ("must be at most 30 °C").
            unit = f" {symbol(self.unit)}" if self.unit else ""
            if self.min is not None and self.value < self.min:
                raise FieldProblem("value", f"must be at least {self.min:g}{unit}")
            if self.max is not None and self.value > self.max:
                raise FieldProblem("value", f"must be at most {self.max:g}{unit}")
        return self


@dataclass
class ParameterState:
    """The operator's value; it outlives restarts and redeploys."""

    value: Value = None


def set_parameter(params: ParameterParams, state: ParameterState, value: Value) -> None:
    """Set a tunable parameter as an operator would; ``ValueError`` outside its type or limits.

    The engine calls this for an operator's change (and audits it); nothing else writes it.
    """
    check_value_type(value, params.value_type, "value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if params.min is not None and value < params.min:
            raise ValueError(f"{value} is below the minimum {params.min}")
        if params.max is not None and value > params.max:
            raise ValueError(f"{value} is above the maximum {params.max}")
    state.value = value


def _parameter(ctx: BlockContext[ParameterParams, ParameterState], _ins: tuple[()]) -> Value:
    return ctx.state.value


# --- priority arbiter ------------------------------------------------------------------------


class ArbiterParams(_TypedDefault):
    """Parameters of the priority arbiter."""

    levels: int = Field(default=16, ge=2, le=16, description="Number of priority inputs in1..inN.")
    fallback: Value = Field(default=None, description="Output when no input is valid.")

    @model_validator(mode="after")
    def _fallback_fits(self) -> ArbiterParams:
        self._check("fallback")
        return self


FALLBACK_LEVEL = 17


def _arbiter(
    ctx: BlockContext[ArbiterParams, None], ins: tuple[Any, ...], qs: tuple[int, ...]
) -> tuple[tuple[Any, int], int]:
    for level, (value, quality) in enumerate(zip(ins, qs, strict=True), start=1):
        if _valid(value, quality):
            return (value, level), quality
    fallback = ctx.params.fallback
    return (fallback, FALLBACK_LEVEL), OK if fallback is not None else STALE


# --- timed override (hand / off / auto) ------------------------------------------------------


class Mode(IntEnum):
    """Override modes, numbered as the ``mode`` output shows them."""

    AUTO = 1
    HAND = 2
    OFF = 3


class ModeName(StrEnum):
    """Override modes by name, for the engine's override command."""

    AUTO = "auto"
    HAND = "hand"
    OFF = "off"


class OverrideParams(_TypedDefault):
    """Parameters of the timed override."""

    hand_value: Value = Field(default=None, description="Output in hand when no value is given.")
    off_value: Value = Field(default=None, description="Output in off (e.g. 0 or false).")
    duration_s: Annotated[float, in_unit("s")] = Field(
        default=3600.0,
        ge=0,
        description="How long an override lasts before auto returns; 0: until released.",
    )

    @model_validator(mode="after")
    def _values_fit(self) -> OverrideParams:
        self._check("hand_value")
        self._check("off_value")
        return self


@dataclass
class OverrideState:
    """The override in force; persisted, an operator's override outlives a restart."""

    mode: int = Mode.AUTO
    value: Value = None
    expires_at: float | None = None
    """Logical time (tick.now) the override ends; None: until released."""
    previous_hand: bool = False
    previous_off: bool = False


def apply_override(
    params: OverrideParams,
    state: OverrideState,
    mode: ModeName,
    now: float,
    *,
    value: Value = None,
    duration_s: float | None = None,
) -> None:
    """Put an override in force, as an operator's command does (the engine audits it)."""
    if mode is ModeName.AUTO:
        state.mode, state.value, state.expires_at = Mode.AUTO, None, None
        return
    if mode is ModeName.HAND:
        chosen = params.hand_value if value is None else value
        if chosen is None:
            raise ValueError("hand needs a value (none given and no hand_value parameter)")
    else:
        chosen = params.off_value
    check_value_type(chosen, params.value_type, "override value")
    duration = params.duration_s if duration_s is None else duration_s
    state.mode = Mode.HAND if mode is ModeName.HAND else Mode.OFF
    state.value = chosen
    state.expires_at = now + duration if duration > 0 else None


def _override(
    ctx: BlockContext[OverrideParams, OverrideState],
    ins: tuple[Any, bool, bool],
    qs: tuple[int, int, int],
) -> tuple[tuple[Any, int], int]:
    state, now = ctx.state, ctx.tick.now
    auto, hand, off = ins[0], bool(ins[1]), bool(ins[2])
    # switch inputs act on their edges, so a released switch hands back to auto
    if off and not state.previous_off:
        apply_override(ctx.params, state, ModeName.OFF, now)
    elif hand and not state.previous_hand:
        apply_override(ctx.params, state, ModeName.HAND, now)
    elif (state.previous_off and not off and state.mode == Mode.OFF) or (
        state.previous_hand and not hand and state.mode == Mode.HAND
    ):
        apply_override(ctx.params, state, ModeName.AUTO, now)
    state.previous_hand, state.previous_off = hand, off
    if state.expires_at is not None and now >= state.expires_at:
        apply_override(ctx.params, state, ModeName.AUTO, now)
    if state.mode == Mode.AUTO:
        return (auto, Mode.AUTO), qs[0]
    return (state.value, state.mode), OVERRIDDEN


# --- fallback and is-valid -------------------------------------------------------------------


class FallbackPolicy(StrEnum):
    """What replaces an invalid input."""

    DEFAULT = "default"
    LAST_GOOD = "last-good"


class FallbackParams(_TypedDefault):
    """Parameters of fallback."""

    default: Value = Field(default=None, description="The replacement for an invalid input.")
    policy: FallbackPolicy = Field(
        default=FallbackPolicy.DEFAULT,
        description="Replace with the default, or with the last good value (default before one).",
    )

    @model_validator(mode="after")
    def _default_fits(self) -> FallbackParams:
        self._check("default")
        return self


@dataclass
class LastGood:
    """The last valid input."""

    value: Value = None


def _fallback(
    ctx: BlockContext[FallbackParams, LastGood], ins: tuple[Any], qs: tuple[int]
) -> tuple[tuple[Any, bool], int]:
    if _valid(ins[0], qs[0]):
        ctx.state.value = ins[0]
        return (ins[0], False), qs[0]
    replacement = ctx.params.default
    if ctx.params.policy is FallbackPolicy.LAST_GOOD and ctx.state.value is not None:
        replacement = ctx.state.value
    # a substitute chosen by the engineer is a value the logic may trust
    return (replacement, True), OK if replacement is not None else STALE


def _is_valid(_ctx: BlockContext[Any, None], ins: tuple[Any], qs: tuple[int]) -> tuple[bool, int]:
    return _valid(ins[0], qs[0]), OK


_T_IN = port("in", type_param="valueType")
_T_OUT = port("out", type_param="valueType")

COMMAND_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="io.parameter", title="Tunable parameter", category="io",
        doc="An operator-adjustable value (setpoint, limit) within limits; persisted and audited.",
        inputs=(), outputs=(_T_OUT,), params=ParameterParams, evaluate=_parameter,
        init_state=lambda p: ParameterState(p.value), state_type=ParameterState,
        state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="io.priority-arbiter", title="Priority arbiter", category="io",
        doc="The highest-priority valid input (in1 first), else the fallback; active is its level.",
        inputs=(port("in", type_param="valueType", repeat="levels", required=False),),
        outputs=(_T_OUT, port("active", INTEGER, doc="Level in force; 17 = fallback.")),
        params=ArbiterParams, evaluate=_arbiter, quality_aware=True,
    ),
    BlockType(
        type="io.override", title="Timed override (HOA)", category="io",
        doc="Hand / off / auto with expiry; an overridden output has quality 'overridden'.",
        inputs=(
            _T_IN,
            port("hand", BOOL, required=False, default=False, doc="Rising edge: hand; falling: auto."),
            port("off", BOOL, required=False, default=False, doc="Rising edge: off; falling: auto."),
        ),
        outputs=(_T_OUT, port("mode", INTEGER, doc="1 auto, 2 hand, 3 off.")),
        params=OverrideParams, evaluate=_override, quality_aware=True,
        init_state=lambda _p: OverrideState(), state_type=OverrideState,
        state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="io.fallback", title="Fallback", category="io",
        doc="Replaces an invalid input with a default or the last good value.",
        inputs=(_T_IN,), outputs=(_T_OUT, port("substituted", BOOL)),
        params=FallbackParams, evaluate=_fallback, quality_aware=True,
        init_state=lambda _p: LastGood(), state_type=LastGood, state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="io.is-valid", title="Is valid", category="io",
        doc="True when the input has a value of quality ok or overridden.",
        inputs=(_T_IN,), outputs=(port("out", BOOL),), params=TypedParams,
        evaluate=_is_valid, quality_aware=True,
    ),
)  # fmt: skip
