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
        self._clients: dict[asyncio.Queue[tuple[str, dict[str, Any]]], frozenset[str] | None] = {}
        self.dropped = 0

    def wants(self, kind: str) -> bool:
        """Whether any client takes events of ``kind`` (so the engine can skip building them)."""
        return any(kinds is None or kind in kinds for kinds in self._clients.values())

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        for queue, kinds in self._clients.items():
            if kinds is not None and kind not in kinds:
                continue
            if queue.full():
                queue.get_nowait()
                self.dropped += 1
            queue.put_nowait((kind, data))

    @asynccontextmanager
    async def connect(
        self, kinds: frozenset[str] | None = None
    ) -> AsyncIterator[asyncio.Queue[tuple[str, dict[str, Any]]]]:
        """A queue of events (only of ``kinds``, if given) until the context exits."""
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_SIZE)
        self._clients[queue] = kinds
        try:
            yield queue
        finally:
            del self._clients[queue]
