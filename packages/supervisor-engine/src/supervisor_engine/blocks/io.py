"""Blocks at the edge of a flow: constants, point inputs and point outputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from bms_schemas import QUALITY_RANK, DegradedPolicy, LimitAction, PointRef, Scalar, StateClass
from supervisor_engine.block import (
    BlockContext,
    BlockEnv,
    BlockType,
    PointWrite,
    Role,
)
from supervisor_engine.blocks._params import TypedParams, TypedValueParams
from supervisor_engine.blocks._ports import BOOL, port
from supervisor_engine.quality import OK, STALE
from supervisor_engine.units import in_unit


class ConstantParams(TypedValueParams):
    """Parameters of constant."""

    value: bool | int | float | str | None = Field(default=0, description="The value.")


def _constant(ctx: BlockContext[ConstantParams, None], _ins: tuple[()]) -> Any:
    return ctx.params.value


class PointInputParams(TypedParams):
    """Parameters of a point input."""

    point: PointRef = Field(description="The point to read.")
    stale_after_s: Annotated[float | None, in_unit("s")] = Field(
        default=None,
        gt=0,
        description="Age after which the value is 'stale'; the bundle default if unset.",
    )


@dataclass(slots=True)
class _InputBinding:
    key: str
    stale_after_s: float


def _bind_input(params: PointInputParams, env: BlockEnv) -> _InputBinding:
    stale = params.stale_after_s if params.stale_after_s is not None else env.defaults.stale_after_s
    return _InputBinding(str(params.point), stale)


def _point_input(
    ctx: BlockContext[PointInputParams, None], _ins: tuple[()], _qs: tuple[()]
) -> tuple[Any, int]:
    binding: _InputBinding = ctx.bound
    sample = ctx.tick.snapshot.get(binding.key)
    if sample is None:
        return None, STALE
    quality = QUALITY_RANK[sample.quality]
    if (
        quality < STALE
        and (ctx.tick.wall - sample.timestamp).total_seconds() > binding.stale_after_s
    ):
        quality = STALE
    return sample.value, quality


class PointOutputParams(TypedParams):
    """Parameters of a point output (a command)."""

    point: PointRef = Field(description="The point to command.")
    priority: int | None = Field(
        default=None,
        ge=1,
        le=16,
        description="BACnet priority to write at; the bundle default if unset.",
    )
    deadband: float = Field(
        default=0.0,
        ge=0,
        description="A number is written again only when it moved more than this.",
    )
    relinquish_on_disable: bool = Field(
        default=True, description="Write null at the priority when enable goes false."
    )
    refresh_s: Annotated[float | None, in_unit("s")] = Field(
        default=None,
        gt=0,
        description="Write the same command again every this many seconds; only on change if unset.",
    )
    min_interval_s: Annotated[float, in_unit("s")] = Field(
        default=0.0,
        ge=0,
        description="Fewest seconds between two writes; a change inside it waits, then the latest is written.",
    )


_NOTHING = object()


@dataclass(slots=True)
class _OutputBinding:
    key: str
    priority: int
    policy: DegradedPolicy
    fallback: Scalar | None
    low: float | None = None
    """Clamp to these limits (the constraint's, when the bundle says 'clamp'); None: no clamp."""
    high: float | None = None


@dataclass
class OutputState:
    """What the output last commanded (``None`` = relinquished)."""

    commanded: Any = None
    has_commanded: bool = False
    written_at: float | None = None
    """Logical time (tick.now) of the last write."""


def _bind_output(params: PointOutputParams, env: BlockEnv) -> _OutputBinding:
    key = str(params.point)
    constraint = env.constraints.get(key)
    clamp = constraint is not None and env.defaults.limit_action is LimitAction.CLAMP
    return _OutputBinding(
        key=key,
        priority=params.priority if params.priority is not None else env.defaults.write_priority,
        policy=constraint.degraded if constraint else env.defaults.degraded,
        fallback=constraint.fallback if constraint else None,
        low=constraint.min if clamp and constraint else None,
        high=constraint.max if clamp and constraint else None,
    )


def _clamped(binding: _OutputBinding, value: Any, reason: str) -> tuple[Any, str]:
    """The value inside the authored limits, and a reason that says when it was moved."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value, reason
    if binding.high is not None and value > binding.high:
        return binding.high, f"clamped to the maximum {binding.high:g} (asked {value:g})"
    if binding.low is not None and value < binding.low:
        return binding.low, f"clamped to the minimum {binding.low:g} (asked {value:g})"
    return value, reason


def _moved(old: Any, new: Any, deadband: float) -> bool:
    if isinstance(new, float | int) and isinstance(old, float | int) and not isinstance(new, bool):
        return abs(new - old) > deadband
    return bool(old != new)


def _point_output(
    ctx: BlockContext[PointOutputParams, OutputState],
    ins: tuple[Any, Any],
    qs: tuple[int, int],
) -> tuple[Any, int]:
    state, params, now = ctx.state, ctx.params, ctx.tick.now
    binding: _OutputBinding = ctx.bound
    value, enable = ins
    target: Any = _NOTHING
    reason = "change"
    if enable is False or (enable is None and qs[1] != OK):
        if params.relinquish_on_disable:
            target, reason = None, "disabled"
    elif qs[0] == OK and value is not None:
        target = value
    elif binding.policy is DegradedPolicy.FALLBACK:
        target, reason = binding.fallback, "degraded-fallback"
    elif binding.policy is DegradedPolicy.RELINQUISH:
        target, reason = None, "degraded-relinquish"
    if target is not _NOTHING and target is not None:
        target, reason = _clamped(binding, target, reason)
    if target is not _NOTHING:
        changed = (
            not state.has_commanded
            or (target is None) != (state.commanded is None)
            or (target is not None and _moved(state.commanded, target, params.deadband))
        )
        since = None if state.written_at is None else now - state.written_at
        if not changed and target is not None and params.refresh_s is not None:
            changed, reason = since is not None and since >= params.refresh_s, "refresh"
        # a change inside the minimum interval waits: the next tick sees it again
        if changed and (since is None or since >= params.min_interval_s):
            state.commanded, state.has_commanded, state.written_at = target, True, now
            ctx.tick.writes.append(
                PointWrite(binding.key, target, binding.priority, ctx.node_id, reason)
            )
    return state.commanded, max(qs[0], OK if state.has_commanded else STALE)


IO_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="io.constant", title="Constant", category="io", doc="A fixed value.",
        inputs=(), outputs=(port("value", type_param="valueType"),),
        params=ConstantParams, evaluate=_constant,
    ),
    BlockType(
        type="io.point-input", title="Point input", category="io",
        doc="The latest value of a point, 'stale' when older than stale-after.",
        inputs=(), outputs=(port("value", type_param="valueType"),),
        params=PointInputParams, evaluate=_point_input, quality_aware=True,
        bind=_bind_input, role=Role.POINT_INPUT,
    ),
    BlockType(
        type="io.point-output", title="Point output", category="io",
        doc="Commands a point at a priority when the value changes; relinquishes when disabled.",
        inputs=(
            port("value", type_param="valueType", doc="The value to command."),
            port("enable", BOOL, required=False, default=True, doc="False relinquishes."),
        ),
        outputs=(port("command", type_param="valueType", doc="The value being commanded."),),
        params=PointOutputParams, evaluate=_point_output, quality_aware=True,
        bind=_bind_output, init_state=lambda _p: OutputState(), state_type=OutputState,
        state_class=StateClass.RETAINED,
        role=Role.POINT_OUTPUT,
    ),
)  # fmt: skip
