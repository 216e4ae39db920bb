"""The evaluator: one tick of one flow, over flat arrays of values and quality ranks.

Per tick: take the input snapshot, run every node in compiled order, then let
unit delays latch their inputs. A node's outputs take the worst quality of its
inputs unless the block handles quality itself. A node that raises is marked
faulted with the error, keeps its last outputs at quality ``fault``, and the
tick goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from pydantic import TypeAdapter, ValidationError

from bms_schemas import PointValue, Quality, StateClass
from supervisor_engine.block import BlockContext, BlockType, Params, PointWrite, Role, TickInfo
from supervisor_engine.quality import FAULT, OK, STALE, quality_of

log = logging.getLogger(__name__)

SAVED_STATE = frozenset({StateClass.RETAINED, StateClass.PERSISTED})


@dataclass(frozen=True)
class NodeSlots:
    """A compiled node: its block, parameters and where its ports live."""

    node_id: str
    block: BlockType[Any]
    params: Params
    bound: Any
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    output_names: tuple[str, ...]


@dataclass(frozen=True)
class TickResult:
    """What one tick produced."""

    writes: list[PointWrite]
    """Commands for the I/O layer, in evaluation order."""
    faults: Mapping[str, str]
    """Nodes faulted during this tick, with their error."""


class _Step:
    """A node as the scan loop sees it (slotted, for fast attribute access)."""

    __slots__ = (
        "aware", "ctx", "fn", "get", "i0", "n_in", "n_out", "node", "o0", "outs",
    )  # fmt: skip

    def __init__(self, node: NodeSlots, ctx: BlockContext[Any, Any], fn: Any) -> None:
        self.node = node
        self.ctx = ctx
        self.fn = fn
        self.aware = node.block.quality_aware
        self.n_in = len(node.inputs)
        self.i0 = node.inputs[0] if node.inputs else -1
        self.get: Any = itemgetter(*node.inputs) if self.n_in > 1 else None
        self.n_out = len(node.outputs)
        self.o0 = node.outputs[0] if node.outputs else -1
        self.outs = node.outputs


class FlowEvaluator:
    """Evaluates one compiled flow, tick by tick, keeping its nodes' state."""

    def __init__(
        self,
        flow_id: str,
        nodes: Sequence[NodeSlots],
        slot_names: Sequence[str],
        constants: Mapping[int, Any],
    ) -> None:
        self.flow_id = flow_id
        self.nodes = tuple(nodes)
        self.slot_names = tuple(slot_names)
        # by name: the alarm book reads two outputs of every alarm block on every tick
        self._slot_of = {name: slot for slot, name in enumerate(self.slot_names)}
        self.node_ids = frozenset(node.node_id for node in self.nodes)
        self._tick = TickInfo()
        self._values: list[Any] = [None] * len(slot_names)
        self._ranks: list[int] = [STALE] * len(slot_names)
        for slot, value in constants.items():
            self._values[slot] = value
            self._ranks[slot] = OK
        self._faults: dict[str, str] = {}
        self._steps: list[_Step] = []
        self._latches: list[_Step] = []
        self._slot_step: list[int] = [-1] * len(slot_names)
        """Index of the step whose output each slot is (-1: a constant input)."""
        for index, node in enumerate(self.nodes):
            for slot in node.outputs:
                self._slot_step[slot] = index
            block = node.block
            ctx: BlockContext[Any, Any] = BlockContext(
                node.node_id, node.params, node.bound, block.init_state(node.params), self._tick
            )
            self._steps.append(_Step(node, ctx, block.evaluate))
            if block.latch is not None:
                self._latches.append(_Step(node, ctx, block.latch))

    @property
    def points_read(self) -> set[str]:
        """Points this flow's inputs read."""
        return {n.bound.key for n in self.nodes if n.block.role is Role.POINT_INPUT}

    @property
    def points_written(self) -> dict[str, int]:
        """Points this flow commands, with their priority."""
        return {
            n.bound.key: n.bound.priority for n in self.nodes if n.block.role is Role.POINT_OUTPUT
        }

    def tick(
        self, now: float, wall: datetime, dt: float, snapshot: Mapping[str, PointValue]
    ) -> TickResult:
        """Evaluate every node once at logical time ``now``."""
        info = self._tick
        info.now, info.wall, info.dt, info.snapshot = now, wall, dt, snapshot
        writes: list[PointWrite] = []
        info.writes = writes
        values, ranks, faults = self._values, self._ranks, self._faults
        new_faults: dict[str, str] = {}
        for step in self._steps:
            n = step.n_in
            try:
                if step.aware:
                    if n == 0:
                        out, q = step.fn(step.ctx, (), ())
                    elif n == 1:
                        out, q = step.fn(step.ctx, (values[step.i0],), (ranks[step.i0],))
                    else:
                        out, q = step.fn(step.ctx, step.get(values), step.get(ranks))
                else:
                    if n == 0:
                        ins: tuple[Any, ...] = ()
                        q = OK
                    elif n == 1:
                        ins = (values[step.i0],)
                        q = ranks[step.i0]
                    else:
                        ins = step.get(values)
                        q = max(step.get(ranks))
                    if None in ins:
                        # No value yet upstream (a point never read): nothing to compute.
                        out = None if step.n_out == 1 else (None,) * step.n_out
                        q = q if q > STALE else STALE
                    else:
                        out = step.fn(step.ctx, ins)
            except Exception as err:  # a failing block never stops the scan
                message = f"{type(err).__name__}: {err}"
                new_faults[step.node.node_id] = message
                for o in step.outs:
                    ranks[o] = FAULT
                continue
            if step.n_out == 1:
                values[step.o0] = out
                ranks[step.o0] = q
            elif step.n_out:
                for o, v in zip(step.outs, out, strict=True):
                    values[o] = v
                    ranks[o] = q
        for step in self._latches:
            get = step.get
            if get is None:
                step.fn(step.ctx, (values[step.i0],), (ranks[step.i0],))
            else:
                step.fn(step.ctx, get(values), get(ranks))
        for node_id in new_faults.keys() - faults.keys():
            log.warning("node %s faulted: %s", node_id, new_faults[node_id])
        self._faults = new_faults
        info.first = False
        return TickResult(writes=writes, faults=new_faults)

    def outputs(self) -> dict[str, dict[str, tuple[Any, Quality]]]:
        """Every node's output values and qualities, for live monitoring."""
        return {
            step.node.node_id: {
                name: (self._values[slot], quality_of(self._ranks[slot]))
                for name, slot in zip(step.node.output_names, step.outs, strict=True)
            }
            for step in self._steps
        }

    def output_changes(
        self, since: tuple[list[Any], list[int]] | None
    ) -> tuple[dict[str, dict[str, tuple[Any, Quality]]], tuple[list[Any], list[int]]]:
        """The outputs of the nodes that changed since ``since``, and what to pass next time.

        ``since`` is what the previous call returned (None: every node). A node is in the
        answer with all its ports when any of its outputs changed value, type or quality, so
        a live view can merge answers node by node. Comparing the flat arrays costs far less
        than building every node's outputs on every tick.
        """
        values, ranks = self._values, self._ranks
        now = (list(values), list(ranks))
        if since is None:
            return self.outputs(), now
        old_values, old_ranks = since
        owner = self._slot_step
        steps = {
            owner[slot]
            for slot, (a, b, ra, rb) in enumerate(
                zip(old_values, values, old_ranks, ranks, strict=True)
            )
            if ra != rb or (a is not b and (a != b or type(a) is not type(b)))
        }
        steps.discard(-1)
        changed: dict[str, dict[str, tuple[Any, Quality]]] = {}
        for index in sorted(steps):
            step = self._steps[index]
            changed[step.node.node_id] = {
                name: (values[slot], quality_of(ranks[slot]))
                for name, slot in zip(step.node.output_names, step.outs, strict=True)
            }
        return changed, now

    def output(self, node_id: str, port: str) -> tuple[Any, Quality]:
        """One output's value and quality.

        Raises:
            ValueError: If the flow has no such node or port.
        """
        slot = self._slot_of.get(f"{node_id}.{port}")
        if slot is None:  # as list.index said it, which callers rely on
            raise ValueError(f"{node_id}.{port} is not an output of flow {self.flow_id!r}")
        return self._values[slot], quality_of(self._ranks[slot])

    def context(self, node_id: str) -> BlockContext[Any, Any]:
        """The context (parameters, state) of one node, for inspection."""
        return next(s.ctx for s in self._steps if s.node.node_id == node_id)

    @property
    def faults(self) -> Mapping[str, str]:
        """Nodes faulted on the last tick, with their error."""
        return self._faults

    def export_state(self, classes: frozenset[StateClass] = SAVED_STATE) -> dict[str, Any]:
        """JSON-able state of every node whose state class is in ``classes``."""
        saved: dict[str, Any] = {}
        for step in self._steps:
            block = step.node.block
            state = step.ctx.state
            if block.state_class in classes and is_dataclass(state) and not isinstance(state, type):
                # block state is plain data by contract (numbers, strings, lists): asdict
                # copies it, so the snapshot is the state at this tick boundary
                saved[step.node.node_id] = {
                    "type": block.type,
                    "version": block.version,
                    "state": asdict(state),
                }
        return saved

    def import_state(self, saved: Mapping[str, Any]) -> list[str]:
        """Restore saved state into nodes that kept their id, type and version.

        Returns the ids of the nodes restored. State that no longer fits its
        block is dropped with a warning: the node starts fresh.
        """
        restored: list[str] = []
        for step in self._steps:
            node, entry = step.node, saved.get(step.node.node_id)
            block = node.block
            if (
                not isinstance(entry, Mapping)
                or block.state_type is None
                or entry.get("type") != block.type
                or entry.get("version") != block.version
            ):
                continue
            try:
                state = entry["state"]
                expected = {f.name for f in fields(block.state_type)}
                if not isinstance(state, Mapping) or set(state) != expected:
                    raise TypeError(f"saved fields {sorted(state)} are not {sorted(expected)}")
                step.ctx.state = TypeAdapter(block.state_type).validate_python(state)
            except (ValidationError, KeyError, TypeError) as err:
                log.warning("state of node %s dropped, it no longer fits: %s", node.node_id, err)
                continue
            restored.append(node.node_id)
        return restored
