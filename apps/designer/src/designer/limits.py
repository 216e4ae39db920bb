"""A cap on request bodies, checked before any route reads them.

JSON bodies are small (a large project is about a megabyte); only a project
import (``application/zip``) may be larger. A body over its cap is answered
413 before the app sees a byte of it: by its ``Content-Length`` when given,
otherwise while it is being received (chunked uploads), never buffering more
than the cap.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024


class BodyLimit:
    """ASGI middleware: 413 with an error envelope for a body over its cap."""

    def __init__(self, app: ASGIApp, *, json_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.json_bytes = json_bytes
        self.upload_bytes = upload_bytes

    def _limit(self, scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-type":
                kind = value.split(b";")[0].strip().lower()
                if kind in (b"application/zip", b"application/octet-stream"):
                    return self.upload_bytes
        return self.json_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _too_large(send, limit)
                return
        # No (or a small) Content-Length: read the body up to the cap, then hand it on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _too_large(send, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], first: Message | None, receive: Receive) -> Receive:
    pending: list[Message] = [
        {"type": "http.request", "body": b"".join(chunks), "more_body": False}
    ]
    if first is not None:
        pending = [first]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def _too_large(send: Send, limit: int) -> None:
    body: dict[str, Any] = {
        "code": "body_too_large",
        "message": f"the request body is larger than the {limit / MiB:g} MiB this endpoint takes",
        "details": {"field": "body", "limitBytes": limit},
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
