"""Modbus TCP read throughput: the IoT service's ``POST /points/read`` against raw pymodbus.

All on loopback. Simulated Modbus devices (pymodbus servers, in this process)
each hold POINTS float32 input registers, back to back, described by a generated
register map. Then, one after the other for SECONDS each:

- raw pymodbus: one AsyncModbusTcpClient per device reads the same registers in
  the same requests the service makes (125 registers per read), decoding each
  float32, devices in parallel;
- the service (``iot-supervisor serve``, its own process, the Modbus plugin)
  answers ``POST /points/read`` for every point, again and again.

The ratio is the service's overhead: HTTP, validation, batching, normalisation,
the value cache and runtime.db.

    uv run python bench/modbus_read.py [--json] [--seconds 5] [--devices 4] [--points 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

HOST = "127.0.252.1"
TOKEN = "bench-modbus-token"


def register_map(points: int) -> dict[str, Any]:
    return {
        "model": "bench-meter",
        "points": [
            {"name": f"v{i}", "kind": "input-register", "address": 2 * i, "type": "float32",
             "units": "kilowatts"}
            for i in range(points)
        ],
    }  # fmt: skip


async def raw_pymodbus(devices: list[dict[str, Any]], points: int, seconds: float) -> float:
    from pymodbus.client import AsyncModbusTcpClient

    clients = [
        AsyncModbusTcpClient(d["host"], port=d["port"], timeout=2, retries=0) for d in devices
    ]
    for c in clients:
        await c.connect()
    registers = 2 * points
    reads = [(a, min(124, registers - a)) for a in range(0, registers, 124)]

    async def one_device(client: Any, unit: int) -> int:
        count = 0
        for address, n in reads:
            response = await client.read_input_registers(address, count=n, device_id=unit)
            regs = response.registers
            for i in range(0, len(regs), 2):
                struct.unpack(">f", struct.pack(">HH", regs[i], regs[i + 1]))
                count += 1
        return count

    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        done += sum(
            await asyncio.gather(
                *(one_device(c, d["unit"]) for c, d in zip(clients, devices, strict=True))
            )
        )
    elapsed = time.perf_counter() - start
    for c in clients:
        c.close()
    return done / elapsed


def service_reads(
    url: str, refs: list[str], seconds: float, max_age_ms: int | None = None
) -> tuple[float, float]:
    http = httpx.Client(base_url=url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=30)
    done, batches = 0, []
    body: dict[str, Any] = {"points": refs, "maxAgeMs": max_age_ms}
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        began = time.perf_counter()
        response = http.post("/points/read", json=body)
        response.raise_for_status()
        results = response.json()["results"]
        assert all(r["error"] is None for r in results), results[:2]
        batches.append(time.perf_counter() - began)
        done += len(results)
    elapsed = time.perf_counter() - start
    http.close()
    return done / elapsed, sorted(batches)[len(batches) // 2] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--points", type=int, default=200, help="float32 points per device")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    from iot_supervisor.modbus.testing import ModbusSimHandle, free_tcp_port

    work = Path(tempfile.mkdtemp(prefix="bench-modbus-"))
    (work / "bench-meter.yaml").write_text(yaml.safe_dump(register_map(args.points)))
    devices = [
        {"instance": 9500 + i, "name": f"meter {i}", "host": HOST, "port": free_tcp_port(HOST),
         "unit": 1, "map": str(work / "bench-meter.yaml"), "simulate": "static"}
        for i in range(args.devices)
    ]  # fmt: skip
    sim = ModbusSimHandle(devices)
    for d in devices:
        for i in range(args.points):
            sim.set_value(d["instance"], f"v{i}", float(i) + 0.5)
    refs = [
        f"modbus:{d['instance']}/input-register,{2 * i}"
        for d in devices
        for i in range(args.points)
    ]

    raw = asyncio.run(raw_pymodbus(devices, args.points, args.seconds))

    protocols = work / "protocols.yaml"
    protocols.write_text(yaml.safe_dump({"modbus": {"devices": [
        {k: v for k, v in d.items() if k != "simulate"} for d in devices
    ]}}))  # fmt: skip
    port = free_tcp_port("127.0.0.1")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BMS_")} | {
        "BMS_IOT_DATA_DIR": str(work / "iot"), "BMS_IOT_TOKEN": TOKEN,
        "BMS_IOT_HTTP_PORT": str(port), "BMS_IOT_BACNET_ADDRESS": f"{HOST}/8:47996",
        "BMS_IOT_BROADCAST_ADDRESS": "127.255.255.255:47997",
        "BMS_IOT_PROTOCOLS_FILE": str(protocols),
    }  # fmt: skip
    with open(work / "iot.log", "wb") as log:
        service = subprocess.Popen(
            [str(Path(sys.executable).parent / "iot-supervisor"), "serve"], env=env,
            stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health").json().get("status") == "ok":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the service did not start; see {work / 'iot.log'}")
            time.sleep(0.1)
        through, batch_ms = service_reads(url, refs, args.seconds)
        # The same requests answered from the service's cache: the cost of the HTTP API alone.
        cached, cached_ms = service_reads(url, refs, args.seconds, max_age_ms=3_600_000)
    finally:
        service.terminate()
        service.wait(20)
        sim.close()

    result = {
        "devices": args.devices, "points": len(refs), "seconds": args.seconds,
        "raw_pymodbus_points_per_s": round(raw), "service_points_per_s": round(through),
        "service_batch_ms_p50": round(batch_ms, 2),
        "service_vs_raw": round(through / raw, 3) if raw else None,
        "service_cached_points_per_s": round(cached), "service_cached_batch_ms_p50": round(cached_ms, 2),
    }  # fmt: skip
    if args.json:
        print(json.dumps(result))
        return
    print(f"Modbus TCP reads, {args.devices} devices x {args.points} float32 points "
          f"({len(refs)} points), {args.seconds:.0f} s each")  # fmt: skip
    print(f"  raw pymodbus              {raw:>10,.0f} points/s")
    print(f"  POST /points/read         {through:>10,.0f} points/s   "
          f"(one batch of {len(refs)}: p50 {batch_ms:.1f} ms)")  # fmt: skip
    print(f"  service / raw             {through / raw:>10.2f}")
    print(
        f"  from the cache (maxAgeMs) {cached:>10,.0f} points/s   (p50 {cached_ms:.1f} ms: the API alone)"
    )


if __name__ == "__main__":
    main()
