"""The on-disk queue: order, the bound, and what survives a restart."""

from __future__ import annotations

import json
from pathlib import Path

from bms_telemetry import DiskQueue


def test_messages_come_out_in_order_with_increasing_seq_and_survive_a_reopen(tmp_path: Path):
    queue = DiskQueue(tmp_path / "q.db", max_rows=100)
    seqs = [queue.put(f"t/{i}", {"i": i}, qos=1, retain=False) for i in range(5)]
    assert seqs == sorted(seqs)
    queue.ack(queue.peek(1)[0].id)
    queue.close()
    again = DiskQueue(tmp_path / "q.db", max_rows=100)
    assert again.depth == 4
    assert [json.loads(m.payload)["i"] for m in again.peek(10)] == [1, 2, 3, 4]
    assert again.put("t/5", {}, qos=1, retain=False) == seqs[-1] + 1  # seq never goes back


def test_a_full_queue_drops_the_oldest_retained_values_before_any_event(tmp_path: Path):
    queue = DiskQueue(tmp_path / "q.db", max_rows=4)
    queue.put("events/alarm", {"n": 1}, qos=1, retain=False)
    for n in range(2, 6):
        queue.put("points/x", {"n": n}, qos=1, retain=True)
    queue.put("events/alarm", {"n": 6}, qos=1, retain=False)
    kept = [json.loads(m.payload)["n"] for m in queue.peek(10)]
    assert kept == [1, 4, 5, 6]
    assert (queue.depth, queue.dropped) == (4, 2)
