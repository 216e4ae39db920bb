"""Arithmetic blocks, declared as a table with one implementation each shape."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from pydantic import Field

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, NoParams, Params
from supervisor_engine.blocks._params import CountParams
from supervisor_engine.blocks._ports import NUMBER, port


def _sum(_ctx: BlockContext[Any, Any], ins: tuple[float, ...]) -> float:
    return math.fsum(ins)


def _product(_ctx: BlockContext[Any, Any], ins: tuple[float, ...]) -> float:
    return math.prod(ins)


def _subtract(_ctx: BlockContext[Any, Any], ins: tuple[float, float]) -> float:
    return ins[0] - ins[1]


class DivideByZero(StrEnum):
    """What divide does when the divisor is zero."""

    FAULT = "fault"
    HOLD = "hold"
    ZERO = "zero"


class DivideParams(Params):
    """Parameters of divide."""

    on_zero: DivideByZero = Field(
        default=DivideByZero.FAULT,
        description="Divisor zero: 'fault' the node, 'hold' the last quotient, or output 'zero'.",
    )


class _Quotient:
    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = 0.0


def _divide(ctx: BlockContext[DivideParams, _Quotient], ins: tuple[float, float]) -> float:
    dividend, divisor = ins
    if divisor == 0:
        policy = ctx.params.on_zero
        if policy is DivideByZero.FAULT:
            raise ZeroDivisionError(f"division of {dividend} by zero")
        return ctx.state.last if policy is DivideByZero.HOLD else 0.0
    ctx.state.last = dividend / divisor
    return ctx.state.last


class GainParams(Params):
    """Parameters of gain."""

    k: float = Field(default=1.0, description="Factor.")


class OffsetParams(Params):
    """Parameters of offset."""

    offset: float = Field(default=0.0, description="Added to the input.")


class RoundParams(Params):
    """Parameters of round."""

    step: float = Field(
        default=1.0, gt=0, description="Round to the nearest multiple of this (0.5, 1, 0.1...)."
    )


def _gain(ctx: BlockContext[GainParams, None], ins: tuple[float]) -> float:
    return ctx.params.k * ins[0]


def _offset(ctx: BlockContext[OffsetParams, None], ins: tuple[float]) -> float:
    return ins[0] + ctx.params.offset


def _abs(_ctx: BlockContext[Any, Any], ins: tuple[float]) -> float:
    return abs(ins[0])


def _round(ctx: BlockContext[RoundParams, None], ins: tuple[float]) -> float:
    step = ctx.params.step
    # half away from zero, as engineers round, not Python's banker's rounding
    return math.copysign(math.floor(abs(ins[0]) / step + 0.5) * step, ins[0])


_N = port("in", NUMBER, repeat="inputs", doc="Operand.")
_U = (port("in", NUMBER),)
_OUT = (port("out", NUMBER, doc="Result."),)

MATH_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="math.add", title="Add", category="math", doc="Sum of the inputs.",
        inputs=(_N,), outputs=_OUT, params=CountParams, evaluate=_sum,
    ),
    BlockType(
        type="math.multiply", title="Multiply", category="math", doc="Product of the inputs.",
        inputs=(_N,), outputs=_OUT, params=CountParams, evaluate=_product,
    ),
    BlockType(
        type="math.subtract", title="Subtract", category="math", doc="a - b.",
        inputs=(port("a", NUMBER), port("b", NUMBER)), outputs=_OUT, params=NoParams,
        evaluate=_subtract,
    ),
    BlockType(
        type="math.divide", title="Divide", category="math",
        doc="a / b, with a policy for a zero divisor.",
        inputs=(port("a", NUMBER, doc="Dividend."), port("b", NUMBER, doc="Divisor.")),
        outputs=_OUT, params=DivideParams, evaluate=_divide,
        init_state=lambda _p: _Quotient(), state_class=StateClass.VOLATILE,
    ),
    BlockType(
        type="math.gain", title="Gain", category="math", doc="in * k.",
        inputs=_U, outputs=_OUT, params=GainParams, evaluate=_gain,
    ),
    BlockType(
        type="math.offset", title="Offset", category="math", doc="in + offset.",
        inputs=_U, outputs=_OUT, params=OffsetParams, evaluate=_offset,
    ),
    BlockType(
        type="math.abs", title="Absolute value", category="math", doc="|in|.",
        inputs=_U, outputs=_OUT, params=NoParams, evaluate=_abs,
    ),
    BlockType(
        type="math.round", title="Round", category="math",
        doc="in rounded to the nearest multiple of step, halves away from zero.",
        inputs=_U, outputs=_OUT, params=RoundParams, evaluate=_round,
    ),
)  # fmt: skip
