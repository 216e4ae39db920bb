"""Latches and counters: SR/RS latches, up/down counter, runtime counter.

An input without a value (None) counts as no event here: a latch or a count
holds, and its outputs say so with a not-ok quality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, model_validator

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, NoParams, Params
from supervisor_engine.blocks._ports import BOOL, INTEGER, NUMBER, port
from supervisor_engine.blocks._timing import invalid


def _quality(ins: tuple[Any, ...], qs: tuple[int, ...]) -> int:
    """Worst quality of the inputs, at least stale when one has no value."""
    q = max(qs)
    return invalid(q) if None in ins else q


@dataclass
class LatchState:
    """The latched output."""

    out: bool = False


def _latch(
    ctx: BlockContext[NoParams, LatchState],
    ins: tuple[bool | None, bool | None],
    qs: tuple[int, int],
    *,
    set_wins: bool,
) -> tuple[bool, int]:
    set_, reset = bool(ins[0]), bool(ins[1])
    s = ctx.state
    if set_ and reset:
        s.out = set_wins
    elif set_:
        s.out = True
    elif reset:
        s.out = False
    return s.out, _quality(ins, qs)


def _sr(
    ctx: BlockContext[NoParams, LatchState],
    ins: tuple[bool | None, bool | None],
    qs: tuple[int, int],
) -> tuple[bool, int]:
    return _latch(ctx, ins, qs, set_wins=True)


def _rs(
    ctx: BlockContext[NoParams, LatchState],
    ins: tuple[bool | None, bool | None],
    qs: tuple[int, int],
) -> tuple[bool, int]:
    return _latch(ctx, ins, qs, set_wins=False)


class CounterParams(Params):
    """Parameters of up/down counter."""

    preset: int = Field(default=0, description="The count at start and while reset is true.")
    min_count: int | None = Field(default=None, description="The count never goes below this.")
    max_count: int | None = Field(default=None, description="The count never goes above this.")

    @model_validator(mode="after")
    def _bounds(self) -> CounterParams:
        lo = self.min_count if self.min_count is not None else self.preset
        hi = self.max_count if self.max_count is not None else self.preset
        if not lo <= self.preset <= hi:
            raise ValueError(
                f"preset {self.preset} must lie within minCount..maxCount "
                f"({self.min_count}..{self.max_count})"
            )
        return self


@dataclass
class CounterState:
    """The count and the inputs seen last tick (for edges)."""

    count: int = 0
    prev_up: bool = False
    prev_down: bool = False


def _counter(
    ctx: BlockContext[CounterParams, CounterState],
    ins: tuple[bool | None, bool | None, bool | None],
    qs: tuple[int, int, int],
) -> tuple[int, int]:
    up, down, reset = ins
    p, s = ctx.params, ctx.state
    if up is not None:
        if up and not s.prev_up:
            s.count += 1
        s.prev_up = up
    if down is not None:
        if down and not s.prev_down:
            s.count -= 1
        s.prev_down = down
    if reset:
        s.count = p.preset
    if p.min_count is not None:
        s.count = max(s.count, p.min_count)
    if p.max_count is not None:
        s.count = min(s.count, p.max_count)
    return s.count, _quality(ins, qs)


@dataclass
class RuntimeState:
    """Accumulated on-time, starts, and the run input seen last tick."""

    run_s: float = 0.0
    starts: int = 0
    prev: bool = False


def _runtime(
    ctx: BlockContext[NoParams, RuntimeState],
    ins: tuple[bool | None, bool | None],
    qs: tuple[int, int],
) -> tuple[tuple[float, int], int]:
    run, reset = ins
    s = ctx.state
    if reset:
        s.run_s, s.starts = 0.0, 0
        s.prev = bool(run)
    elif run is not None:
        # The tick's snapshot stands for the interval just ended: dt of running.
        if run:
            s.run_s += ctx.tick.dt
            if not s.prev:
                s.starts += 1
        s.prev = run
    return (s.run_s / 3600.0, s.starts), _quality(ins, qs)


_SET_RESET = (
    port("set", BOOL, doc="True sets the output."),
    port("reset", BOOL, doc="True resets the output."),
)
_LATCH_OUT = (port("out", BOOL),)

COUNTER_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="timer.sr-latch", title="SR latch (set wins)", category="timer",
        doc="set latches true, reset latches false; set wins when both are true.",
        inputs=_SET_RESET, outputs=_LATCH_OUT, params=NoParams, evaluate=_sr,
        quality_aware=True, init_state=lambda _p: LatchState(), state_type=LatchState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="timer.rs-latch", title="RS latch (reset wins)", category="timer",
        doc="set latches true, reset latches false; reset wins when both are true.",
        inputs=_SET_RESET, outputs=_LATCH_OUT, params=NoParams, evaluate=_rs,
        quality_aware=True, init_state=lambda _p: LatchState(), state_type=LatchState,
        state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="timer.counter", title="Up/down counter", category="timer",
        doc="+1 on each rising edge of up, -1 on each of down, preset while reset; clamped.",
        inputs=(
            port("up", BOOL),
            port("down", BOOL, required=False, default=False),
            port("reset", BOOL, required=False, default=False),
        ),
        outputs=(port("count", INTEGER),), params=CounterParams, evaluate=_counter,
        quality_aware=True, init_state=lambda p: CounterState(count=p.preset),
        state_type=CounterState, state_class=StateClass.RETAINED,
    ),
    BlockType(
        type="timer.runtime", title="Runtime counter", category="timer",
        doc="Hours the input was true (dt per true tick) and its starts; survives restarts.",
        inputs=(port("run", BOOL), port("reset", BOOL, required=False, default=False)),
        outputs=(port("hours", NUMBER), port("starts", INTEGER)), params=NoParams,
        evaluate=_runtime, quality_aware=True, init_state=lambda _p: RuntimeState(),
        state_type=RuntimeState, state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip
