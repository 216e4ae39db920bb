"""Alarms and trend logs."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType

ALARM_BLOCKS: tuple[BlockType[Any], ...] = ()
