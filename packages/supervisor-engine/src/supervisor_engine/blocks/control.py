"""Control: PID, sequencing, staging, lead/lag, proof."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType

CONTROL_BLOCKS: tuple[BlockType[Any], ...] = ()
