"""The IoT service's MQTT telemetry: point values, writes and overrides, optional commands.

What it publishes (docs/mqtt.md):

- every value change of a watched point (the engine's points, and the
  ``mqtt.points`` of the settings, which it watches itself) to
  ``<prefix>/<site>/points/<point>``, retained, with quality and units;
- every entry of the write audit log to ``events/audit`` (written, failed or
  refused, with who and why);
- every operator override (``GET /overrides``) as it starts and as it ends
  (released, taken over, or its duration over) to ``events/override``.

The audit log is tailed from ``runtime.db``, so every entry is published in
the order it was recorded, whichever code path recorded it; the override book
is compared with what was last published on the same beat.

Commands from MQTT (``<prefix>/<site>/commands/<point>``, a JSON body
``{"value": ..., "priority": ..., "reason": ...}``) are off unless
``mqtt.commands`` is set, and then only for ``mqtt.command_points``; they take
the same write path as HTTP writes (validation, interlocks, rate limits, audit),
as caller ``mqtt``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from bms_telemetry import MqttSettings
from bms_telemetry.publisher import MqttPublisher
from prometheus_client import Gauge
from pydantic import ValidationError

from bms_schemas import PointRef, PointRefError
from bms_schemas.iot import SubscriptionRequest, ValueChange, WriteItem, WriteRequest
from iot_supervisor.errors import IotError
from iot_supervisor.normalise import unit_symbol
from iot_supervisor.service import Supervisor

log = logging.getLogger(__name__)

PROCESS = "iot"
AUDIT_POLL_S = 0.2


def value_payload(change: ValueChange) -> dict[str, Any]:
    v = change.value
    return {
        "point": str(change.point), "value": v.value, "quality": v.quality.value,
        "units": v.units, "unitSymbol": unit_symbol(v.units),
        "timestamp": v.timestamp.isoformat(), "source": change.source,
    }  # fmt: skip


class IotTelemetry:
    """Publishes what the IoT service owns; takes MQTT commands when allowed."""

    def __init__(self, settings: MqttSettings, supervisor: Supervisor, data_dir: Path) -> None:
        self.settings = settings
        self.sup = supervisor
        self.publisher = MqttPublisher(settings, PROCESS, data_dir / "mqtt-queue.db")
        self.topics = self.publisher.topics
        self._tasks: list[asyncio.Task[None]] = []
        self._last_audit = 0
        self._overrides: dict[tuple[str, int], dict[str, Any]] = {}
        self._allowed = {str(PointRef.parse(p)) for p in settings.command_points}
        registry = supervisor.metrics.registry
        Gauge("iot_mqtt_queue_depth", "MQTT messages waiting for the broker.", registry=registry
              ).set_function(lambda: self.publisher.depth)  # fmt: skip
        Gauge("iot_mqtt_dropped", "MQTT messages dropped from a full queue.", registry=registry
              ).set_function(lambda: self.publisher.dropped)  # fmt: skip
        Gauge("iot_mqtt_connected", "1 while connected to the broker.", registry=registry
              ).set_function(lambda: float(self.publisher.connected))  # fmt: skip

    async def start(self, points: list[str]) -> None:
        self._last_audit = await asyncio.to_thread(self._max_audit_id)
        self._overrides = self._override_book()  # those that started before: not news
        if self.settings.commands:
            self.publisher.subscribe(self.topics.commands, self._command)
        await self.publisher.start()
        connected = asyncio.Event()
        self._tasks.append(asyncio.create_task(self._values(connected), name="mqtt-values"))
        await connected.wait()
        self._tasks.append(asyncio.create_task(self._audit(), name="mqtt-audit"))
        if points:
            await self.sup.subscribe(
                SubscriptionRequest(points=tuple(PointRef.parse(p) for p in points))
            )

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._publish_audit()  # the last writes, e.g. the engine's relinquishes
        await self.publisher.stop()

    async def _hold(self, sub_id: str) -> None:
        """Keep our own subscription read, so the hub does not end it as idle.

        Its events also reach the all-points client of :meth:`_values`, which
        publishes them; this reader's bounded queue just drops them.
        """
        async with self.sup.hub.connect(sub_id):
            await asyncio.Event().wait()

    async def _values(self, connected: asyncio.Event) -> None:
        async with self.sup.hub.connect(None) as client:
            # Unbounded: a stream client's queue drops its oldest events when a burst (a batch
            # read of many watched points) outruns it; telemetry must not. This loop empties it
            # into the on-disk queue as fast as the event loop lets it.
            client.queue = asyncio.Queue()
            connected.set()
            while True:
                change = await client.queue.get()
                if change is None:  # the service is shutting down: its streams end
                    return
                self.publisher.publish(
                    self.topics.point(str(change.point)), value_payload(change), retain=True
                )

    # -- the audit log --------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.sup.store.path, timeout=10)

    def _max_audit_id(self) -> int:
        with contextlib.closing(self._db()) as db:
            return int(db.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0])

    def _new_audit(self) -> list[tuple[Any, ...]]:
        with contextlib.closing(self._db()) as db:
            return db.execute(
                "SELECT id, at, caller, point, value, priority, outcome, reason, error FROM audit "
                "WHERE id > ? ORDER BY id", (self._last_audit,),
            ).fetchall()  # fmt: skip

    async def _audit(self) -> None:
        while True:
            await asyncio.sleep(AUDIT_POLL_S)
            await self._publish_audit()

    async def _publish_audit(self) -> None:
        await self.sup.store.flush()
        for row in await asyncio.to_thread(self._new_audit):
            entry_id, at, caller, point, value, priority, outcome, reason, error = row
            body = {
                "id": entry_id, "at": at, "caller": caller, "point": point,
                "value": json.loads(value), "priority": priority, "outcome": outcome,
                "reason": reason, "error": error,
            }  # fmt: skip
            self.publisher.publish(self.topics.event("audit"), body)
            self._last_audit = entry_id
        self._publish_overrides()

    def _override_book(self) -> dict[tuple[str, int], dict[str, Any]]:
        return {
            (str(o.point), o.priority): o.model_dump(
                mode="json", by_alias=True, exclude={"remaining_s"}
            )
            for o in self.sup.overrides.active()
        }

    def _publish_overrides(self) -> None:
        now = self._override_book()
        topic = self.topics.event("override")
        for key, before in self._overrides.items():
            if now.get(key) != before:  # released, ended, or taken over by a newer override
                self.publisher.publish(topic, {"event": "ended", **before})
        for key, override in now.items():
            if self._overrides.get(key) != override:
                self.publisher.publish(topic, {"event": "started", **override})
        self._overrides = now

    # -- commands -------------------------------------------------------------------

    async def _command(self, topic: str, payload: bytes) -> None:
        point_text = self.topics.command_point(topic) or topic
        try:
            body = json.loads(payload)
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            point = PointRef.parse(point_text)
            if str(point) not in self._allowed:
                raise PermissionError(f"{point} is not in mqtt.command_points")
            reason = body.get("reason")
            item = WriteItem(
                point=point, value=body.get("value"), priority=body.get("priority"),
                reason=str(reason)[:200] if reason else None,
            )  # fmt: skip
            await self.sup.write(WriteRequest(writes=(item,)), caller="mqtt")
        except IotError as err:
            log.warning("mqtt command on %s refused: %s", point_text, err.message)
        except (ValueError, PermissionError, PointRefError, ValidationError) as err:
            self.sup.refuse("mqtt", point_text, None, None, f"mqtt command: {err}")
            log.warning("mqtt command on %s refused: %s", point_text, err)


__all__ = ["IotTelemetry", "value_payload"]
