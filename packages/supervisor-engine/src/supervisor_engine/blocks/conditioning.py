"""Signal conditioning: blocks that shape a signal over time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType
from supervisor_engine.blocks._params import TypedParams, check_value_type
from supervisor_engine.blocks._ports import port
from supervisor_engine.quality import OK, STALE


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


CONDITIONING_BLOCKS: tuple[BlockType[Any], ...] = (
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
