"""Fan-out of value changes to stream clients (SSE and WebSocket) by subscription.

A slow client never blocks the BACnet side: each client has a bounded queue,
and when it is full the oldest event is dropped (the newest value matters).

At shutdown :meth:`Hub.close` ends every stream: a stream never ends by itself,
and the HTTP server waits for open responses before it stops, so without it a
connected client held the service's shutdown for minutes.

Subscriptions do not outlive their readers: one made ``end_with_stream`` ends
when the last stream reading it closes, and any subscription ends after its
idle timeout with no stream reading it (a client that subscribed and went away
before it connected). :meth:`Hub.expired` names them; the service ends them.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bms_schemas import PointRef
from bms_schemas.iot import SubscriptionInfo, ValueChange
from iot_supervisor.protocol import point_key

QUEUE_SIZE = 1000


@dataclass(eq=False)
class StreamClient:
    """One connected stream client, optionally limited to one subscription."""

    subscription: str | None
    queue: asyncio.Queue[ValueChange | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    """Value changes; ``None`` means the service is shutting down: end the stream."""
    dropped: int = 0

    def offer(self, event: ValueChange | None) -> None:
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)


class Hub:
    """Subscriptions and connected clients."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.subscriptions: dict[str, SubscriptionInfo] = {}
        self._clients: set[StreamClient] = set()
        self._watched: dict[str, int] = {}
        self._sub_points: dict[str, frozenset[str]] = {}
        self.closed = False
        self._monotonic = monotonic
        self._readers: dict[str, int] = {}
        self._idle_since: dict[str, float] = {}
        self._was_read: set[str] = set()

    def add_subscription(
        self,
        points: tuple[PointRef, ...],
        *,
        end_with_stream: bool = False,
        idle_timeout_s: float = 300.0,
    ) -> SubscriptionInfo:
        info = SubscriptionInfo(
            id=secrets.token_hex(8), points=points, created_at=datetime.now(UTC),
            end_with_stream=end_with_stream, idle_timeout_s=idle_timeout_s,
        )  # fmt: skip
        self.subscriptions[info.id] = info
        self._idle_since[info.id] = self._monotonic()
        keys = frozenset(point_key(p) for p in points)
        self._sub_points[info.id] = keys
        for point in keys:
            self._watched[point] = self._watched.get(point, 0) + 1
        return info

    def remove_subscription(self, sub_id: str) -> SubscriptionInfo | None:
        info = self.subscriptions.pop(sub_id, None)
        self._sub_points.pop(sub_id, None)
        self._idle_since.pop(sub_id, None)
        self._was_read.discard(sub_id)
        if info is not None:
            for point in {str(p) for p in info.points}:
                self._watched[point] -= 1
                if not self._watched[point]:
                    del self._watched[point]
        return info

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def close(self) -> None:
        """End every stream now and every stream opened from now on (the service stops)."""
        self.closed = True
        for client in self._clients:
            client.offer(None)

    def expired(self) -> list[str]:
        """Subscriptions no stream reads that should end now (see the module doc)."""
        now = self._monotonic()
        ended = []
        for sub_id, info in self.subscriptions.items():
            if self._readers.get(sub_id, 0):
                continue
            stream_closed = info.end_with_stream and sub_id in self._was_read
            idled_out = now - self._idle_since.get(sub_id, now) >= info.idle_timeout_s
            if stream_closed or idled_out:
                ended.append(sub_id)
        return ended

    @asynccontextmanager
    async def connect(self, subscription: str | None) -> AsyncIterator[StreamClient]:
        client = StreamClient(subscription)
        if self.closed:
            client.offer(None)
        self._clients.add(client)
        if subscription is not None:
            self._readers[subscription] = self._readers.get(subscription, 0) + 1
            self._was_read.add(subscription)
        try:
            yield client
        finally:
            self._clients.discard(client)
            if subscription is not None:
                left = self._readers.get(subscription, 1) - 1
                if left:
                    self._readers[subscription] = left
                else:
                    self._readers.pop(subscription, None)
                    if subscription in self.subscriptions:
                        self._idle_since[subscription] = self._monotonic()

    def publish(self, event: ValueChange) -> None:
        key = str(event.point)
        if key not in self._watched:
            return
        for client in self._clients:
            if client.subscription is None or key in self._sub_points.get(
                client.subscription, frozenset()
            ):
                client.offer(event)
