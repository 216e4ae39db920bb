"""Live values: what a follower gets, on a virtual clock (the engine runtime itself, no HTTP).

The runtime is real (store in a temp dir, the real HTTP adapter pointed at an IoT service
that is away); the scheduler is driven by ``run_until`` on a virtual clock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bms_schemas.engine_events import ValuesEvent
from headless_engine.events import EventHub
from headless_engine.runtime import EngineRuntime, _values
from headless_engine.store import StateStore
from supervisor_engine import VirtualClock, bundle_document, default_registry
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings
from supervisor_engine.testing import GraphBuilder, make_bundle

from .conftest import NO_SERVICE


def clock_bundle() -> dict[str, Any]:
    g = GraphBuilder(flow="clock", period_ms=100)
    on = g.node("io.constant", "on", valueType="bool", value=True)
    elapsed = g.node("timer.elapsed", "elapsed")
    g.wire(on, "value", elapsed, "run")
    pulse = g.node("timer.interval", "pulse", periodS=0.3, widthS=0.1)  # changes between events
    g.node("logic.not", "inverted")
    g.wire(pulse, "out", "inverted", "in")
    g.node("io.constant", "k", value=3.0)
    return bundle_document(make_bundle(g.build(), version="1.0.0"))


def test_values_events_gather_the_changes_between_them_and_lose_none(tmp_path: Path) -> None:
    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        clock = VirtualClock()
        hub = EventHub()
        adapter = HttpIoAdapter(IotClientSettings(base_url=NO_SERVICE), clock)
        runtime = EngineRuntime(
            store=StateStore(tmp_path / "engine"), adapter=adapter, clock=clock,
            registry=default_registry(), hub=hub, trusted_keys=list, allow_unsigned=True,
            values_interval_s=0.45,
        )  # fmt: skip
        runtime.boot()
        runtime.deploy(clock_bundle(), "test")
        async with hub.connect(frozenset({"values"})) as queue:
            first = runtime.values_events()
            runtime.scheduler.run_until(2.0)  # 21 ticks: 0, 0.1, ... 2.0
            events = [queue.get_nowait()[1] for _ in range(queue.qsize())]
        assert runtime.active is not None
        now = _values(runtime.active.program.flows["clock"].outputs())
        await adapter.aclose()
        return first, events, now

    first, events, now = asyncio.run(main())
    assert [set(e["nodes"]) for e in first] == [{"on", "elapsed", "pulse", "inverted", "k"}]
    # one event per 0.45 s at most: at 0, 0.5, 1.0, 1.5 and 2.0 s, not one per tick
    assert len(events) == 5
    merged = dict(first[0]["nodes"])
    for event in events:
        ValuesEvent.model_validate(event)  # the contract, though built without the model
        merged.update(event["nodes"])
    # the follower joined before the first tick: that one set the constant, no later one
    assert ["k" in event["nodes"] for event in events] == [True, False, False, False, False]
    assert merged == now  # the last event brought everything up to date
