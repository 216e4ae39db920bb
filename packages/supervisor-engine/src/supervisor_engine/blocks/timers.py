"""Timers, latches and counters."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType

TIMER_BLOCKS: tuple[BlockType[Any], ...] = ()
