"""Boolean logic, edges, comparison and selection."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, NoParams, Params
from supervisor_engine.blocks._params import TypedParams, check_value_type
from supervisor_engine.blocks._ports import BOOL, INTEGER, NUMBER, port
from supervisor_engine.quality import OK, STALE


class OnInvalid(StrEnum):
    """What a gate does with an input that has no valid value."""

    PROPAGATE = "propagate"
    """The output is not valid either (worst input quality)."""
    FALSE = "false"
    """The input counts as false and the output stays ok."""


class GateParams(Params):
    """Parameters of and / or / xor."""

    inputs: int = Field(default=2, ge=2, le=16, description="Number of inputs.")
    on_invalid: OnInvalid = Field(
        default=OnInvalid.PROPAGATE,
        description="An invalid input: propagate, or count it as false.",
    )


def _gate(combine: Callable[[list[bool]], bool]) -> Callable[..., tuple[bool | None, int]]:
    def evaluate(
        ctx: BlockContext[GateParams, None], ins: tuple[bool | None, ...], qs: tuple[int, ...]
    ) -> tuple[bool | None, int]:
        if ctx.params.on_invalid is OnInvalid.FALSE:
            return combine([v is True and q < STALE for v, q in zip(ins, qs, strict=True)]), OK
        if None in ins:
            return None, max(*qs, STALE)
        return combine([bool(v) for v in ins]), max(qs)

    return evaluate


def _not(_ctx: BlockContext[Any, Any], ins: tuple[bool]) -> bool:
    return not ins[0]


class EdgeKind(StrEnum):
    """Which transition an edge detects."""

    RISING = "rising"
    FALLING = "falling"
    CHANGE = "change"


class EdgeParams(Params):
    """Parameters of edge."""

    kind: EdgeKind = Field(default=EdgeKind.RISING, description="Which transition to detect.")


@dataclass
class PreviousInput:
    """The input on the previous tick (false before the first, as in CDL)."""

    previous: bool = False


def _edge(ctx: BlockContext[EdgeParams, PreviousInput], ins: tuple[bool]) -> bool:
    now, before = bool(ins[0]), ctx.state.previous
    ctx.state.previous = now
    kind = ctx.params.kind
    if kind is EdgeKind.RISING:
        return now and not before
    if kind is EdgeKind.FALLING:
        return before and not now
    return now != before


@dataclass
class ToggleState:
    """The input on the previous tick and the current output."""

    previous: bool = False
    out: bool = False


def _toggle(ctx: BlockContext[NoParams, ToggleState], ins: tuple[bool]) -> bool:
    state = ctx.state
    now = bool(ins[0])
    if now and not state.previous:
        state.out = not state.out
    state.previous = now
    return state.out


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


class BetweenParams(Params):
    """Parameters of between."""

    low: float = Field(description="Lower limit.")
    high: float = Field(description="Upper limit.")
    inclusive: bool = Field(default=True, description="Whether the limits themselves are inside.")

    @model_validator(mode="after")
    def _ordered(self) -> BetweenParams:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


def _between(ctx: BlockContext[BetweenParams, None], ins: tuple[float]) -> bool:
    p, u = ctx.params, ins[0]
    return p.low <= u <= p.high if p.inclusive else p.low < u < p.high


def _switch(
    _ctx: BlockContext[Any, Any], ins: tuple[bool | None, Any, Any], qs: tuple[int, int, int]
) -> tuple[Any, int]:
    # Only the selected input's quality matters: a faulted standby value must
    # not spoil a healthy selected one.
    if ins[0] is None:
        return None, max(qs[0], STALE)
    chosen = 1 if ins[0] else 2
    return ins[chosen], max(qs[0], qs[chosen])


class MuxParams(TypedParams):
    """Parameters of multiplexer."""

    inputs: int = Field(default=2, ge=2, le=16, description="Number of inputs.")
    default: bool | int | float | str | None = Field(
        default=None, description="Output when the selector is outside 1..inputs."
    )

    @model_validator(mode="after")
    def _default_fits_type(self) -> MuxParams:
        if self.default is not None:
            check_value_type(self.default, self.value_type, "default")
        return self


def _mux(
    ctx: BlockContext[MuxParams, None], ins: tuple[Any, ...], qs: tuple[int, ...]
) -> tuple[Any, int]:
    selector = ins[0]
    if selector is None:
        return None, max(qs[0], STALE)
    if 1 <= selector <= ctx.params.inputs:
        return ins[selector], max(qs[0], qs[selector])
    return ctx.params.default, qs[0] if ctx.params.default is not None else max(qs[0], STALE)


class AggregateParams(Params):
    """Parameters of min / max / average / median."""

    inputs: int = Field(default=2, ge=2, le=16, description="Number of inputs.")
    min_valid: int = Field(
        default=1, ge=1, le=16, description="Fewest valid inputs for the output to be valid."
    )

    @model_validator(mode="after")
    def _min_valid_fits(self) -> AggregateParams:
        if self.min_valid > self.inputs:
            raise ValueError(f"min_valid {self.min_valid} is more than the {self.inputs} inputs")
        return self


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _aggregate(
    reduce: Callable[[list[float]], float],
) -> Callable[..., tuple[tuple[float | None, int], int]]:
    def evaluate(
        ctx: BlockContext[AggregateParams, None], ins: tuple[float | None, ...], qs: tuple[int, ...]
    ) -> tuple[tuple[float | None, int], int]:
        valid = [(v, q) for v, q in zip(ins, qs, strict=True) if v is not None and q < STALE]
        if not valid:
            return (None, 0), max(*qs, STALE)
        value = reduce([v for v, _q in valid])
        if len(valid) < ctx.params.min_valid:
            # too few sensors to trust: the figure is shown, but not ok
            return (value, len(valid)), max(*qs, STALE)
        return (value, len(valid)), max(q for _v, q in valid)

    return evaluate


_B = port("in", BOOL, repeat="inputs")
_Q = (port("out", BOOL),)
_AGG_OUT = (
    port("out", NUMBER, doc="The aggregate of the valid inputs."),
    port("valid", INTEGER, doc="How many inputs were valid."),
)
_AGG_IN = (port("in", NUMBER, repeat="inputs", required=False),)


def _gate_row(
    name: str, title: str, doc: str, combine: Callable[[list[bool]], bool]
) -> BlockType[Any]:
    return BlockType(
        type=f"logic.{name}", title=title, category="logic", doc=doc,
        inputs=(_B,), outputs=_Q, params=GateParams, evaluate=_gate(combine), quality_aware=True,
    )  # fmt: skip


def _aggregate_row(
    name: str, title: str, doc: str, reduce: Callable[[list[float]], float]
) -> BlockType[Any]:
    return BlockType(
        type=f"select.{name}", title=title, category="select", doc=doc,
        inputs=_AGG_IN, outputs=_AGG_OUT, params=AggregateParams,
        evaluate=_aggregate(reduce), quality_aware=True,
    )  # fmt: skip


LOGIC_BLOCKS: tuple[BlockType[Any], ...] = (
    _gate_row("and", "And", "True when every input is true.", all),
    _gate_row("or", "Or", "True when any input is true.", any),
    _gate_row("xor", "Xor", "True when an odd number of inputs are true.", lambda v: sum(v) % 2 == 1),
    BlockType(
        type="logic.not", title="Not", category="logic", doc="The inverse of the input.",
        inputs=(port("in", BOOL),), outputs=_Q, params=NoParams, evaluate=_not,
    ),
    BlockType(
        type="logic.edge", title="Edge", category="logic",
        doc="True for exactly one tick when the input rises, falls or changes.",
        inputs=(port("in", BOOL),), outputs=_Q, params=EdgeParams, evaluate=_edge,
        init_state=lambda _p: PreviousInput(), state_type=PreviousInput,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="logic.toggle", title="Toggle", category="logic",
        doc="The output flips on each rising edge of the input.",
        inputs=(port("in", BOOL),), outputs=_Q, params=NoParams, evaluate=_toggle,
        init_state=lambda _p: ToggleState(), state_type=ToggleState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="logic.compare", title="Compare", category="logic",
        doc="a compared with b (>, >=, <, <=, ==, != with a tolerance).",
        inputs=(port("a", NUMBER), port("b", NUMBER)), outputs=_Q, params=CompareParams,
        evaluate=_compare,
    ),
    BlockType(
        type="logic.between", title="Between", category="logic",
        doc="True when low <= in <= high (or strictly inside).",
        inputs=(port("in", NUMBER),), outputs=_Q, params=BetweenParams, evaluate=_between,
    ),
    BlockType(
        type="logic.switch", title="Switch", category="select",
        doc="Selects on_true when select is true, else on_false.",
        inputs=(
            port("select", BOOL, doc="Which input to pass."),
            port("on_true", type_param="valueType", doc="Passed when select is true."),
            port("on_false", type_param="valueType", doc="Passed when select is false."),
        ),
        outputs=(port("out", type_param="valueType"),), params=TypedParams,
        evaluate=_switch, quality_aware=True,
    ),
    BlockType(
        type="select.multiplexer", title="Multiplexer", category="select",
        doc="An integer selector 1..N picks one of N inputs; the default otherwise.",
        inputs=(
            port("select", INTEGER, doc="Which input, 1..N."),
            port("in", type_param="valueType", repeat="inputs", required=False),
        ),
        outputs=(port("out", type_param="valueType"),), params=MuxParams,
        evaluate=_mux, quality_aware=True,
    ),
    _aggregate_row("min", "Minimum", "Lowest of the valid inputs.", min),
    _aggregate_row("max", "Maximum", "Highest of the valid inputs.", max),
    _aggregate_row("average", "Average", "Mean of the valid inputs.", lambda v: sum(v) / len(v)),
    _aggregate_row("median", "Median", "Median of the valid inputs.", _median),
)  # fmt: skip
