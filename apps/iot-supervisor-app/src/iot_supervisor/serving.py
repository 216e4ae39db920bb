"""Serving the app with uvicorn so that a shutdown never waits on a stream client.

uvicorn stops by waiting for every open response to finish, and a value stream
(SSE or WebSocket) never finishes by itself: a connected engine or browser held
the service's shutdown for minutes, until a supervisor sent SIGKILL. Here the
hub ends every stream the moment shutdown begins, and whatever still runs after
``graceful_s`` is cancelled, so the service always stops within a bound.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI


class _Server(uvicorn.Server):
    """A uvicorn server that calls ``on_shutdown`` before it waits for connections."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._on_shutdown()
        await super().shutdown(sockets)


def end_streams(app: FastAPI) -> None:
    """End every value stream of ``app`` (its hub), if the service got that far."""
    supervisor = getattr(app.state, "supervisor", None)
    if supervisor is not None:
        supervisor.hub.close()


def serve(app: FastAPI, host: str, port: int, *, graceful_s: float) -> None:
    """Run ``app`` until SIGINT/SIGTERM; shutdown takes at most about ``graceful_s``."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # uvicorn's default loop is fine for bacpypes3, but asyncio is what the research measured
        loop="asyncio",
        log_level="info",
        timeout_graceful_shutdown=max(1, round(graceful_s)),  # uvicorn takes whole seconds
    )
    _Server(config, lambda: end_streams(app)).run()
