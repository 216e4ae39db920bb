"""Memory footprint: RSS of the three services, and one IoT service holding 10,000 points.

1. ``stack``: a BACnet simulator (10 devices x 100 analog values), the IoT service,
   the headless engine running a bundle bound to 1,000 of those points (500 read, 500
   commanded, one gain block between each pair) and the Designer. After the engine has
   read and commanded every point and ticked for ``--settle`` seconds, the RSS of the
   three services is read from /proc (the simulator is a separate process and not
   counted).
2. ``iot10k``: a simulator with 100 devices x 100 analog values and one IoT service
   that discovers them and subscribes to all 10,000 points; its RSS, the discovery time
   and the time of one batch read of every point are printed.

    uv run python bench/footprint.py            # a table
    uv run python bench/footprint.py --json     # {"stack": {...}, "iot10k": {...}}

Addresses: 127.18.0.x and 127.18.1.x, BACnet ports 41820-41821 (issue 18's range).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bms_service.testing import ChildProcess, clean_env, free_port, wait_for
from supervisor_engine import bundle_document, generate_key, public_key_pem, sign_document
from supervisor_engine.testing import GraphBuilder, make_bundle

BIN = Path(sys.executable).parent
TOKEN = "footprint-token"
SIM_PORT = 41820


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        / 1024
    )


def simulator(devices: int, objects: int) -> dict[str, Any]:
    return {
        "tickS": 5.0,
        "devices": [
            {
                "instance": 4000 + d,
                "address": f"127.18.{1 + d // 250}.{1 + d % 250}/8:{SIM_PORT}",
                "name": f"ahu-{d}",
                "objects": [
                    {
                        "type": "analog-value",
                        "instance": i,
                        "name": f"AV{i}",
                        "value": 20.0 + i % 5,
                        "units": "degrees-celsius",
                        "commandable": True,
                    }
                    for i in range(1, objects + 1)
                ],
            }
            for d in range(devices)
        ],
    }


class Services:
    """Simulator and IoT service (and, with ``full``, engine and Designer) in a temp dir."""

    def __init__(
        self, tmp: Path, devices: int, objects: int, *, full: bool, public_key: Path | None = None
    ) -> None:
        self.children: dict[str, ChildProcess] = {}
        try:
            self._start(tmp, devices, objects, full, public_key)
        except BaseException:
            self.close()
            for log in sorted(tmp.glob("*.log")):  # say why, before the temp dir goes
                tail = log.read_text(errors="replace").splitlines()[-5:]
                print(f"--- {log.name}", *tail, sep="\n", file=sys.stderr)
            raise

    def _start(
        self, tmp: Path, devices: int, objects: int, full: bool, public_key: Path | None
    ) -> None:
        (tmp / "sim.json").write_text(json.dumps(simulator(devices, objects)))
        self.children["simulator"] = ChildProcess(
            [str(BIN / "iot-supervisor"), "simulate", str(tmp / "sim.json")],
            clean_env(),
            tmp / "sim.log",
        )
        iot_port = free_port()
        self.iot_url = f"http://127.0.0.1:{iot_port}"
        (tmp / "iot-token").write_text(TOKEN)
        env = clean_env(
            BMS_IOT_DATA_DIR=str(tmp / "iot"), BMS_IOT_TOKEN=TOKEN, BMS_IOT_HTTP_PORT=str(iot_port),
            BMS_IOT_BACNET_ADDRESS=f"127.18.0.250/8:{SIM_PORT + 1}",
            BMS_IOT_BROADCAST_ADDRESS=f"127.255.255.255:{SIM_PORT}",
            BMS_IOT_DISCOVERY_MODE="directed-broadcast", BMS_IOT_DISCOVER_ON_START="true",
            BMS_IOT_REQUEST_TIMEOUT_S="5",  # a busy machine answers late; not "offline"
        )  # fmt: skip
        began = time.monotonic()
        self.children["iot-service"] = ChildProcess(
            [str(BIN / "iot-supervisor"), "serve"], env, tmp / "iot.log"
        )
        self.iot = httpx.Client(
            base_url=self.iot_url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=300
        )

        def discovered() -> bool:
            found = len(self.iot.get("/devices").json())
            if found < devices:
                self.iot.post("/discover", json={})
            return found >= devices

        wait_for(discovered, 120 + 8 * devices, f"the IoT service to discover {devices} devices")
        self.discovery_s = time.monotonic() - began
        if not full:
            return
        assert public_key is not None
        engine_port = free_port()
        self.engine_url = f"http://127.0.0.1:{engine_port}"
        state = tmp / "engine"
        args = [str(BIN / "headless-engine"), "start", "--state-dir", str(state), "--iot-url", self.iot_url,
                "--iot-token-file", str(tmp / "iot-token"), "--port", str(engine_port),
                "--trusted-key", str(public_key)]  # fmt: skip
        self.children["engine"] = ChildProcess(args, clean_env(), tmp / "engine.log")
        wait_for(
            lambda: httpx.get(f"{self.engine_url}/engine/health", timeout=2).json()["ready"],
            60,
            "the engine",
        )
        self.engine_token = (state / "token").read_text().strip()
        designer_port = free_port()
        designer_env = clean_env(
            BMS_DESIGNER_DATA_DIR=str(tmp / "designer"), BMS_DESIGNER_PORT=str(designer_port),
            BMS_DESIGNER_ENGINE_URL=self.engine_url, BMS_DESIGNER_ENGINE_TOKEN_FILE=str(state / "token"),
            BMS_DESIGNER_IOT_URL=self.iot_url, BMS_DESIGNER_IOT_TOKEN_FILE=str(tmp / "iot-token"),
            BMS_DESIGNER_ADMIN_PASSWORD="footprint-admin-password",
        )  # fmt: skip
        self.children["designer"] = ChildProcess(
            [str(BIN / "designer"), "serve"], designer_env, tmp / "designer.log"
        )
        wait_for(
            lambda: (
                httpx.get(f"http://127.0.0.1:{designer_port}/health", timeout=2).status_code == 200
            ),
            60,
            "the Designer",
        )

    def close(self) -> None:
        for child in reversed(list(self.children.values())):
            child.close()


def bound_bundle(devices: int, pairs: int, key: Any) -> dict[str, Any]:
    g = GraphBuilder(flow="points", period_ms=1000)
    for p in range(pairs):
        device, obj = 4000 + p % devices, 1 + p // devices
        src = g.node("io.point-input", f"in{p}", point=f"{device}/analog-value,{obj}")
        gain = g.node("math.gain", f"k{p}", k=1.5)
        out = g.node(
            "io.point-output", f"out{p}", point=f"{device}/analog-value,{obj + 50}", priority=12
        )
        g.wire(src, "value", gain, "in").wire(gain, "out", out, "value")
    return sign_document(bundle_document(make_bundle(g.build())), key)


def stack_footprint(settle: float) -> dict[str, Any]:
    key = generate_key()
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "trusted.pub").write_bytes(public_key_pem(key.public_key()))
        services = Services(tmp, 10, 100, full=True, public_key=tmp / "trusted.pub")
        try:
            engine = httpx.Client(
                base_url=services.engine_url,
                headers={"authorization": f"Bearer {services.engine_token}"},
                timeout=120,
            )
            engine.post(
                "/engine/deploy", json={"bundle": bound_bundle(10, 500, key)}
            ).raise_for_status()

            seen: set[str] = set()

            def commanded() -> set[str]:
                # the newest 1,000 entries may hold repeats (re-asserted commands): accumulate
                entries = services.iot.get("/writes", params={"limit": 1000}).json()["entries"]
                seen.update(e["point"] for e in entries if e["outcome"] == "written")
                return seen

            # every output commanded once, or 5 minutes (a loaded machine): then RSS is read
            # either way, with the number of outputs written beside it
            deadline = time.monotonic() + 300
            while len(commanded()) < 500 and time.monotonic() < deadline:
                time.sleep(2)
            time.sleep(settle)
            written = len(commanded())
            rss = {
                name: round(rss_mb(c.proc.pid), 1)
                for name, c in services.children.items()
                if name != "simulator" and c.proc
            }
            status = engine.get("/engine/status").json()
            engine.close()
        finally:
            services.close()
    return {
        "points": 1000,
        "rss_mb": rss,
        "total_rss_mb": round(sum(rss.values()), 1),
        "outputs_written": written,
        "ticks": status["flows"][0]["ticks"],
    }


def iot_footprint(devices: int, objects: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="footprint-iot-") as tmp_name:
        tmp = Path(tmp_name)
        services = Services(tmp, devices, objects, full=False)
        try:
            points = [
                f"{4000 + d}/analog-value,{i}/present-value"
                for d in range(devices)
                for i in range(1, objects + 1)
            ]
            began = time.monotonic()
            for start in range(0, len(points), 5000):
                services.iot.post(
                    "/subscribe", json={"points": points[start : start + 5000]}
                ).raise_for_status()
            subscribe_s = time.monotonic() - began
            began = time.monotonic()
            values = []
            for start in range(0, len(points), 5000):  # the service reads 5,000 per request
                batch = points[start : start + 5000]
                values += services.iot.post("/points/read", json={"points": batch}).json()[
                    "results"
                ]
            read_s = time.monotonic() - began
            good = sum(1 for r in values if r.get("value") is not None)
            time.sleep(5)
            rss = round(rss_mb(services.children["iot-service"].proc.pid), 1)  # type: ignore[union-attr]
        finally:
            services.close()
    return {
        "devices": devices,
        "points": len(points),
        "discovery_s": round(services.discovery_s, 1),
        "subscribe_s": round(subscribe_s, 1),
        "read_all_s": round(read_s, 2),
        "points_read": good,
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--only", choices=["stack", "iot10k"])
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.only in (None, "stack"):
        results["stack"] = stack_footprint(args.settle)
    if args.only in (None, "iot10k"):
        results["iot10k"] = iot_footprint(100, 100)
    if args.json:
        print(json.dumps(results))
        return
    if "stack" in results:
        s = results["stack"]
        parts = ", ".join(f"{k} {v:.1f}" for k, v in s["rss_mb"].items())
        print(
            f"three services, {s['points']} bound points: {s['total_rss_mb']:.1f} MB RSS ({parts})"
        )
    if "iot10k" in results:
        r = results["iot10k"]
        print(
            f"one IoT service, {r['points']} points over {r['devices']} devices: {r['rss_mb']:.1f} MB RSS; "
            f"discovery {r['discovery_s']} s, subscribe {r['subscribe_s']} s, "
            f"read of every point {r['read_all_s']} s ({r['points_read']} values)"
        )


if __name__ == "__main__":
    main()
