"""A soak test on virtual time: 24 simulated hours of a realistic bundle, with the IoT service
going away twice, in well under a minute of real time.

The whole engine runs on a fast-forwarding event loop (looptime): scheduler, I/O adapter,
backoff timers and the service stand-in all share its virtual clock, in the right order.

A stand-in for the IoT service is needed here, and only here: the real service talks
BACnet over UDP with real timeouts and cannot run on virtual time. The stand-in speaks the
same HTTP API (subscriptions, an SSE stream with keep-alives, batch read, batch write) over
httpx's in-process transport, and its "building" is a first-order thermal model, so commands
have consequences. The real service is exercised by test_e2e.py.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import looptime
import pytest

from bms_schemas import Quality
from headless_engine.events import EventHub
from headless_engine.runtime import EngineRuntime
from headless_engine.store import StateStore
from supervisor_engine import bundle_document, default_registry
from supervisor_engine.clock import LoopClock
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings
from supervisor_engine.testing import GraphBuilder, make_bundle

ZONES = 8
HOUR = 3600.0
OUTAGES = ((6 * HOUR, 6.5 * HOUR), (15 * HOUR, 17 * HOUR))
BACKOFF_MAX_S = 20.0


def zone(i: int, kind: str) -> str:
    return f"3000/analog-value,{i * 10 + {'temp': 1, 'damper': 2}[kind]}/present-value"


def soak_bundle() -> dict[str, Any]:
    """Per zone: temperature -> filter -> PI loop -> limited damper command, plus an alarm."""
    g = GraphBuilder(flow="zones", period_ms=1000)
    for i in range(ZONES):
        t = g.node("io.point-input", f"t{i}", point=zone(i, "temp"), staleAfterS=120)
        f = g.node("math.filter", f"f{i}", tauS=30)
        sp = g.node("io.parameter", f"sp{i}", value=22.0, min=15, max=28)
        pid = g.node("control.pid", f"pid{i}", kp=20.0, tiS=900, action="direct")
        alarm = g.node("alarm.limit", f"hi{i}", highLimit=27.0, lowLimit=15.0, deadband=0.5)
        out = g.node("io.point-output", f"d{i}", point=zone(i, "damper"), priority=10, deadband=0.5)
        g.wire(t, "value", f, "in").wire(f, "out", pid, "pv").wire(sp, "out", pid, "setpoint")
        g.wire(pid, "out", out, "value").wire(t, "value", alarm, "in")
    return bundle_document(make_bundle(g.build(), version="1.0.0"))


class ServiceStandIn:
    """The IoT service's HTTP API over a thermal model; it can be taken away and brought back."""

    def __init__(self, clock: LoopClock) -> None:
        self.clock = clock
        self.up = True
        self.temps = {zone(i, "temp"): 24.0 + i * 0.25 for i in range(ZONES)}
        self.dampers = {zone(i, "damper"): 0.0 for i in range(ZONES)}
        self.writes = 0
        self.streams = 0

    def step(self, dt: float, outdoor_gain: float) -> None:
        for i in range(ZONES):
            t = zone(i, "temp")
            cooling = self.dampers[zone(i, "damper")] / 100 * 6.0
            # first-order zone: drifts towards 26 + gains, cooled by its damper, tau 20 min
            self.temps[t] += (26.0 + outdoor_gain - cooling - self.temps[t]) * dt / 1200

    def value(self, point: str, value: float) -> dict[str, Any]:
        return {
            "value": value,
            "quality": "ok",
            "timestamp": self.clock.now().isoformat(),
            "units": None,
        }

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError(
                "connection refused (service stand-in is down)", request=request
            )
        path = request.url.path
        if path == "/subscriptions" and request.method == "POST":
            return httpx.Response(
                201, json={"id": "s1", "points": [], "createdAt": "2025-01-01T00:00:00Z"}
            )
        if path.startswith("/subscriptions/"):
            return httpx.Response(204)
        if path == "/stream":
            self.streams += 1
            return httpx.Response(200, stream=_Stream(self))
        if path == "/points/read":
            points = json.loads(request.content)["points"]
            results = [
                {"point": p, "value": self.value(p, self.temps.get(p, self.dampers.get(p, 0.0)))}
                for p in points
            ]
            return httpx.Response(200, json={"results": results})
        if path == "/points/write":
            results = []
            for w in json.loads(request.content)["writes"]:
                if w["value"] is not None:
                    self.dampers[w["point"]] = float(w["value"])
                self.writes += 1
                results.append(
                    {
                        "point": w["point"],
                        "ok": True,
                        "priority": w["priority"],
                        "value": w["value"],
                    }
                )
            return httpx.Response(200, json={"results": results})
        return httpx.Response(404, json={"code": "not_found", "message": path})


class _Stream(httpx.AsyncByteStream):
    """The SSE stream: keep-alives every 10 s; it breaks when the service goes away."""

    def __init__(self, service: ServiceStandIn) -> None:
        self.service = service

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        while self.service.up:
            await asyncio.sleep(10)
            if self.service.up:
                yield b": keep-alive\n\n"
        raise httpx.ReadError("stream broke: service went away")


@pytest.mark.timeout(300)
def test_24_simulated_hours_with_outages_no_drift_no_growth_bounded_backoff(tmp_path: Path):
    loop = looptime.new_event_loop(start=0.0, noop_cycles=10)
    try:
        report = loop.run_until_complete(_soak(tmp_path))
    finally:
        loop.close()
    _ticks, stats, adapter, sizes, service, qualities, runtime = report
    # no drift: exactly one tick per second for 24 h, none late, none missed
    assert stats.ticks == 24 * 3600 + 1
    assert (stats.overruns, stats.missed, stats.errors) == (0, 0, 0)
    assert stats.max_lateness_s == pytest.approx(0.0, abs=1e-6)
    # the outages were seen and survived, and every backoff stayed under its cap
    assert adapter.status.reconnects >= 2
    assert 0 < adapter.status.max_backoff_s <= BACKOFF_MAX_S
    assert service.streams >= 3
    # inputs went stale during the long outage and came back
    assert qualities["during"] == Quality.STALE
    assert qualities["after"] == Quality.OK
    # no growth: objects, pending writes and caches are the same size at hour 2 and hour 24
    (early_objects, early_pending, early_cache), (late_objects, late_pending, late_cache) = sizes
    assert late_pending <= ZONES
    assert early_pending <= ZONES
    assert late_cache == early_cache == ZONES
    assert late_objects - early_objects < 2000, (early_objects, late_objects)
    assert len(runtime.adapter.status.refusals) == 0
    # the loops kept control: every zone near its setpoint at the end
    for i in range(ZONES):
        assert service.temps[zone(i, "temp")] == pytest.approx(22.0, abs=0.6)


async def _soak(tmp_path: Path) -> tuple[Any, ...]:
    clock = LoopClock(wall_start=datetime(2025, 1, 6, tzinfo=UTC))
    service = ServiceStandIn(clock)
    adapter = HttpIoAdapter(
        IotClientSettings(
            base_url="http://iot.invalid",
            poll_interval_s=30,
            backoff_max_s=BACKOFF_MAX_S,
            stream_idle_s=45,
            write_min_interval_s=1.0,
        ),
        clock,
        transport=httpx.MockTransport(service.handle),
        rng=random.Random(7),
    )
    runtime = EngineRuntime(
        store=StateStore(tmp_path / "engine"), adapter=adapter, clock=clock,
        registry=default_registry(), hub=EventHub(), trusted_keys=list, allow_unsigned=True,
        state_save_interval_s=HOUR,
    )  # fmt: skip
    runtime.boot()
    runtime.deploy(soak_bundle(), "soak")
    stop = asyncio.Event()
    engine = asyncio.create_task(runtime.run(stop))
    sizes: list[tuple[int, int, int]] = []
    qualities: dict[str, Quality] = {}
    start = loop_time = asyncio.get_running_loop().time()
    elapsed = 0.0
    while elapsed < 24 * HOUR:
        await asyncio.sleep(10)
        elapsed = asyncio.get_running_loop().time() - start
        service.step(10, outdoor_gain=2.0 if 10 * HOUR < elapsed % (24 * HOUR) < 18 * HOUR else 0.0)
        service.up = not any(a <= elapsed < b for a, b in OUTAGES)
        if abs(elapsed - 16.5 * HOUR) < 5:
            qualities["during"] = runtime.active.program.flows["zones"].output("t0", "value")[1]
        if abs(elapsed - 20 * HOUR) < 5:
            qualities["after"] = runtime.active.program.flows["zones"].output("t0", "value")[1]
        if abs(elapsed - 2 * HOUR) < 5 or abs(elapsed - 23.9 * HOUR) < 5:
            gc.collect()
            sizes.append((len(gc.get_objects()), adapter.pending_writes, len(adapter.snapshot())))
    await asyncio.sleep(0.5)  # the tick at exactly 24 h
    stats = runtime.scheduler.stats("zones")
    stop.set()
    await engine
    await adapter.aclose()
    del loop_time
    return stats.ticks, stats, adapter, sizes, service, qualities, runtime
