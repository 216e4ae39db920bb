"""Scheduling: weekly schedules, calendars, optimal start."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType

SCHEDULE_BLOCKS: tuple[BlockType[Any], ...] = ()
