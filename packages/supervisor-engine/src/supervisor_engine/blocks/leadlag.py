"""Lead/lag: which of n identical units run, equalising wear, failing over on lost proof.

Runtime and starts are counted inside the block (dt per tick a unit is
commanded on) and persisted with the failure latches, so the rotation and
the alarms survive restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from bms_schemas import StateClass
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._ports import BOOL, INTEGER, port
from supervisor_engine.blocks._timing import invalid, reached, usable
from supervisor_engine.quality import OK
from supervisor_engine.units import in_unit


class Rotation(StrEnum):
    """How the next unit to start is chosen."""

    RUNTIME = "runtime"
    """Least accumulated runtime starts first; most runtime stops first."""
    STARTS = "starts"
    """Fewest starts starts first; most starts stops first."""
    FIXED = "fixed"
    """Unit 1 leads, then 2, ...; stops in reverse."""


class LeadLagParams(Params):
    """Parameters of lead/lag."""

    units: int = Field(default=2, ge=2, le=8, description="Number of units.")
    rotation: Rotation = Field(
        default=Rotation.RUNTIME, description="'runtime', 'starts' or 'fixed' order."
    )
    max_runtime_h: Annotated[float, in_unit("h")] = Field(
        default=0.0,
        ge=0,
        le=8760,
        description="A unit that has run this long without a stop hands over to a rested "
        "standby; 0 = never.",
    )
    proof_delay_s: Annotated[float, in_unit("s")] = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="A unit commanded on without proof for this long has failed.",
    )


@dataclass
class LeadLagState:
    """Per unit: commanded, since when, wear counters, failure latch and proof deadline."""

    on: list[bool] = field(default_factory=list)
    on_since: list[float | None] = field(default_factory=list)
    run_s: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    failed: list[bool] = field(default_factory=list)
    proof_due: list[float | None] = field(default_factory=list)


def _init(p: LeadLagParams) -> LeadLagState:
    n = p.units
    return LeadLagState([False] * n, [None] * n, [0.0] * n, [0] * n, [False] * n, [None] * n)


def _wear(p: LeadLagParams, s: LeadLagState, k: int) -> tuple[float, int]:
    if p.rotation is Rotation.RUNTIME:
        return s.run_s[k], k
    if p.rotation is Rotation.STARTS:
        return float(s.starts[k]), k
    return 0.0, k


def _start(ctx: BlockContext[LeadLagParams, LeadLagState], k: int) -> None:
    s, now = ctx.state, ctx.tick.now
    s.on[k], s.on_since[k] = True, now
    s.starts[k] += 1
    s.proof_due[k] = now + ctx.params.proof_delay_s


def _stop(s: LeadLagState, k: int) -> None:
    s.on[k], s.on_since[k], s.proof_due[k] = False, None, None


def _lead_lag(
    ctx: BlockContext[LeadLagParams, LeadLagState], ins: tuple[Any, ...], qs: tuple[int, ...]
) -> tuple[tuple[Any, ...], int]:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    n = p.units
    if len(s.on) != n:  # restored state of a different unit count
        ctx.state = s = _init(p)
    required, reset, proofs, proof_qs = ins[0], ins[1], ins[2:], qs[2:]
    for k in range(n):
        if s.on[k]:
            s.run_s[k] += ctx.tick.dt  # the tick stands for the interval just ended
    if reset is True:
        s.failed = [False] * n
    for k in range(n):
        proof, q = proofs[k], proof_qs[k]
        if proof is None and q == OK:
            continue  # unwired: no proof to check
        if not usable(proof, q):
            continue  # unreadable: no verdict, the deadline stands
        if not s.on[k] or proof:
            s.proof_due[k] = None
        else:
            if s.proof_due[k] is None:
                s.proof_due[k] = now + p.proof_delay_s
            if reached(now, s.proof_due[k]):
                s.failed[k] = True  # latched until reset; its standby takes over below
                _stop(s, k)
    q = qs[0]
    if usable(required, qs[0]):
        want = max(0, min(n, int(required)))
    else:
        want, q = sum(s.on), invalid(qs[0])  # hold what runs
    max_s = p.max_runtime_h * 3600.0
    if max_s > 0:
        for k in range(n):
            since = s.on_since[k]
            if s.on[k] and since is not None and reached(now, since + max_s):
                standby = [j for j in range(n) if not s.on[j] and not s.failed[j]]
                if standby:
                    _stop(s, k)
                    _start(ctx, min(standby, key=lambda j: _wear(p, s, j)))
    running = [k for k in range(n) if s.on[k]]
    while len(running) > want:
        k = max(running, key=lambda j: _wear(p, s, j))
        _stop(s, k)
        running.remove(k)
    standby = [k for k in range(n) if not s.on[k] and not s.failed[k]]
    while len(running) < want and standby:
        k = min(standby, key=lambda j: _wear(p, s, j))
        _start(ctx, k)
        standby.remove(k)
        running.append(k)
    lead = min(
        (k for k in range(n) if s.on[k]),
        key=lambda k: (s.on_since[k] or 0.0, k),
        default=-1,
    )
    return (*s.on, any(s.failed), lead + 1), q


LEAD_LAG_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="control.lead-lag", title="Lead/lag", category="control",
        doc="Runs the required number of units, starting the least worn and stopping the most "
        "worn; a unit without proof for proofDelayS fails (alarm) and a standby replaces it.",
        inputs=(
            port("required", INTEGER, doc="How many units should run."),
            port("reset", BOOL, required=False, default=False, doc="True clears failures."),
            port("proof", BOOL, repeat="units", required=False,
                 doc="Unit running (flow, current); unwired = not checked."),
        ),
        outputs=(
            port("cmd", BOOL, repeat="units"),
            port("alarm", BOOL, doc="A unit has failed (until reset)."),
            port("lead", INTEGER, doc="The unit running longest, 1..n; 0 = none."),
        ),
        params=LeadLagParams, evaluate=_lead_lag, quality_aware=True, init_state=_init,
        state_type=LeadLagState, state_class=StateClass.PERSISTED,
    ),
)  # fmt: skip
