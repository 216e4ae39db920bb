"""Alarm records: the engine's alarm blocks turned into records operators can act on.

The blocks (``alarm.limit``, ``alarm.bool``) own the condition, the delays and
the acknowledgement bit; their state is persisted with the rest of the block
state. After each tick the :class:`AlarmBook` reads each alarm block's
``active`` and ``unacked`` outputs and moves that block's open record along::

    (active, unacked)   record state
    (True,  True)       active-unacked
    (True,  False)      active-acked      (acked by the API, or by the wired ack input)
    (False, True)       cleared-unacked
    (False, False)      normal            (the record closes; the next raise opens a new one)

An acknowledgement through the API clears the block's ``unacked`` (and a latch)
at once, between ticks, exactly as a rising edge on its ``ack`` input would; a
rising edge on the wire is recorded as acknowledged by ``wired input``.

Records live in ``state_dir/alarms.jsonl``: one line per change, the whole
record each time, so a crash loses at most the line being written and a
restart folds the file back into the latest record per id.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bms_schemas import Bundle
from bms_schemas.alarms import (
    AlarmEvent,
    AlarmEventKind,
    AlarmList,
    AlarmRecord,
    AlarmSource,
    AlarmState,
    AlarmTransition,
)
from headless_engine.errors import AlarmNotFoundError, AlarmStateError
from headless_engine.store import atomic_write
from supervisor_engine import Program
from supervisor_engine.blocks.alarms import AlarmParams, LimitAlarmParams, render_message
from supervisor_engine.evaluator import FlowEvaluator

log = logging.getLogger("headless_engine.alarms")

ALARM_TYPES = frozenset({"alarm.limit", "alarm.bool"})
HISTORY_KEPT = 2000
"""Closed records kept (in memory and, after compaction, on disk); open ones are always kept."""
WIRED_INPUT = "wired input"
DEFAULT_MESSAGES = {
    "alarm.limit": "{label} is {value} {unit}, {condition} limit {limit} {unit}",
    "alarm.bool": "{label} in alarm",
}


@dataclass(frozen=True)
class _Watch:
    """One alarm block of the active bundle, as the book reads it."""

    source: AlarmSource
    params: AlarmParams
    value_from: tuple[str, str] | None
    """The (node, port) wired to the alarm's ``in``: its value goes into the message."""


class AlarmFile:
    """``alarms.jsonl``: append a record per change; fold back into the latest per id."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: AlarmRecord) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(record.model_dump_json() + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def load(self) -> tuple[dict[str, AlarmRecord], int]:
        """The latest version of every record, in first-seen order, and the line count."""
        records: dict[str, AlarmRecord] = {}
        if not self.path.exists():
            return records, 0
        lines = 0
        for line in self.path.read_text(encoding="utf-8").splitlines():
            lines += 1
            try:
                record = AlarmRecord.model_validate_json(line)
            except ValueError:
                continue  # a torn last line after a crash
            records[record.id] = record
        return records, lines

    def rewrite(self, records: Iterable[AlarmRecord]) -> None:
        data = "".join(r.model_dump_json() + "\n" for r in records)
        atomic_write(self.path, data.encode())


class AlarmBook:
    """Open and closed alarm records, kept in step with the alarm blocks."""

    def __init__(
        self,
        file: AlarmFile,
        now: Callable[[], datetime],
        publish: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.file = file
        self.now = now
        self.publish = publish
        self._watches: dict[str, list[_Watch]] = {}
        self._records, lines = file.load()
        self._trim()
        if lines > 2 * len(self._records) + 100:
            file.rewrite(self._records.values())
        self._open: dict[tuple[str, str], str] = {
            (r.source.flow, r.source.node): r.id for r in self._records.values() if r.open
        }

    # --- the active bundle ----------------------------------------------------------------

    def bind(self, bundle: Bundle, program: Program, by: str) -> None:
        """Watch the alarm blocks of a newly active bundle; close records whose block is gone."""
        flows = {f.id: f.name for f in bundle.graph.flows}
        wired = {(e.target, e.target_port): (e.source, e.source_port) for e in bundle.graph.edges}
        nodes = {n.id: n for n in bundle.graph.nodes}
        watches: dict[str, list[_Watch]] = {}
        for flow_id, evaluator in program.flows.items():
            for slots in evaluator.nodes:
                if slots.block.type not in ALARM_TYPES or not isinstance(slots.params, AlarmParams):
                    continue
                node = nodes[slots.node_id]
                value_from = wired.get((node.id, "in"))
                point = None
                if value_from is not None:
                    upstream = evaluator.context(value_from[0])
                    if nodes[value_from[0]].type == "io.point-input":
                        point = str(upstream.params.point)
                watches.setdefault(flow_id, []).append(
                    _Watch(
                        AlarmSource(
                            flow=flow_id,
                            flow_name=flows.get(flow_id, flow_id),
                            node=node.id,
                            label=node.label or node.id,
                            block_type=node.type,
                            point=point,
                        ),
                        slots.params,
                        value_from,
                    )
                )
        self._watches = watches
        present = {(w.source.flow, w.source.node) for ws in watches.values() for w in ws}
        for key in [k for k in self._open if k not in present]:
            record = self._records[self._open.pop(key)]
            self._save(
                _move(record, AlarmState.NORMAL, self.now(), by, "its block was removed"),
                AlarmEventKind.NORMAL,
            )

    # --- after each tick --------------------------------------------------------------------

    def observe(self, flow_id: str, evaluator: FlowEvaluator) -> None:
        """Move this flow's records along to what its alarm blocks now say."""
        for watch in self._watches.get(flow_id, ()):
            active = evaluator.output(watch.source.node, "active")[0] is True
            unacked = evaluator.output(watch.source.node, "unacked")[0] is True
            key = (flow_id, watch.source.node)
            record_id = self._open.get(key)
            if record_id is None:
                if active:
                    self._raise(watch, evaluator, unacked)
                continue
            record = self._records[record_id]
            target = _state_of(active, unacked)
            if target is record.state:
                continue
            now = self.now()
            was_unacked = record.state in (AlarmState.ACTIVE_UNACKED, AlarmState.CLEARED_UNACKED)
            if was_unacked and not unacked and record.acked_at is None:
                record = record.model_copy(
                    update={"acked_at": now, "acked_by": WIRED_INPUT, "ack_note": None}
                )
            if target is AlarmState.NORMAL:
                self._open.pop(key, None)
            if was_unacked and not unacked:
                kind, by = AlarmEventKind.ACKED, WIRED_INPUT
            else:
                kind, by = _KINDS[target], "engine"
            self._save(_move(record, target, now, by, None), kind)

    def _raise(self, watch: _Watch, evaluator: FlowEvaluator, unacked: bool) -> None:
        p = watch.params
        value = None
        if watch.value_from is not None:
            value = evaluator.output(*watch.value_from)[0]
        condition, limit = "alarm", None
        if isinstance(p, LimitAlarmParams):
            state = evaluator.output(watch.source.node, "state")[0]
            condition = "low" if state == 3 else "high"
            limit = p.low_limit if condition == "low" else p.high_limit
        shown = round(value, 2) if isinstance(value, float) else value
        template = p.message or DEFAULT_MESSAGES[watch.source.block_type]
        try:
            message = render_message(
                template, label=watch.source.label, value=shown, limit=limit,
                unit=p.unit, condition=condition,
            )  # fmt: skip
        except (KeyError, IndexError, ValueError, TypeError) as err:
            message = f"{watch.source.label}: {condition} (message not filled in: {err})"
        now = self.now()
        state = AlarmState.ACTIVE_UNACKED if unacked else AlarmState.ACTIVE_ACKED
        record = AlarmRecord(
            id=uuid.uuid4().hex[:16],
            source=watch.source,
            priority=p.priority,
            alarm_class=p.alarm_class,
            message=message,
            condition=condition,
            value=value if isinstance(value, bool | int | float) else None,
            limit=limit,
            unit=p.unit,
            ack_required=p.ack_required,
            state=state,
            active_at=now,
            transitions=(AlarmTransition(state=state, at=now, by="engine"),),
        )
        self._open[(watch.source.flow, watch.source.node)] = record.id
        self._save(record, AlarmEventKind.RAISED)

    # --- operators --------------------------------------------------------------------------

    def ack(
        self, alarm_id: str, by: str, note: str, flows: Mapping[str, FlowEvaluator]
    ) -> AlarmRecord:
        """Acknowledge an open record: the block's ``unacked`` (and latch) clear at once."""
        record = self.get(alarm_id)
        if record.state not in (AlarmState.ACTIVE_UNACKED, AlarmState.CLEARED_UNACKED):
            raise AlarmStateError(
                f"alarm {alarm_id} is {record.state.value}; only an unacknowledged alarm "
                "can be acknowledged"
            )
        evaluator = flows.get(record.source.flow)
        if evaluator is not None:
            state = evaluator.context(record.source.node).state
            state.unacked = False
            state.latched = False
        now = self.now()
        acked = record.model_copy(
            update={"acked_at": now, "acked_by": by, "ack_note": note or None}
        )
        if record.state is AlarmState.CLEARED_UNACKED:
            target = AlarmState.NORMAL
            self._open.pop((record.source.flow, record.source.node), None)
        else:
            target = AlarmState.ACTIVE_ACKED
        moved = _move(acked, target, now, by, note or None)
        self._save(moved, AlarmEventKind.ACKED)
        return moved

    def get(self, alarm_id: str) -> AlarmRecord:
        record = self._records.get(alarm_id)
        if record is None:
            raise AlarmNotFoundError(f"no alarm {alarm_id!r}")
        return record

    def query(
        self,
        *,
        states: frozenset[AlarmState] | None = None,
        flow: str | None = None,
        max_priority: int | None = None,
        text: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> AlarmList:
        """Records matching every given filter, newest raise first."""
        needle = text.lower() if text else None
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        matched = [
            r
            for r in reversed(self._records.values())
            if (states is None or r.state in states)
            and (flow is None or r.source.flow == flow)
            and (max_priority is None or r.priority <= max_priority)
            and (since is None or (r.normal_at or r.active_at) >= since)
            and (
                needle is None
                or needle in r.message.lower()
                or needle in r.source.label.lower()
                or needle in (r.source.point or "").lower()
                or needle in r.alarm_class.lower()
            )
        ]
        matched.sort(key=lambda r: r.active_at, reverse=True)
        records = self._records.values()
        return AlarmList(
            alarms=tuple(matched[:limit]),
            total=len(matched),
            active=sum(1 for r in records if r.open),
            unacked=sum(
                1
                for r in records
                if r.state in (AlarmState.ACTIVE_UNACKED, AlarmState.CLEARED_UNACKED)
            ),
        )

    @property
    def counts(self) -> tuple[int, int]:
        """Open records and records waiting for an acknowledgement (for metrics)."""
        listing = self.query(limit=0)
        return listing.active, listing.unacked

    # --- keeping ------------------------------------------------------------------------------

    def _save(self, record: AlarmRecord, kind: AlarmEventKind) -> None:
        self._records.pop(record.id, None)
        self._records[record.id] = record  # last changed last: the file's order
        try:
            self.file.append(record)
        except OSError as err:  # the record stays in memory; the next change writes it again
            log.error("cannot write alarm %s: %s", record.id, err)
        self._trim()
        log.info(
            "alarm-%s", kind.value,
            extra={"alarm": record.id, "node": record.source.node, "state": record.state.value},
        )  # fmt: skip
        self.publish("alarm", AlarmEvent(kind=kind, alarm=record).model_dump(mode="json"))

    def _trim(self) -> None:
        closed = [k for k, r in self._records.items() if not r.open]
        for key in closed[: max(0, len(closed) - HISTORY_KEPT)]:
            del self._records[key]


_KINDS = {
    AlarmState.NORMAL: AlarmEventKind.NORMAL,
    AlarmState.CLEARED_UNACKED: AlarmEventKind.CLEARED,
    AlarmState.ACTIVE_UNACKED: AlarmEventKind.RETURNED,
    AlarmState.ACTIVE_ACKED: AlarmEventKind.RETURNED,
}


def _state_of(active: bool, unacked: bool) -> AlarmState:
    if active:
        return AlarmState.ACTIVE_UNACKED if unacked else AlarmState.ACTIVE_ACKED
    return AlarmState.CLEARED_UNACKED if unacked else AlarmState.NORMAL


def _move(
    record: AlarmRecord, state: AlarmState, at: datetime, by: str | None, note: str | None
) -> AlarmRecord:
    update: dict[str, Any] = {
        "state": state,
        "transitions": (*record.transitions, AlarmTransition(state=state, at=at, by=by, note=note)),
    }
    if state is AlarmState.CLEARED_UNACKED or (
        state is AlarmState.NORMAL and record.cleared_at is None
    ):
        update["cleared_at"] = at
    if state is AlarmState.ACTIVE_UNACKED:
        update["cleared_at"] = None
    if state is AlarmState.NORMAL:
        update["normal_at"] = at
    return record.model_copy(update=update)
