"""Supervisory HVAC sequences and psychrometrics."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType

HVAC_BLOCKS: tuple[BlockType[Any], ...] = ()
