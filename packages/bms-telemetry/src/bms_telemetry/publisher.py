"""One MQTT publisher per process: queue on disk first, then send in order, at least once.

:meth:`MqttPublisher.publish` only appends to the on-disk queue (and wakes the
sender), so the caller never waits for the network and a broker outage loses
nothing. The sender keeps one MQTT 5 connection (aiomqtt), announces the
process ``online`` (retained) with a last will of ``offline``, and sends the
queue oldest first in windows of QoS 1 publishes; a message leaves the queue
only once the broker acknowledged it. After a reconnect it resends from the
oldest unacknowledged message, so a subscriber may see a message twice but
never out of order or not at all: every payload carries ``seq``, increasing
per process, to drop duplicates and to count.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiomqtt

from bms_telemetry.queue import DiskQueue
from bms_telemetry.settings import MqttSettings
from bms_telemetry.topics import Topics

log = logging.getLogger(__name__)

WINDOW = 64
"""QoS 1 publishes in flight at once (paho-mqtt's default window is 20; we raise it)."""

CommandHandler = Callable[[str, bytes], Awaitable[None]]


class MqttPublisher:
    """Queues messages on disk and publishes them to the broker in order."""

    def __init__(self, settings: MqttSettings, process: str, queue_path: Path) -> None:
        self.settings = settings
        self.process = process
        self.topics = Topics(settings.prefix, settings.site)
        self.queue = DiskQueue(settings.queue_path or queue_path, settings.queue_max)
        self.published = 0
        self.published_seq = 0
        """The seq of the newest message the broker acknowledged."""
        self.connected = False
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscriptions: dict[str, CommandHandler] = {}

    # -- what processes call --------------------------------------------------------------

    def publish(self, topic: str, body: dict[str, Any], *, retain: bool = False) -> int:
        """Queue ``body`` (JSON, with ``seq``) for ``topic`` at QoS 1; thread-safe. The seq."""
        seq = self.queue.put(topic, body, qos=1, retain=retain)
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)
        return seq

    def subscribe(self, topic: str, handler: CommandHandler) -> None:
        """Call ``handler(topic, payload)`` for messages on ``topic`` (before :meth:`start`)."""
        self._subscriptions[topic] = handler

    @property
    def depth(self) -> int:
        """Messages waiting for the broker."""
        return self.queue.depth

    @property
    def dropped(self) -> int:
        return self.queue.dropped

    # -- lifecycle --------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.create_task(self._run(), name=f"mqtt-{self.process}")

    async def stop(self, drain_s: float = 2.0) -> None:
        """Send what is queued (for up to ``drain_s``), say 'offline', disconnect."""
        if self._task is None:
            return
        if self.connected and drain_s > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(drain_s):
                    while self.queue.depth and self.connected:
                        await asyncio.sleep(0.02)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self.queue.close()

    # -- the sender -------------------------------------------------------------------

    def _client(self) -> aiomqtt.Client:
        s = self.settings
        status = self.topics.status(self.process)
        client = aiomqtt.Client(
            s.host, s.port, username=s.username, password=s.password,
            identifier=s.client_id or f"bms-{s.site}-{self.process}",
            protocol=aiomqtt.ProtocolVersion.V5, keepalive=s.keepalive_s, timeout=10,
            will=aiomqtt.Will(status, b"offline", qos=1, retain=True),
            max_inflight_messages=WINDOW,
        )  # fmt: skip
        client.pending_calls_threshold = WINDOW + 1  # a full window is normal, not a warning
        return client

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                async with self._client() as client:
                    self.connected = True
                    delay = 0.2
                    log.info("mqtt: connected to %s:%s", self.settings.host, self.settings.port)
                    await client.publish(
                        self.topics.status(self.process), b"online", qos=1, retain=True
                    )
                    try:
                        await self._session(client)
                    except asyncio.CancelledError:
                        with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                            await client.publish(
                                self.topics.status(self.process), b"offline", qos=1,
                                retain=True, timeout=1,
                            )  # fmt: skip
                        raise
            except aiomqtt.MqttError as err:
                if self.connected:
                    log.warning("mqtt: connection lost (%s); %d queued", err, self.queue.depth)
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.reconnect_max_s)
            finally:
                self.connected = False

    async def _session(self, client: aiomqtt.Client) -> None:
        reader: asyncio.Task[None] | None = None
        if self._subscriptions:
            for topic in self._subscriptions:
                await client.subscribe(topic, qos=1)
            reader = asyncio.create_task(self._read(client))
        try:
            while True:
                self._wake.clear()
                batch = self.queue.peek(WINDOW)
                if not batch:
                    await self._wake.wait()
                    continue
                await asyncio.gather(
                    *(client.publish(m.topic, m.payload, qos=m.qos, retain=m.retain) for m in batch)
                )
                # peek returns consecutive rows, so one range covers the window
                self.queue.ack_through(batch[0].id, batch[-1].id)
                self.published += len(batch)
                self.published_seq = batch[-1].id
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                    await reader

    async def _read(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            for pattern, handler in self._subscriptions.items():
                if message.topic.matches(pattern):
                    payload = message.payload
                    data = payload if isinstance(payload, bytes) else str(payload).encode()
                    try:
                        await handler(topic, data)
                    except Exception:  # one bad command must not end the session
                        log.exception("mqtt: handling %s failed", topic)


__all__ = ["CommandHandler", "MqttPublisher"]
