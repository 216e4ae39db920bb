"""Structured logs: one JSON object per line, to stderr and to ``state_dir/logs/engine.jsonl``.

Standard ``logging`` calls from anywhere (the engine library, uvicorn) go
through the same formatter, so the file holds one format: ``event`` (the
message), ``level``, ``logger``, the record's extra fields, ``timestamp`` (ISO
8601, UTC) and, when there is one, ``exception`` (the traceback).

A formatter of the standard library's, not structlog's: importing structlog
imports rich and pygments for its console renderer (about 3.5 MB of resident
memory that the engine, which renders JSON only, would keep all its life).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOG_FILE = "engine.jsonl"
_HANDLER_NAME = "bms-engine"
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
"""Attributes every log record has: the others are the caller's ``extra`` fields."""
_DROPPED = frozenset({"color_message"})  # uvicorn's ANSI twin of the message


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "event": record.getMessage(),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _DROPPED and not key.startswith("_"):
                event[key] = value
        event["timestamp"] = (
            datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z")
        )
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            event["exception"] = record.exc_text
        return json.dumps(event, default=str)


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Send every log record, as JSON lines, to stderr and a rotating file; returns the file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    formatter = JsonFormatter()
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=10_000_000, backupCount=3, encoding="utf-8"
    )
    stream_handler = logging.StreamHandler()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = [file_handler, stream_handler]
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    root.setLevel(level)
    # one line per HTTP request to the IoT service would drown the engine's own events
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return path
