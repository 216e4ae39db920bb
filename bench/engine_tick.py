"""Tick lateness and CPU share of a real engine process.

For 1,000 and 10,000 blocks at 100 ms and 1 s periods, this starts a
`headless-engine` process (its IoT service away: the generated flows make
their own changing values, see ``graphs.py``), deploys a signed bundle, lets
it settle, then measures for ``--duration`` seconds of real time: how late
each tick started (from the engine's own tick events, read over its SSE
stream), and the process's CPU time over wall time (1.0 = one core).

    uv run python bench/engine_tick.py                 # a table; about 4.5 minutes
    uv run python bench/engine_tick.py --json --duration 60
    uv run python bench/engine_tick.py --with-services --blocks 1000

``--with-services`` runs the engine among the other services, as deployed: a BACnet
simulator (10 devices x 100 points), the IoT service it is connected to, and the
Designer, all on the same cores (see ``footprint.py``); besides the tick listener, a
second stream client follows every node's values (as the Designer's live view does).
The JSON keeps its shape; each entry says ``"services": true``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graphs import realistic_graph

BIN = Path(sys.executable).parent
CONFIGS = ((1_000, 100), (1_000, 1_000), (10_000, 100), (10_000, 1_000))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def signed_bundle(blocks: int, period_ms: int, key_path: Path) -> dict[str, Any]:
    from supervisor_engine import bundle_document, load_private_key, sign_document
    from supervisor_engine.testing import make_bundle

    graph = realistic_graph(blocks, sources="internal", period_ms=period_ms)
    return sign_document(bundle_document(make_bundle(graph)), load_private_key(key_path))


class TickListener:
    """Collects (arrival time, lateness ms) of every tick event from the engine's stream."""

    def __init__(self, url: str, token: str) -> None:
        self.samples: list[tuple[float, float]] = []
        self._client = httpx.Client(
            base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=None
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._client.stream("GET", "/engine/stream", params={"kinds": "tick"}) as response:
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data: ") and "latenessMs" in line:
                        event = json.loads(line[6:])
                        self.samples.append((time.monotonic(), float(event["latenessMs"])))
        except httpx.HTTPError:
            return

    def close(self) -> None:
        self._stop.set()
        self._client.close()


class ValuesListener(TickListener):
    """A stream client following every node's values, as the Designer's live view does."""

    def _run(self) -> None:
        try:
            with self._client.stream(
                "GET", "/engine/stream", params={"kinds": "values"}
            ) as response:
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data: "):
                        json.loads(line[6:])
        except httpx.HTTPError:
            return


def measure_with_services(
    blocks: int, period_ms: int, duration: float, settle: float
) -> dict[str, Any]:
    from footprint import Services

    with tempfile.TemporaryDirectory(prefix="bench-tick-services-") as tmp:
        root = Path(tmp)
        subprocess.run(
            [str(BIN / "supervisor-engine"), "keygen", "--private", str(root / "k"), "--public", str(root / "k.pub")],
            check=True, capture_output=True,
        )  # fmt: skip
        services = Services(root, 10, 100, full=True, public_key=root / "k.pub")
        try:
            url, token = services.engine_url, services.engine_token
            headers = {"authorization": f"Bearer {token}"}
            response = httpx.post(
                f"{url}/engine/deploy", json={"bundle": signed_bundle(blocks, period_ms, root / "k")},
                headers=headers, timeout=120,
            )  # fmt: skip
            response.raise_for_status()
            listener, values = TickListener(url, token), ValuesListener(url, token)
            engine = services.children["engine"].proc
            assert engine is not None
            time.sleep(settle)
            began, cpu_began = time.monotonic(), cpu_seconds(engine.pid)
            time.sleep(duration)
            ended, cpu_ended = time.monotonic(), cpu_seconds(engine.pid)
            listener.close()
            values.close()
            status = httpx.get(f"{url}/engine/status", headers=headers, timeout=10).json()
        finally:
            services.close()
    return {
        **_figures(blocks, period_ms, listener, began, ended, cpu_began, cpu_ended, status),
        "services": True,
    }


def measure(blocks: int, period_ms: int, duration: float, settle: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-tick-") as tmp:
        root = Path(tmp)
        subprocess.run(
            [str(BIN / "supervisor-engine"), "keygen", "--private", str(root / "k"), "--public", str(root / "k.pub")],
            check=True, capture_output=True,
        )  # fmt: skip
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BMS_")}
        engine = subprocess.Popen(
            [str(BIN / "headless-engine"), "start", "--state-dir", str(root / "engine"),
             "--iot-url", "http://127.0.0.1:9", "--port", str(port), "--trusted-key", str(root / "k.pub")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/engine/health", timeout=1).status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the engine did not start")
                time.sleep(0.2)
            token = (root / "engine" / "token").read_text().strip()
            headers = {"authorization": f"Bearer {token}"}
            response = httpx.post(
                f"{url}/engine/deploy", json={"bundle": signed_bundle(blocks, period_ms, root / "k")},
                headers=headers, timeout=120,
            )  # fmt: skip
            response.raise_for_status()
            listener = TickListener(url, token)
            time.sleep(settle)  # let the first ticks and the first state save pass
            began, cpu_began = time.monotonic(), cpu_seconds(engine.pid)
            time.sleep(duration)
            ended, cpu_ended = time.monotonic(), cpu_seconds(engine.pid)
            listener.close()
            status = httpx.get(f"{url}/engine/status", headers=headers, timeout=10).json()
        finally:
            engine.send_signal(signal.SIGINT)
            try:
                engine.wait(30)
            except subprocess.TimeoutExpired:
                engine.kill()
    return _figures(blocks, period_ms, listener, began, ended, cpu_began, cpu_ended, status)


def _figures(
    blocks: int,
    period_ms: int,
    listener: TickListener,
    began: float,
    ended: float,
    cpu_began: float,
    cpu_ended: float,
    status: dict[str, Any],
) -> dict[str, Any]:
    lateness = sorted(ms for at, ms in listener.samples if began <= at <= ended)
    if len(lateness) < 2:
        raise RuntimeError(f"only {len(lateness)} tick events in the window")
    cuts = statistics.quantiles(lateness, n=100, method="inclusive")
    flow = status["flows"][0]
    return {
        "blocks": blocks,
        "period_ms": period_ms,
        "ticks": len(lateness),
        "lateness_ms": {
            "p50": round(cuts[49], 3),
            "p99": round(cuts[98], 3),
            "max": round(lateness[-1], 3),
        },
        "cpu_share": round((cpu_ended - cpu_began) / (ended - began), 3),
        "overruns": flow["overruns"],
        "missed": flow["missed"],
        "last_tick_ms": round(flow["lastDurationMs"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--duration", type=float, default=60.0, help="seconds measured per configuration"
    )
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--blocks", type=int, nargs="*", help="only these sizes")
    parser.add_argument("--periods", type=int, nargs="*", help="only these periods (ms)")
    parser.add_argument(
        "--with-services", action="store_true", help="run among the IoT service and the Designer"
    )
    args = parser.parse_args()
    configs = [
        c
        for c in CONFIGS
        if (not args.blocks or c[0] in args.blocks) and (not args.periods or c[1] in args.periods)
    ]
    run = measure_with_services if args.with_services else measure
    results = [run(blocks, period, args.duration, args.settle) for blocks, period in configs]
    if args.json:
        print(json.dumps({"results": results}))
        return
    print(f"{'blocks':>7} {'period':>7} {'ticks':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'CPU':>6} {'tick ms':>8} {'overruns':>8} {'missed':>6}")  # fmt: skip
    for r in results:
        late = r["lateness_ms"]
        print(f"{r['blocks']:>7} {r['period_ms']:>5}ms {r['ticks']:>6} {late['p50']:>8.2f} {late['p99']:>8.2f} "
              f"{late['max']:>8.2f} {r['cpu_share']:>6.2f} {r['last_tick_ms']:>8.2f} {r['overruns']:>8} {r['missed']:>6}")  # fmt: skip


if __name__ == "__main__":
    main()
