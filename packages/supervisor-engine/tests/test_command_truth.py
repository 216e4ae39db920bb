"""The command ledger: what is held, what the read-back confirmed, when to deliver again."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from bms_schemas import PointValue, Quality
from supervisor_engine import PointWrite, compile_bundle, default_registry
from supervisor_engine.command_truth import CommandLedger, held_commands, slot_holds
from supervisor_engine.testing import GraphBuilder, make_bundle

FAN = "2001/binary-output,1/present-value"
VALVE = "2001/analog-output,1/present-value"
OTHER = "2002/analog-output,1/present-value"


def w(point: str, value: object, priority: int = 10) -> PointWrite:
    return PointWrite(point, value, priority, "n", "change")


def test_a_confirmed_command_is_refreshed_after_the_refresh_interval():
    ledger = CommandLedger(refresh_s=600)
    cmd = w(VALVE, 42.0)
    ledger.submitted([cmd])
    assert ledger.take_due(1e9) == []  # pending delivery: not due
    ledger.delivered(cmd, True, now=100.0)
    assert (ledger.held, ledger.confirmed) == (1, 1)
    assert ledger.next_due() == 700.0
    assert ledger.take_due(699.0) == []
    assert ledger.take_due(700.0) == [cmd]
    assert ledger.next_due() == math.inf  # pending again until settled


def test_a_mismatch_is_retried_sooner_and_becomes_unconfirmed_when_it_persists():
    ledger = CommandLedger(refresh_s=600, retry_initial_s=2, retry_max_s=8, persistent_after=2)
    cmd = w(VALVE, 42.0)
    ledger.submitted([cmd])
    ledger.delivered(cmd, False, now=0.0)
    assert ledger.mismatches == 1
    assert ledger.next_due() == 2.0
    assert ledger.unconfirmed() == []  # once is not persistent
    ledger.take_due(2.0)
    ledger.delivered(cmd, False, now=2.0)
    assert ledger.next_due() == 6.0
    [stuck] = ledger.unconfirmed()
    assert (stuck.point, stuck.priority, stuck.failures) == (VALVE, 10, 2)
    ledger.take_due(6.0)
    ledger.delivered(cmd, True, now=6.0)
    assert ledger.unconfirmed() == []


def test_a_relinquish_stays_until_the_slot_reads_back_empty():
    ledger = CommandLedger()
    on, off = w(FAN, True, 8), w(FAN, None, 8)
    ledger.submitted([on])
    ledger.delivered(on, True, now=0.0)
    ledger.submitted([off])
    ledger.failed(off, "device offline", now=1.0)
    assert ledger.active() == [off]  # re-asserted as a relinquish, never as the old True
    ledger.take_due(10.0)
    ledger.delivered(off, True, now=10.0)
    assert ledger.active() == []
    assert len(ledger) == 0


def test_slots_are_per_point_and_priority_and_filtered_by_device():
    ledger = CommandLedger()
    ledger.submitted([w(VALVE, 1.0, 10), w(VALVE, None, 8), w(OTHER, 2.0)])
    assert len(ledger) == 3
    assert {x.point for x in ledger.active(2002)} == {OTHER}


def test_a_refused_command_is_not_held_and_a_newer_one_is_not_settled_by_an_older_answer():
    ledger = CommandLedger()
    first, second = w(VALVE, 1.0), w(VALVE, 2.0)
    ledger.submitted([first])
    ledger.submitted([second])
    ledger.delivered(first, True, now=0.0)  # the answer to an older write
    assert ledger.confirmed == 0
    ledger.refused(second)
    assert ledger.active() == []


@pytest.mark.parametrize(
    ("value", "priority", "array", "present", "expected"),
    [
        (42.0, 10, [None] * 9 + [42.0] + [None] * 6, None, True),
        (42.0, 10, [None] * 9 + [41.999999] + [None] * 6, None, True),  # REAL rounding
        (42.0, 10, [None] * 16, 42.0, False),  # the present value is someone else's
        (True, 8, [None] * 7 + ["1"] + [None] * 8, None, True),  # an enumerated slot
        (True, 8, [None] * 7 + ["inactive"] + [None] * 8, None, False),
        (None, 8, [None] * 16, None, True),
        (5.0, 8, None, 5.0, True),  # no priority array: the present value
        (5.0, 8, None, None, None),  # nothing read back
    ],
)
def test_slot_holds(value, priority, array, present, expected):
    assert slot_holds(value, priority, array, present) is expected


def test_held_commands_are_what_the_outputs_command_now():
    g = GraphBuilder(flow="f")
    c = g.node("io.constant", "c", value=42.0)
    off = g.node("io.constant", "off", value=False, valueType="bool")
    out = g.node("io.point-output", "valve", point=VALVE, priority=9)
    idle = g.node("io.point-output", "idle", point=OTHER, priority=9)
    g.wire(c, "value", out, "value").wire(c, "value", idle, "value").wire(
        off, "value", idle, "enable"
    )
    program = compile_bundle(make_bundle(g.build()), default_registry())
    flow = program.flows["f"]
    assert held_commands([flow], "start") == []  # nothing commanded before a tick
    snapshot = {VALVE: PointValue(value=0.0, quality=Quality.OK, timestamp=datetime.now(UTC))}
    flow.tick(0.0, datetime.now(UTC), 1.0, snapshot)
    [held] = held_commands([flow], "start")
    assert (held.point, held.value, held.priority, held.reason) == (VALVE, 42.0, 9, "start")
