"""Read throughput of the IoT Supervisor Service against raw bacpypes3 and BAC0, and COV-to-SSE latency.

All on loopback: a simulator process serves DEVICES x POINTS points on
127.0.250.x; then, one after the other, a raw bacpypes3 client, BAC0 and the
service (its own process, through ``POST /points/read``) read every point
repeatedly for SECONDS each. Raw bacpypes3 uses the same request shape as the
service (ReadPropertyMultiple of present-value and status-flags, 20 objects per
request, 8 in flight per device), so the ratio is the service's overhead.
COV latency: a BACnet write straight to a device (not through the service)
until the matching event arrives on the service's SSE stream.

Then the same service reads a building of quirky field devices
(``iot_supervisor.testing.field_building``: no RPM, 206-byte APDU without
segmentation, 800 ms replies, one request in five ignored, ..., and two
devices behind a BACnet router), printed
beside the clean run: points/s, BACnet requests per point, and per device the
time of one read of its points and the requests it took, so a fallback to
ReadProperty shows as a number.

    uv run --package iot-supervisor-app --group bench python bench/iot_read.py [--json]

BAC0 comes from the app's ``bench`` dependency group; without it the BAC0
figure is null and the reason is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

IP = "127.0.250."
DEVICE_PORT = 47990
RAW_ADDRESS = f"{IP}1/8:47991"
SERVICE_ADDRESS = f"{IP}1/8:47992"
BAC0_ADDRESS = f"{IP}1/8:47993"
LATENCY_CLIENT = f"{IP}1/8:47994"
QUIRKY_IP = "127.0.251."
QUIRKY_DEVICE_PORT = 47995
QUIRKY_SERVICE_ADDRESS = f"{QUIRKY_IP}1/8:47996"
QUIRKY_BEHIND_PORT = 47997
TOKEN = "bench-token-0123456789"
CHUNK = 20
IN_FLIGHT = 8


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def points(devices: int, per_device: int) -> list[tuple[int, str, int]]:
    from iot_supervisor.simulator import SimulatorConfig

    config = SimulatorConfig.grid(
        devices=devices, points_per_device=per_device, ip_prefix=IP, port=DEVICE_PORT
    )
    return [(d.instance, o.type, o.instance) for d in config.devices for o in d.objects]


def device_address(instance: int) -> str:
    return f"{IP}{2 + instance - 1001}:{DEVICE_PORT}"


# -- raw bacpypes3 -----------------------------------------------------------------


def raw_app(address: str, instance: int) -> Any:
    from bacpypes3.app import Application  # type: ignore[import-untyped]
    from bacpypes3.local.device import DeviceObject  # type: ignore[import-untyped]
    from bacpypes3.local.networkport import NetworkPortObject  # type: ignore[import-untyped]

    app = Application.from_object_list(
        [
            DeviceObject(
                objectIdentifier=("device", instance),
                objectName=f"bench-{instance}",
                vendorIdentifier=999,
                maxApduLengthAccepted=1476,
                maxSegmentsAccepted=64,
            ),
            NetworkPortObject(address, objectIdentifier=("network-port", 1), objectName="np"),
        ]
    )
    app.next_invoke_id = random.randrange(256)
    return app


async def raw_bacpypes3(pts: list[tuple[int, str, int]], seconds: float) -> float:
    from bacpypes3.pdu import Address  # type: ignore[import-untyped]
    from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

    app = raw_app(RAW_ADDRESS, 4_194_101)
    try:
        by_device: dict[int, list[Any]] = {}
        for device, kind, inst in pts:
            by_device.setdefault(device, []).append(ObjectIdentifier(f"{kind},{inst}"))
        limits = {d: asyncio.Semaphore(IN_FLIGHT) for d in by_device}

        async def chunk(device: int, ids: list[Any]) -> int:
            request: list[Any] = []
            for oid in ids:
                request += [oid, ["present-value", "status-flags"]]
            async with limits[device]:
                reply = await app.read_property_multiple(Address(device_address(device)), request)
            return len(reply) // 2

        async def sweep() -> int:
            jobs = [
                chunk(d, ids[i : i + CHUNK])
                for d, ids in by_device.items()
                for i in range(0, len(ids), CHUNK)
            ]
            return sum(await asyncio.gather(*jobs))

        await sweep()  # warm-up
        return await rate(sweep, seconds)
    finally:
        app.close()


async def rate(sweep: Any, seconds: float) -> float:
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += await sweep()
    return done / (time.perf_counter() - started)


# -- BAC0 --------------------------------------------------------------------------------


async def bac0(pts: list[tuple[int, str, int]], seconds: float) -> float | None:
    try:
        import BAC0  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        log("BAC0 is not installed (uv run --package iot-supervisor-app --group bench ...)")
        return None
    camel = {
        "analog-input": "analogInput", "analog-value": "analogValue", "analog-output": "analogOutput",
        "binary-input": "binaryInput", "binary-value": "binaryValue",
        "multi-state-value": "multiStateValue",
    }  # fmt: skip
    ip, _, port = BAC0_ADDRESS.partition(":")
    # An explicit loopback ip: without it BAC0 binds the machine's real interface.
    async with BAC0.start(ip=ip, port=int(port), ping=False) as bacnet:
        limits: dict[int, asyncio.Semaphore] = {}

        async def one(device: int, kind: str, inst: int) -> int:
            sem = limits.setdefault(device, asyncio.Semaphore(IN_FLIGHT))
            async with sem:
                await bacnet.read(f"{device_address(device)} {camel[kind]} {inst} presentValue")
            return 1

        async def sweep() -> int:
            return sum(await asyncio.gather(*(one(*p) for p in pts)))

        await sweep()
        return await rate(sweep, seconds)


# -- the service ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(
    data_dir: Path, extra: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = (
        os.environ
        | {
            "BMS_IOT_HTTP_PORT": str(port),
            "BMS_IOT_DATA_DIR": str(data_dir),
            "BMS_IOT_TOKEN": TOKEN,
            "BMS_IOT_BACNET_ADDRESS": SERVICE_ADDRESS,
            "BMS_IOT_BROADCAST_ADDRESS": f"127.255.255.255:{DEVICE_PORT}",
            "BMS_IOT_RPM_MAX_OBJECTS": str(CHUNK),
            "BMS_IOT_IN_FLIGHT_PER_DEVICE": str(IN_FLIGHT),
            "BMS_IOT_RATE_LIMIT_PER_S": "1000",
        }
        | (extra or {})
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "iot_supervisor", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the service did not start")


def service_read(url: str, pts: list[tuple[int, str, int]], seconds: float) -> float:
    refs = [f"{d}/{k},{i}/present-value" for d, k, i in pts]
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    ) as http:
        found = http.post("/discover", json={}).json()["devices"]
        log(f"service discovered {len(found)} devices")
        body = {"points": refs}

        def sweep() -> int:
            response = http.post("/points/read", json=body)
            response.raise_for_status()
            results = response.json()["results"]
            bad = [r for r in results if r["value"]["quality"] != "ok"]
            if bad:
                raise RuntimeError(f"{len(bad)} points not ok, e.g. {bad[0]}")
            return len(results)

        sweep()
        done = 0
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            done += sweep()
        return done / (time.perf_counter() - started)


def requests_sent(http: httpx.Client) -> int:
    """The service's count of confirmed BACnet requests, from /metrics."""
    for line in http.get("/metrics").text.splitlines():
        if line.startswith('iot_bacnet_requests{outcome="requests"}'):
            return int(float(line.split()[-1]))
    return 0


def quirky_building(points_per_device: int, seconds: float) -> dict[str, Any]:
    """The service against the ten field devices: the clean figures' quirky twin."""
    from iot_supervisor.testing import BEHIND_ROUTER_QUIRKS, FIELD_QUIRKS, field_building

    config = field_building(
        QUIRKY_IP,
        QUIRKY_DEVICE_PORT,
        points_per_device=points_per_device,
        behind_port=QUIRKY_BEHIND_PORT,
    )
    behind = {d.instance for d in config.devices if d.bip.port == QUIRKY_BEHIND_PORT}
    with tempfile.TemporaryDirectory() as tmp:
        sim_file = Path(tmp) / "field.json"
        sim_file.write_text(config.model_dump_json(by_alias=True))
        sim = subprocess.Popen(
            [sys.executable, "-m", "iot_supervisor", "simulate", str(sim_file)],
            stdout=subprocess.DEVNULL,
        )
        service: subprocess.Popen[bytes] | None = None
        try:
            service, url = start_service(
                Path(tmp) / "data",
                {
                    "BMS_IOT_BACNET_ADDRESS": QUIRKY_SERVICE_ADDRESS,
                    "BMS_IOT_DISCOVERY_MODE": "unicast",
                    "BMS_IOT_TARGETS": json.dumps(
                        [d.bip.hostport for d in config.devices if d.instance not in behind]
                    ),
                    "BMS_IOT_ROUTERS": json.dumps([r.bip.hostport for r in config.routers]),
                    "BMS_IOT_REQUEST_TIMEOUT_S": "1.5",
                    "BMS_IOT_REQUEST_RETRIES": "2",
                    "BMS_IOT_OFFLINE_AFTER_FAILURES": "3",
                },
            )
            with httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
            ) as http:
                deadline = time.monotonic() + 60
                expected = len(config.devices) + len(config.routers)  # a router is a device too
                while len(http.post("/discover", json={}).json()["devices"]) < expected:
                    if time.monotonic() > deadline:
                        raise RuntimeError("not every quirky device was discovered")
                    time.sleep(0.5)
                refs = {
                    d.instance: [f"{d.instance}/{o.type},{o.instance}" for o in d.objects]
                    for d in config.devices
                }
                every = [r for rs in refs.values() for r in rs]

                def read(points: list[str]) -> int:
                    results = http.post("/points/read", json={"points": points}).json()["results"]
                    return sum(r["value"]["quality"] == "ok" for r in results)

                read(every)  # warm-up: every device's RPM support is learnt
                per_device = {}
                names = [
                    *("+".join(q) or "clean" for q in FIELD_QUIRKS),
                    *(
                        "behind-router+" + "+".join(q) if q else "behind-router"
                        for q in BEHIND_ROUTER_QUIRKS
                    ),
                ]
                for (instance, points), name in zip(refs.items(), names, strict=True):
                    before = requests_sent(http)
                    started = time.perf_counter()
                    ok = read(points)
                    per_device[f"{instance} {name}"] = {
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "points": len(points),
                        "ok": ok,
                        "requests": requests_sent(http) - before,
                    }
                before = requests_sent(http)
                done = sweeps = 0
                started = time.perf_counter()
                while time.perf_counter() - started < seconds:
                    done += read(every)
                    sweeps += 1
                elapsed = time.perf_counter() - started
                requests = requests_sent(http) - before
        finally:
            for process in (service, sim):
                if process is not None:
                    process.terminate()
                    process.wait(10)
    return {
        "points_per_s": round(done / elapsed, 1),
        "points": len(every),
        "requests_per_point": round(requests / max(1, sweeps * len(every)), 3),
        "per_device": per_device,
    }


async def cov_latency(url: str, devices: int, samples: int) -> dict[str, float]:
    from bacpypes3.pdu import Address
    from bacpypes3.primitivedata import ObjectIdentifier

    watched = [f"{1001 + d}/analog-value,2/present-value" for d in range(devices)]
    headers = {"Authorization": f"Bearer {TOKEN}"}
    app = raw_app(LATENCY_CLIENT, 4_194_102)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=None) as http:
        sub = (await http.post("/subscriptions", json={"points": watched})).json()["id"]
        arrivals: asyncio.Queue[tuple[str, Any, float]] = asyncio.Queue()
        connected = asyncio.Event()

        async def listen() -> None:
            async with http.stream("GET", "/stream", params={"subscription": sub}) as stream:
                async for line in stream.aiter_lines():
                    if line.startswith(": connected"):
                        connected.set()
                    elif line.startswith("data: "):
                        event = json.loads(line.removeprefix("data: "))
                        arrivals.put_nowait(
                            (event["point"], event["value"]["value"], time.perf_counter())
                        )

        listener = asyncio.create_task(listen())
        await asyncio.wait_for(connected.wait(), 10)
        try:
            for n in range(samples):
                device = n % devices
                point = watched[device]
                value = 50.0 + n * 0.5
                sent = time.perf_counter()
                await app.write_property(
                    Address(device_address(1001 + device)),
                    ObjectIdentifier("analog-value,2"),
                    "present-value",
                    value,
                    priority=16,
                )
                while True:
                    got_point, got_value, at = await asyncio.wait_for(arrivals.get(), 5)
                    if got_point == point and got_value == value:
                        latencies.append((at - sent) * 1000)
                        break
        finally:
            listener.cancel()
            app.close()
    latencies.sort()
    return {
        "p50": round(statistics.median(latencies), 2),
        "p99": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
        "samples": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=10)
    parser.add_argument("--points", type=int, default=100, help="points per device")
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--cov-samples", type=int, default=200)
    parser.add_argument(
        "--quirky-points", type=int, default=20, help="points per quirky field device"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    pts = points(args.devices, args.points)
    sim = subprocess.Popen(
        [
            sys.executable, "-m", "iot_supervisor", "simulate",
            "--grid", f"{args.devices}x{args.points}", "--ip-prefix", IP, "--port", str(DEVICE_PORT),
        ],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    service: subprocess.Popen[bytes] | None = None
    try:
        log(f"{len(pts)} points on {args.devices} simulated devices")
        raw = asyncio.run(_retrying(lambda: raw_bacpypes3(pts, args.seconds)))
        log(f"raw bacpypes3: {raw:.0f} points/s")
        bac0_rate = asyncio.run(bac0(pts, args.seconds))
        log(f"BAC0: {bac0_rate:.0f} points/s" if bac0_rate else "BAC0: not measured")
        with tempfile.TemporaryDirectory() as data:
            service, url = start_service(Path(data))
            with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as m:
                before = requests_sent(m)
                svc = service_read(url, pts, args.seconds)
                clean_requests = requests_sent(m) - before
            clean_per_point = clean_requests / max(1, svc * args.seconds)
            log(f"service: {svc:.0f} points/s ({svc / raw:.0%} of raw bacpypes3)")
            latency = asyncio.run(cov_latency(url, args.devices, args.cov_samples))
            log(f"COV to SSE: p50 {latency['p50']} ms, p99 {latency['p99']} ms")
    finally:
        for process in (service, sim):
            if process is not None:
                process.terminate()
                process.wait(10)
    log("quirky building: 10 field devices, and 2 behind a BACnet router")
    quirky = quirky_building(args.quirky_points, args.seconds)
    log(
        f"quirky building: {quirky['points_per_s']:.0f} points/s beside {svc:.0f} clean; "
        f"{quirky['requests_per_point']} requests per point beside {clean_per_point:.3f}"
    )
    for name, figures in quirky["per_device"].items():
        log(
            f"  {name:38} {figures['ms']:8.1f} ms  {figures['requests']:4d} requests  "
            f"{figures['ok']}/{figures['points']} ok"
        )
    result = {
        "service_points_per_s": round(svc, 1),
        "raw_bacpypes3_points_per_s": round(raw, 1),
        "bac0_points_per_s": round(bac0_rate, 1) if bac0_rate else None,
        "cov_sse_latency_ms": {"p50": latency["p50"], "p99": latency["p99"]},
        "service_vs_raw": round(svc / raw, 3),
        "points": len(pts),
        "devices": args.devices,
        "clean_requests_per_point": round(clean_per_point, 3),
        "quirky_building": quirky,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")


async def _retrying(make: Any) -> float:
    """Retry until the simulator process has bound its devices (bounded by a deadline)."""
    from bacpypes3.apdu import ErrorRejectAbortNack  # type: ignore[import-untyped]

    deadline = time.monotonic() + 30
    while True:
        try:
            return float(await asyncio.wait_for(make(), 120))
        # ErrorRejectAbortNack is a BaseException (research pitfall 3), so it is named here.
        except (TimeoutError, OSError, ErrorRejectAbortNack) as err:
            if time.monotonic() > deadline:
                raise RuntimeError("the simulator did not answer") from err
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    main()
