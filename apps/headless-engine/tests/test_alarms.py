"""Alarm records from alarm blocks: the state machine, acknowledgement and the file they live in.

The flow is compiled and ticked directly with hand-made point samples and a
hand-advanced wall time, so every transition is deterministic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bms_schemas import PointValue
from bms_schemas.alarms import AlarmRecord, AlarmState
from headless_engine.alarms import WIRED_INPUT, AlarmBook, AlarmFile
from headless_engine.errors import AlarmNotFoundError, AlarmStateError
from supervisor_engine import compile_bundle, default_registry
from supervisor_engine.testing import GraphBuilder, make_bundle, param_issues

TEMP = "2001/analog-input,1/present-value"
ACK = "2001/binary-value,9/present-value"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Rig:
    """One flow with a limit alarm on a point, an optional wired ack, and its alarm book."""

    def __init__(self, tmp_path: Path, *, latching: bool = False) -> None:
        g = GraphBuilder(flow="zone", period_ms=1000)
        g.node("io.point-input", "temp", point=TEMP)
        g.node("io.point-input", "ack_button", point=ACK, valueType="bool")
        g.node(
            "alarm.limit", "hi_temp", highLimit=28.0, deadband=0.5, priority=20,
            alarmClass="comfort", unit="°C", latching=latching,
            message="{label} {value:.1f} {unit} above {limit} {unit}",
        )  # fmt: skip
        g.wire("temp", "value", "hi_temp", "in").wire("ack_button", "value", "hi_temp", "ack")
        graph = g.build()
        labelled = graph.model_copy(
            update={
                "nodes": tuple(
                    n.model_copy(update={"label": "Zone 1 temperature"}) if n.id == "hi_temp" else n
                    for n in graph.nodes
                )
            }
        )
        self.bundle = make_bundle(labelled)
        self.program = compile_bundle(self.bundle, default_registry())
        self.flow = self.program.flows["zone"]
        self.wall = T0
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.path = tmp_path / "alarms.jsonl"
        self.book = self.new_book()
        self.t = 0.0

    def new_book(self) -> AlarmBook:
        book = AlarmBook(
            AlarmFile(self.path), lambda: self.wall, lambda k, d: self.events.append((k, d))
        )
        book.bind(self.bundle, self.program, "test")
        return book

    def tick(self, temp: float, ack: bool = False) -> None:
        self.t += 1.0
        self.wall += timedelta(seconds=1)
        snapshot = {
            TEMP: PointValue(value=temp, timestamp=self.wall),
            ACK: PointValue(value=ack, timestamp=self.wall),
        }
        self.flow.tick(self.t, self.wall, 1.0, snapshot)
        self.book.observe("zone", self.flow)

    def only(self) -> AlarmRecord:
        listing = self.book.query()
        assert listing.total == 1, listing
        return listing.alarms[0]


def test_a_limit_alarm_is_raised_acked_through_the_api_cleared_and_closed(tmp_path):
    rig = Rig(tmp_path)
    rig.tick(25.0)
    assert rig.book.query().total == 0
    rig.tick(29.26)
    record = rig.only()
    assert record.state is AlarmState.ACTIVE_UNACKED
    assert record.message == "Zone 1 temperature 29.3 °C above 28.0 °C"
    assert (record.value, record.limit, record.condition) == (29.26, 28.0, "high")
    assert (record.priority, record.alarm_class) == (20, "comfort")
    assert record.source.point == TEMP
    assert (record.source.flow, record.source.node) == ("zone", "hi_temp")
    assert record.active_at == T0 + timedelta(seconds=2)
    assert rig.events[-1][0] == "alarm"
    assert rig.events[-1][1]["kind"] == "raised"

    rig.wall += timedelta(seconds=30)
    acked = rig.book.ack(record.id, "alice", "chiller fault, engineer called", rig.program.flows)
    assert acked.state is AlarmState.ACTIVE_ACKED
    assert (acked.acked_by, acked.ack_note) == ("alice", "chiller fault, engineer called")
    rig.tick(29.0)  # the block agrees: still active, no longer unacked
    assert rig.only().state is AlarmState.ACTIVE_ACKED
    with pytest.raises(AlarmStateError):
        rig.book.ack(record.id, "bob", "", rig.program.flows)

    rig.tick(27.8)  # inside the deadband: still high
    assert rig.only().state is AlarmState.ACTIVE_ACKED
    rig.tick(27.0)
    closed = rig.only()
    assert closed.state is AlarmState.NORMAL
    assert closed.cleared_at == closed.normal_at == rig.wall
    assert [t.state for t in closed.transitions] == [
        AlarmState.ACTIVE_UNACKED, AlarmState.ACTIVE_ACKED, AlarmState.NORMAL,
    ]  # fmt: skip
    assert rig.book.query(states=frozenset({AlarmState.NORMAL})).total == 1
    assert rig.book.query(states=frozenset({AlarmState.ACTIVE_UNACKED})).total == 0

    rig.tick(30.0)  # a new occurrence is a new record
    listing = rig.book.query()
    assert listing.total == 2
    assert listing.alarms[0].id != closed.id
    assert (listing.active, listing.unacked) == (1, 1)


def test_cleared_unacked_waits_for_the_wired_ack_and_history_survives_a_restart(tmp_path):
    rig = Rig(tmp_path)
    rig.tick(30.0)
    rig.tick(20.0)
    record = rig.only()
    assert record.state is AlarmState.CLEARED_UNACKED
    assert record.cleared_at is not None
    rig.tick(20.0, ack=True)  # a rising edge on the wired ack input
    closed = rig.only()
    assert closed.state is AlarmState.NORMAL
    assert closed.acked_by == WIRED_INPUT
    assert [e[1]["kind"] for e in rig.events] == ["raised", "cleared", "acked"]

    rig.tick(31.0)
    open_id = rig.book.query(states=frozenset({AlarmState.ACTIVE_UNACKED})).alarms[0].id
    again = rig.new_book()  # what a restart reads back from alarms.jsonl
    assert again.query().total == 2
    assert again.get(closed.id) == closed
    assert again.get(open_id).state is AlarmState.ACTIVE_UNACKED
    with pytest.raises(AlarmNotFoundError):
        again.get("nope")


def test_an_ack_of_a_latched_alarm_releases_the_latch(tmp_path):
    rig = Rig(tmp_path, latching=True)
    rig.tick(30.0)
    rig.tick(20.0)
    assert rig.only().state is AlarmState.ACTIVE_UNACKED  # latched: still active
    rig.book.ack(rig.only().id, "alice", "reset after inspection", rig.program.flows)
    rig.tick(20.0)
    assert rig.only().state is AlarmState.NORMAL


def test_a_block_removed_by_a_deploy_closes_its_open_record(tmp_path):
    rig = Rig(tmp_path)
    rig.tick(30.0)
    g = GraphBuilder(flow="zone", period_ms=1000)
    g.node("io.constant", "k", value=1.0)
    other = make_bundle(g.build(), version="1.1.0")
    rig.book.bind(other, compile_bundle(other, default_registry()), "alice")
    record = rig.only()
    assert record.state is AlarmState.NORMAL
    assert record.transitions[-1].note == "its block was removed"


def test_a_message_that_cannot_be_filled_in_is_refused_with_the_fields_named():
    issues = param_issues("alarm.limit", highLimit=1.0, message="{temperature} too high")
    assert issues
    assert "use {label}, {value}" in issues[0][1]
