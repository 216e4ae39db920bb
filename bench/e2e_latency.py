"""End-to-end latency: a value changes on one device, the engine commands another.

Real processes, as in production: a BACnet/IP simulator with two devices, the IoT
service, and the headless engine running a one-flow bundle (point input on device A
-> point output on device B). The bench changes A's value through the service (a
priority-8 write, like an operator would), and waits until the engine's command to
B is in the service's write audit. Latency is measured on the service's clock: from
the audit time of the write to A to the audit time of the engine's write to B, so it
covers A's change notification (BACnet COV) to the service, the service's stream to
the engine, the tick, and the engine's write request back to the service.

The same chain runs twice: with on-change (event-driven) ticks and with the plain
grid (the flow's period, 100 ms by default). Changes are spaced by a random gap
longer than the period, so grid ticks meet them at random phases (and the event
flow's rate limit, one triggered run per period, never holds one back).

    uv run python bench/e2e_latency.py                       # 1,000 changes per mode
    uv run python bench/e2e_latency.py --json --changes 200  # {"event": {...}, "grid": {...}}

Addresses: a block of its own (``NetPlan``: a random 127.A.B. prefix and UDP ports nobody
has bound), so it runs beside a stack on the default ports or another bench.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bms_schemas import Graph
from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine import (
    bundle_document,
    generate_key,
    public_key_pem,
    sign_document,
)
from supervisor_engine.testing import GraphBuilder, make_bundle
from supervisor_engine.testing_net import NetPlan

BIN = Path(sys.executable).parent
TOKEN = "e2e-latency-token"
SOURCE = "3001/analog-value,1/present-value"
TARGET = "3002/analog-value,1/present-value"


def simulator_config(plan: NetPlan) -> dict[str, Any]:
    def device(instance: int, address: str) -> dict[str, Any]:
        return {
            "instance": instance, "address": address, "name": f"dev-{instance}",
            "objects": [
                {"type": "analog-value", "instance": 1, "name": "AV1", "value": 0.0,
                 "units": "degrees-celsius", "commandable": True, "covIncrement": 0.1},
            ],
        }  # fmt: skip

    return {
        "tickS": 1.0,
        "devices": [
            device(3001, f"{plan.host(2)}/8:{plan.device_port}"),
            device(3002, f"{plan.host(3)}/8:{plan.device_port}"),
        ],
    }


def bundle(period_ms: int, event: bool, key: Any, version: str) -> dict[str, Any]:
    g = GraphBuilder(flow="relay", period_ms=period_ms)
    a = g.node("io.point-input", "a", point=SOURCE, staleAfterS=3600)
    out = g.node("io.point-output", "b", point=TARGET, priority=10)
    g.wire(a, "value", out, "value")
    document = g.build().model_dump(mode="json", by_alias=True)
    if event:
        document["flows"][0]["triggerOnChange"] = ["a"]  # a change of A runs the flow at once
    graph = Graph.model_validate(document)
    return sign_document(bundle_document(make_bundle(graph, version=version)), key)


class Stack:
    """Simulator, IoT service and engine, started in a temp dir and stopped on close."""

    def __init__(self, tmp: Path, public_key: Path) -> None:
        self.children: list[ChildProcess] = []
        self.plan = NetPlan.allocate()
        try:
            self._start(tmp, public_key)
        except BaseException:
            self.close()
            raise

    def _start(self, tmp: Path, public_key: Path) -> None:
        (tmp / "sim.json").write_text(json.dumps(simulator_config(self.plan)))
        self.children.append(
            ChildProcess(
                [str(BIN / "iot-supervisor"), "simulate", str(tmp / "sim.json")],
                clean_env(),
                tmp / "sim.log",
            )
        )
        iot_port = free_port()
        self.iot_url = f"http://127.0.0.1:{iot_port}"
        env = clean_env(
            BMS_IOT_DATA_DIR=str(tmp / "iot"), BMS_IOT_TOKEN=TOKEN, BMS_IOT_HTTP_PORT=str(iot_port),
            BMS_IOT_BACNET_ADDRESS=self.plan.service_address, BMS_IOT_BROADCAST_ADDRESS=self.plan.broadcast,
            BMS_IOT_DISCOVERY_MODE="directed-broadcast", BMS_IOT_DISCOVER_ON_START="true",
            # the bench writes A every 120-200 ms, above the default 5 per second per point:
            # on a quiet machine the write guard answered 429 after the burst (not measured)
            BMS_IOT_RATE_LIMIT_PER_S="50", BMS_IOT_RATE_LIMIT_BURST="50",
        )  # fmt: skip
        self.children.append(
            ChildProcess([str(BIN / "iot-supervisor"), "serve"], env, tmp / "iot.log")
        )
        self.iot = httpx.Client(
            base_url=self.iot_url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=30
        )

        def discovered() -> bool:
            if len(self.iot.get("/devices").json()) >= 2:
                return True
            return len(self.iot.post("/discover", json={}).json()["devices"]) >= 2

        wait_for(discovered, 90, "the IoT service to discover both simulated devices")
        engine_port = free_port()
        self.engine_url = f"http://127.0.0.1:{engine_port}"
        state = tmp / "engine"
        env = clean_env(BMS_ENGINE_IOT_TOKEN=TOKEN, BMS_ENGINE_WRITE_MIN_INTERVAL_S="0.05")
        args = [str(BIN / "headless-engine"), "start", "--state-dir", str(state), "--iot-url", self.iot_url,
                "--port", str(engine_port), "--trusted-key", str(public_key)]  # fmt: skip
        self.children.append(ChildProcess(args, env, tmp / "engine.log"))
        wait_for(
            lambda: httpx.get(f"{self.engine_url}/engine/health", timeout=2).json()["ready"],
            60,
            "the engine",
        )
        token = (state / "token").read_text().strip()
        self.engine = httpx.Client(
            base_url=self.engine_url, headers={"authorization": f"Bearer {token}"}, timeout=30
        )

    def pids(self) -> list[int]:
        return [c.proc.pid for c in self.children if c.proc is not None]

    def close(self) -> None:
        for child in reversed(self.children):
            child.close()
        self.plan.release()


def _newest_writes(iot: httpx.Client, limit: int = 5) -> list[dict[str, Any]]:
    return list(iot.get("/writes", params={"outcome": "written", "limit": limit}).json()["entries"])


def measure(stack: Stack, changes: int, period_s: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    latencies: list[float] = []
    timeouts = 0
    for i in range(changes):
        value = round(20.0 + (i % 2) * 1.0 + (i % 7) * 0.2, 3)
        response = stack.iot.post(
            "/points/write", json={"writes": [{"point": SOURCE, "value": value, "priority": 8}]}
        )
        response.raise_for_status()
        deadline = time.monotonic() + 10
        source_at = target_at = None
        while time.monotonic() < deadline:
            for entry in _newest_writes(stack.iot):
                if entry["value"] != value:
                    continue
                if entry["point"] == TARGET:  # only the engine writes B
                    target_at = target_at or entry["at"]
                elif entry["point"] == SOURCE:
                    source_at = source_at or entry["at"]
            if source_at and target_at:
                break
            time.sleep(0.002)
        if not (source_at and target_at):
            timeouts += 1
            continue
        delta = datetime.fromisoformat(target_at) - datetime.fromisoformat(source_at)
        latencies.append(delta.total_seconds() * 1000)
        time.sleep(period_s * rng.uniform(1.2, 2.0))
    if not latencies:
        raise SystemExit("no change reached the other device")
    ordered = sorted(latencies)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "max_ms": round(ordered[-1], 2),
        "changes": len(latencies),
        "timeouts": timeouts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--period-ms", type=int, default=100)
    args = parser.parse_args()
    key = generate_key()
    with tempfile.TemporaryDirectory(prefix="e2e-latency-") as tmp_name:
        tmp = Path(tmp_name)
        public = tmp / "trusted.pub"
        public.write_bytes(public_key_pem(key.public_key()))
        stack = Stack(tmp, public)
        try:
            results: dict[str, Any] = {}
            for n, mode in enumerate(("event", "grid")):
                document = bundle(args.period_ms, mode == "event", key, f"1.{n}.0")
                stack.engine.post("/engine/deploy", json={"bundle": document}).raise_for_status()
                time.sleep(2.0)  # the new bundle subscribed and settled
                results[mode] = measure(stack, args.changes, args.period_ms / 1000, seed=n)
        finally:
            stack.close()
    if args.json:
        print(json.dumps(results))
        return
    print(
        f"device change -> IoT service -> engine -> write to another device, period {args.period_ms} ms"
    )
    print(f"{'ticks':>6} {'changes':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'timeouts':>9}")
    for mode, r in results.items():
        print(
            f"{mode:>6} {r['changes']:>8} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['max_ms']:>8.1f} {r['timeouts']:>9}"
        )


if __name__ == "__main__":
    main()
