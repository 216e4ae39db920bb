"""Soak the real processes: simulated devices, the IoT service and the engine, for a while.

Starts `iot-supervisor simulate` (20 zones whose temperatures follow a sine),
`iot-supervisor serve` and `headless-engine start` on loopback, deploys a
signed bundle with a PI loop per zone at 1 s, then samples the engine every
``--sample`` seconds for ``--minutes`` and reports:

- drift: ticks counted by the engine minus ticks the wall clock says were due
  since the first one (0 means none gained or lost);
- lateness: the engine's p99 and max tick lateness;
- RSS growth of the engine process from the first sample after warm-up to the last;
- errors: tick errors, faulted nodes, refused and failed writes, stream reconnects.

    uv run python bench/soak.py                  # 10 minutes
    uv run python bench/soak.py --minutes 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

BIN = Path(sys.executable).parent
ZONES = 20
IOT_TOKEN = "soak-iot-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def simulator_config() -> dict[str, Any]:
    objects = []
    for z in range(ZONES):
        objects.append({"type": "analog-value", "instance": z, "name": f"ZN{z}-T", "value": 23.0,
                        "units": "degrees-celsius", "covIncrement": 0.05,
                        "script": {"kind": "sine", "amplitude": 1.5, "periodS": 120 + 7 * z}})  # fmt: skip
        objects.append(
            {
                "type": "analog-output",
                "instance": z,
                "name": f"ZN{z}-DMPR",
                "value": 0.0,
                "units": "percent",
            }
        )
    return {
        "tickS": 1.0,
        "devices": [
            {"instance": 3100, "address": "127.0.220.2/8:48110", "name": "soak", "objects": objects}
        ],
    }


def bundle(key: Path) -> dict[str, Any]:
    from supervisor_engine import bundle_document, load_private_key, sign_document
    from supervisor_engine.testing import GraphBuilder, make_bundle

    g = GraphBuilder(flow="zones", period_ms=1000)
    for z in range(ZONES):
        t = g.node("io.point-input", f"t{z}", point=f"3100/analog-value,{z}", staleAfterS=60)
        sp = g.node("io.parameter", f"sp{z}", value=22.5, min=18, max=26)
        pid = g.node("control.pid", f"pid{z}", kp=20.0, tiS=300, action="direct")
        out = g.node(
            "io.point-output", f"d{z}", point=f"3100/analog-output,{z}", priority=10, deadband=1.0
        )
        g.wire(t, "value", pid, "pv").wire(sp, "out", pid, "setpoint").wire(
            pid, "out", out, "value"
        )
    return sign_document(bundle_document(make_bundle(g.build())), load_private_key(key))


def soak(minutes: float, sample_s: float, warmup_s: float) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BMS_")}
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        root = Path(tmp)
        (root / "sim.json").write_text(json.dumps(simulator_config()))
        subprocess.run([str(BIN / "supervisor-engine"), "keygen", "--private", str(root / "k"),
                        "--public", str(root / "k.pub")], check=True, capture_output=True)  # fmt: skip
        iot_port, engine_port = free_port(), free_port()
        iot = httpx.Client(
            base_url=f"http://127.0.0.1:{iot_port}",
            headers={"authorization": f"Bearer {IOT_TOKEN}"},
        )
        try:
            procs.append(subprocess.Popen([str(BIN / "iot-supervisor"), "simulate", str(root / "sim.json")],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            iot_env = env | {
                "BMS_IOT_DATA_DIR": str(root / "iot"), "BMS_IOT_TOKEN": IOT_TOKEN, "BMS_IOT_HTTP_PORT": str(iot_port),
                "BMS_IOT_BACNET_ADDRESS": "127.0.220.1/8:48111", "BMS_IOT_BROADCAST_ADDRESS": "127.255.255.255:48110",
                "BMS_IOT_DISCOVERY_MODE": "directed-broadcast", "BMS_IOT_DISCOVER_ON_START": "true",
            }  # fmt: skip
            procs.append(subprocess.Popen([str(BIN / "iot-supervisor"), "serve"], env=iot_env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            wait(lambda: iot.get("/health").status_code == 200, 60, "the IoT service")
            # the simulator may have bound its sockets after the service's first Who-Is
            wait(lambda: iot.get("/devices").json() or iot.post("/discover", json={}, timeout=30).json()["devices"],
                 60, "the IoT service to discover the simulator")  # fmt: skip
            engine = subprocess.Popen(
                [str(BIN / "headless-engine"), "start", "--state-dir", str(root / "engine"),
                 "--iot-url", f"http://127.0.0.1:{iot_port}",
                 "--port", str(engine_port), "--trusted-key", str(root / "k.pub")],
                env=env | {"BMS_ENGINE_IOT_TOKEN": IOT_TOKEN}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            procs.append(engine)
            url = f"http://127.0.0.1:{engine_port}"
            wait(
                lambda: httpx.get(f"{url}/engine/health", timeout=2).json()["ready"],
                60,
                "the engine",
            )
            token = (root / "engine" / "token").read_text().strip()
            api = httpx.Client(
                base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=10
            )
            api.post("/engine/deploy", json={"bundle": bundle(root / "k")}).raise_for_status()
            time.sleep(warmup_s)
            first = api.get("/engine/status").json()
            t0, ticks0, rss0 = time.monotonic(), first["flows"][0]["ticks"], rss_mb(engine.pid)
            samples = []
            end = t0 + minutes * 60
            while time.monotonic() < end:
                time.sleep(min(sample_s, max(0.0, end - time.monotonic())))
                status = api.get("/engine/status").json()
                flow = status["flows"][0]
                elapsed = time.monotonic() - t0
                samples.append({
                    "elapsed_s": round(elapsed, 1), "drift_ticks": flow["ticks"] - ticks0 - round(elapsed),
                    "p99_ms": flow["latenessP99Ms"], "max_ms": flow["maxLatenessMs"],
                    "rss_mb": round(rss_mb(engine.pid), 1), "faults": len(status["faults"]),
                    "refused": status["iot"]["writesRefused"], "failed": status["iot"]["writesFailed"],
                    "reconnects": status["iot"]["reconnects"], "errors": flow["errors"],
                    "connected": status["iot"]["connected"],
                })  # fmt: skip
            api.close()
        finally:
            iot.close()
            for proc in reversed(procs):
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
    last = samples[-1]
    return {
        "minutes": minutes,
        "drift_ticks": last["drift_ticks"],
        "max_abs_drift_ticks": max(abs(s["drift_ticks"]) for s in samples),
        "lateness_ms": {"p99": last["p99_ms"], "max": last["max_ms"]},
        "rss_mb": {
            "start": round(rss0, 1),
            "end": last["rss_mb"],
            "growth": round(last["rss_mb"] - rss0, 1),
        },
        "errors": {k: last[k] for k in ("errors", "faults", "refused", "failed", "reconnects")},
        "iot_connected_at_end": last["connected"],
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = soak(args.minutes, min(args.sample, args.minutes * 60), args.warmup)
    if args.json:
        print(json.dumps(report))
        return
    print(
        f"{'elapsed s':>9} {'drift':>5} {'p99 ms':>7} {'max ms':>7} {'RSS MB':>7} {'faults':>6} {'refused':>7} {'reconn':>6}"
    )
    for s in report["samples"]:
        print(f"{s['elapsed_s']:>9} {s['drift_ticks']:>5} {s['p99_ms']:>7.2f} {s['max_ms']:>7.2f} {s['rss_mb']:>7.1f} "
              f"{s['faults']:>6} {s['refused']:>7} {s['reconnects']:>6}")  # fmt: skip
    summary = {k: v for k, v in report.items() if k != "samples"}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
