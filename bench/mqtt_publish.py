"""MQTT telemetry: messages per second, and latency from a value change to the broker's delivery.

A real Mosquitto on a loopback port (Debian's, as in the tests) and the
publisher every process uses (``bms_telemetry.MqttPublisher``: the on-disk
queue, then QoS 1 publishes in windows). A point value "changes" when it is
handed to the publisher; the payload carries that moment, and a subscriber on
the same machine stamps its arrival: the latency covers the queue on disk, the
publish, the broker and the delivery. Each burst of MESSAGES is published as
fast as the caller can; the rate is messages over the time from the first
change to the last delivery.

    uv run python bench/mqtt_publish.py [--json] [--messages 20000] [--rate 0]

``--rate N`` paces the changes at N per second instead. Without it, a second run
paces 2,000 changes at 200/s: the latency of a building's steady trickle of
changes, where the burst shows the ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


async def run(messages: int, rate: float, host: str, port: int, work: Path) -> dict[str, Any]:
    from bms_telemetry import MqttSettings
    from bms_telemetry.publisher import MqttPublisher
    from bms_telemetry.testing import Recorder

    settings = MqttSettings(host=host, port=port, prefix="bench", site="b")
    publisher = MqttPublisher(settings, "bench", work / "queue.db")
    topic = publisher.topics.point("9001/analog-input,1/present-value")

    class Broker:  # what Recorder needs to know of the broker
        pass

    b = Broker()
    b.host, b.port = host, port  # type: ignore[attr-defined]
    recorder = Recorder(b, topic)  # type: ignore[arg-type]
    await publisher.start()
    while not publisher.connected:
        await asyncio.sleep(0.01)

    start = time.monotonic()
    for i in range(messages):
        if rate > 0:
            due = start + i / rate
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
        publisher.publish(topic, {"value": i, "changedAt": time.monotonic()})
        if i % 500 == 0:
            await asyncio.sleep(0)  # let the sender run, as the service's event loop would
    deadline = time.monotonic() + 120
    while len(recorder.messages) < messages and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    got = list(recorder.messages)
    recorder.close()
    await publisher.stop()

    latencies = sorted((m.at - m.json()["changedAt"]) * 1000 for m in got)
    seqs = [m.json()["seq"] for m in got]
    in_order = seqs == sorted(seqs)
    last = max(m.at for m in got)
    return {
        "messages": messages, "delivered": len(got), "in_order": in_order,
        "paced_rate": rate or None,
        "messages_per_s": round(len(got) / (last - start)),
        "latency_ms_p50": round(statistics.median(latencies), 2),
        "latency_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
        "latency_ms_max": round(latencies[-1], 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=0.0, help="changes per second; 0: a burst")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    from bms_telemetry.testing import Mosquitto, mosquitto_binary

    if mosquitto_binary() is None:
        raise SystemExit("mosquitto is not installed (scripts/system-packages.sh)")
    work = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    broker = Mosquitto(work / "broker", host="127.0.253.1")
    try:
        results = [
            asyncio.run(run(args.messages, args.rate, broker.host, broker.port, work / "burst"))
        ]
        if args.rate == 0:
            paced = asyncio.run(
                run(min(args.messages, 2_000), 200.0, broker.host, broker.port, work / "paced")
            )
            results.append(paced)
    finally:
        broker.stop()
    if args.json:
        print(json.dumps({"results": results}))
        return
    for r in results:
        kind = f"paced at {r['paced_rate']:.0f}/s" if r["paced_rate"] else "burst"
        print(
            f"MQTT QoS 1, {r['messages']} value changes ({kind}): {r['delivered']} delivered, "
            f"{'in order' if r['in_order'] else 'OUT OF ORDER'}\n"
            f"  {r['messages_per_s']:>8,} messages/s   latency change -> delivery: "
            f"p50 {r['latency_ms_p50']} ms, p99 {r['latency_ms_p99']} ms, max {r['latency_ms_max']} ms"
        )


if __name__ == "__main__":
    main()
