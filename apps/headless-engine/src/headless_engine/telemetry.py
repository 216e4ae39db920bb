"""The engine's MQTT telemetry: alarms, its status and its deployments (docs/mqtt.md).

It is one more client of the engine's event hub, so the scan loop never waits
for it: alarm events go to ``<prefix>/<site>/events/alarm``; every engine event
(boot, start, stop, fault, shutdown, deploy, rollback) to ``engine/events``,
deployments and rollbacks also to ``engine/deployments``; and after each, the
engine's status, retained, to ``engine/status``. Everything goes through the
publisher's on-disk queue, so a broker outage loses none of it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bms_telemetry import MqttSettings
from bms_telemetry.publisher import MqttPublisher

from headless_engine.events import EventHub

PROCESS = "engine"
DEPLOYMENT_EVENTS = frozenset({"deploy", "rollback", "deploy-refused"})


class EngineTelemetry:
    def __init__(self, settings: MqttSettings, hub: EventHub, state_dir: Path) -> None:
        self.hub = hub
        self.publisher = MqttPublisher(settings, PROCESS, state_dir / "mqtt-queue.db")
        self.topics = self.publisher.topics
        self.status: Callable[[], dict[str, Any]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.publisher.start()
        connected = asyncio.Event()
        self._task = asyncio.create_task(self._forward(connected), name="mqtt-engine")
        await connected.wait()

    async def stop(self) -> None:
        if self._task is not None:
            await asyncio.sleep(0)  # let the hub hand over the last events (shutdown)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.publisher.stop()

    async def _forward(self, connected: asyncio.Event) -> None:
        async with self.hub.connect(frozenset({"event", "alarm"})) as queue:
            connected.set()
            while True:
                kind, data = await queue.get()
                self.handle(kind, data)

    def handle(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "alarm":
            self.publisher.publish(self.topics.event("alarm"), data)
            return
        self.publisher.publish(self.topics.engine("events"), data)
        if data.get("event") in DEPLOYMENT_EVENTS:
            self.publisher.publish(self.topics.engine("deployments"), data)
        if self.status is not None:
            self.publisher.publish(self.topics.engine("status"), self.status(), retain=True)


__all__ = ["EngineTelemetry"]
