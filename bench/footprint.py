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

Addresses: a block of its own (``NetPlan``: a random 127.A.B. prefix and UDP ports nobody
has bound), so it runs beside a stack on the default ports or another bench.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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
from supervisor_engine.testing_net import NetPlan

BIN = Path(sys.executable).parent
TOKEN = "footprint-token"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (a figure a loaded machine inflates less)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cov_changes(iot: httpx.Client) -> float:
    """Value changes the service has had from COV notifications so far."""
    for line in iot.get("/metrics").text.splitlines():
        if line.startswith('iot_value_changes_total{source="cov"}'):
            return float(line.split()[-1])
    return 0.0


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        / 1024
    )


def simulator(plan: NetPlan, devices: int, objects: int) -> dict[str, Any]:
    return {
        "tickS": 5.0,
        "devices": [
            {
                "instance": 4000 + d,
                "address": f"{plan.host(2 + d)}/8:{plan.device_port}",
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
        self.plan: NetPlan | None = None
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
        plan = NetPlan.allocate()
        self.plan = plan
        (tmp / "sim.json").write_text(json.dumps(simulator(plan, devices, objects)))
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
            BMS_IOT_BACNET_ADDRESS=plan.service_address, BMS_IOT_BROADCAST_ADDRESS=plan.broadcast,
            BMS_IOT_DISCOVERY_MODE="directed-broadcast",
            BMS_IOT_REQUEST_TIMEOUT_S="5",  # a busy machine answers late; not "offline"
        )  # fmt: skip
        self.children["iot-service"] = ChildProcess(
            [str(BIN / "iot-supervisor"), "serve"], env, tmp / "iot.log"
        )
        self.iot = httpx.Client(
            base_url=self.iot_url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=600
        )
        # The simulator builds its objects first (bacpypes3 takes milliseconds per object):
        # discovery is timed from when every device answers Who-Is, not from the start.
        began = time.monotonic()

        def all_answer() -> bool:
            found = self.iot.post("/discover", json={"describe": False}).json()["devices"]
            return len(found) >= devices

        wait_for(all_answer, 60 + devices * objects / 20, f"the {devices} devices to answer Who-Is")
        self.simulator_start_s = time.monotonic() - began
        pid = self.children["iot-service"].proc.pid  # type: ignore[union-attr]
        cpu_before, began = cpu_seconds(pid), time.monotonic()
        found = self.iot.post("/discover", json={}).json()["devices"]
        self.discovery_s = time.monotonic() - began
        self.discovery_cpu_s = cpu_seconds(pid) - cpu_before
        listed = self.iot.get("/devices").json()
        self.points_described = sum(d["pointCount"] for d in listed)
        self.devices_online = sum(d["status"] == "online" for d in listed)
        if len(found) < devices or self.points_described < devices * objects:
            raise SystemExit(
                f"discovery found {len(found)} of {devices} devices and described "
                f"{self.points_described} of {devices * objects} points"
            )
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
        # Migrated first, as a Designer's database is at every start but the first after an
        # install or upgrade: the server then does not load alembic (a one-off 10 MB).
        subprocess.run(
            [str(BIN / "designer"), "migrate"], env=designer_env, check=True, capture_output=True
        )
        self.children["designer"] = ChildProcess(
            [str(BIN / "designer"), "serve"], designer_env, tmp / "designer.log"
        )
        wait_for(
            lambda: (
                httpx.get(f"http://127.0.0.1:{designer_port}/health", timeout=2).status_code == 200
            ),
            180,  # a loaded machine imports the Designer in tens of seconds
            "the Designer",
        )

    def close(self) -> None:
        for child in reversed(list(self.children.values())):
            child.close()
        if self.plan is not None:
            self.plan.release()


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
            iot = services.iot
            points = [
                f"{4000 + d}/analog-value,{i}/present-value"
                for d in range(devices)
                for i in range(1, objects + 1)
            ]
            began = time.monotonic()
            for start in range(0, len(points), 5000):  # 5,000 points per subscription
                iot.post(
                    "/subscriptions", json={"points": points[start : start + 5000]}
                ).raise_for_status()
            subscribe_s = time.monotonic() - began
            # every point's initial COV notification in (or 5 minutes, then what came is shown)
            deadline = time.monotonic() + 300
            while cov_changes(iot) < len(points) and time.monotonic() < deadline:
                time.sleep(0.5)
            cov_settled_s = time.monotonic() - began
            initial_cov = int(cov_changes(iot))
            began = time.monotonic()
            values = []
            for start in range(0, len(points), 5000):  # the service reads 5,000 per request
                batch = points[start : start + 5000]
                values += iot.post("/points/read", json={"points": batch}).json()["results"]
            read_s = time.monotonic() - began
            good = sum(1 for r in values if r.get("value", {}).get("value") is not None)
            time.sleep(5)
            rss = round(rss_mb(services.children["iot-service"].proc.pid), 1)  # type: ignore[union-attr]
        finally:
            services.close()
    return {
        "devices": devices,
        "points": len(points),
        "simulator_start_s": round(services.simulator_start_s, 1),
        "discovery_s": round(services.discovery_s, 1),
        "discovery_cpu_s": round(services.discovery_cpu_s, 1),
        "points_described": services.points_described,
        "devices_online": services.devices_online,
        "subscribe_s": round(subscribe_s, 2),
        "cov_settled_s": round(cov_settled_s, 1),
        "initial_cov": initial_cov,
        "read_all_s": round(read_s, 2),
        "points_read": good,
        "rss_mb": rss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--only", choices=["stack", "iot10k"])
    parser.add_argument("--devices", type=int, default=100, help="devices of the iot10k run")
    parser.add_argument("--objects", type=int, default=100, help="objects per device (iot10k)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    if args.only in (None, "stack"):
        results["stack"] = stack_footprint(args.settle)
    if args.only in (None, "iot10k"):
        results["iot10k"] = iot_footprint(args.devices, args.objects)
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
            f"one IoT service, {r['points']} points over {r['devices']} devices: "
            f"{r['rss_mb']:.1f} MB RSS\n"
            f"  discovery {r['discovery_s']} s ({r['discovery_cpu_s']} s CPU of the service; "
            f"{r['points_described']} points described, {r['devices_online']} devices online; "
            f"the simulator took {r['simulator_start_s']} s to answer)\n"
            f"  subscribe {r['subscribe_s']} s, every initial COV in {r['cov_settled_s']} s "
            f"({r['initial_cov']} notifications)\n"
            f"  read of every point {r['read_all_s']} s ({r['points_read']} values)"
        )


if __name__ == "__main__":
    main()
