"""Structured logs: one JSON object per line, to stderr and to ``state_dir/logs/engine.jsonl``.

Standard ``logging`` calls from anywhere (the engine library, uvicorn) go
through the same structlog formatter, so the file holds one format.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import structlog

LOG_FILE = "engine.jsonl"
_HANDLER_NAME = "bms-engine"


def _drop_color(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI twin of the message
    return event


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Send every log record, as JSON lines, to stderr and a rotating file; returns the file."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color,
            structlog.processors.JSONRenderer(sort_keys=False, default=str),
        ],
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
        ],
    )
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
