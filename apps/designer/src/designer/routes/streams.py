"""Relaying an upstream server-sent event stream to the browser."""

from __future__ import annotations

from typing import Any

from fastapi.responses import StreamingResponse

from designer.upstream import Upstream

SSE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/event-stream": {}}}}


async def relay(
    upstream: Upstream,
    path: str,
    params: dict[str, Any] | None = None,
) -> StreamingResponse:
    """The upstream's event stream, byte for byte, closed when the browser goes away."""
    _response, body = await upstream.stream(path, params=params)
    return StreamingResponse(
        body, media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )
