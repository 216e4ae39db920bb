"""Fan-out of engine events to stream clients, never blocking the scan loop.

Each client has a bounded queue; a client too slow to keep up loses its
oldest events rather than slowing the engine or growing memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

QUEUE_SIZE = 256


class EventHub:
    """Publishes ``(kind, data)`` events to every connected client."""

    def __init__(self) -> None:
        self._clients: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        self.dropped = 0

    @property
    def has_clients(self) -> bool:
        return bool(self._clients)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        for queue in self._clients:
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait((kind, data))

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[asyncio.Queue[tuple[str, dict[str, Any]]]]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_SIZE)
        self._clients.add(queue)
        try:
            yield queue
        finally:
            self._clients.discard(queue)
