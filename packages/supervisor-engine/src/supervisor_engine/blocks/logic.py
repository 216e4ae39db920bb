"""Boolean logic, comparison and selection."""

from __future__ import annotations

import operator
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from pydantic import Field

from supervisor_engine.block import BlockContext, BlockType, NoParams, Params
from supervisor_engine.blocks._params import CountParams, TypedParams
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.quality import STALE


def _and(_ctx: BlockContext[Any, Any], ins: tuple[bool, ...]) -> bool:
    return all(ins)


def _or(_ctx: BlockContext[Any, Any], ins: tuple[bool, ...]) -> bool:
    return any(ins)


def _not(_ctx: BlockContext[Any, Any], ins: tuple[bool]) -> bool:
    return not ins[0]


class CompareOp(StrEnum):
    """A comparison."""

    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    EQ = "=="
    NE = "!="


_OPS: dict[CompareOp, Callable[[float, float], bool]] = {
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
}


class CompareParams(Params):
    """Parameters of compare."""

    op: CompareOp = Field(default=CompareOp.GT, description="How a is compared with b.")
    tolerance: float = Field(
        default=0.0, ge=0, description="'==' and '!=' treat values this close as equal."
    )


def _compare(ctx: BlockContext[CompareParams, None], ins: tuple[float, float]) -> bool:
    a, b = ins
    op = ctx.params.op
    if op is CompareOp.EQ:
        return abs(a - b) <= ctx.params.tolerance
    if op is CompareOp.NE:
        return abs(a - b) > ctx.params.tolerance
    return _OPS[op](a, b)


def _switch(
    _ctx: BlockContext[Any, Any], ins: tuple[bool | None, Any, Any], qs: tuple[int, int, int]
) -> tuple[Any, int]:
    # Only the selected input's quality matters: a faulted standby value must
    # not spoil a healthy selected one.
    if ins[0] is None:
        return None, max(qs[0], STALE)
    chosen = 1 if ins[0] else 2
    return ins[chosen], max(qs[0], qs[chosen])


_B = port("in", BOOL, repeat="inputs")
_Q = (port("out", BOOL),)

LOGIC_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="logic.and", title="And", category="logic", doc="True when every input is true.",
        inputs=(_B,), outputs=_Q, params=CountParams, evaluate=_and,
    ),
    BlockType(
        type="logic.or", title="Or", category="logic", doc="True when any input is true.",
        inputs=(_B,), outputs=_Q, params=CountParams, evaluate=_or,
    ),
    BlockType(
        type="logic.not", title="Not", category="logic", doc="The inverse of the input.",
        inputs=(port("in", BOOL),), outputs=_Q, params=NoParams, evaluate=_not,
    ),
    BlockType(
        type="logic.compare", title="Compare", category="logic",
        doc="a compared with b (>, >=, <, <=, ==, != with a tolerance).",
        inputs=(port("a", NUMBER), port("b", NUMBER)), outputs=_Q, params=CompareParams,
        evaluate=_compare,
    ),
    BlockType(
        type="logic.switch", title="Switch", category="logic",
        doc="Selects on_true when select is true, else on_false.",
        inputs=(
            port("select", BOOL, doc="Which input to pass."),
            port("on_true", type_param="valueType", doc="Passed when select is true."),
            port("on_false", type_param="valueType", doc="Passed when select is false."),
        ),
        outputs=(port("out", type_param="valueType"),), params=TypedParams,
        evaluate=_switch, quality_aware=True,
    ),
)  # fmt: skip
