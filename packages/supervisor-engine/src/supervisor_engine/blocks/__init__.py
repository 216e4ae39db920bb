"""The built-in block types, one module per category."""

from __future__ import annotations

from typing import Any

from supervisor_engine.block import BlockType
from supervisor_engine.blocks.alarms import ALARM_BLOCKS
from supervisor_engine.blocks.clocks import CLOCK_BLOCKS
from supervisor_engine.blocks.commands import COMMAND_BLOCKS
from supervisor_engine.blocks.conditioning import CONDITIONING_BLOCKS
from supervisor_engine.blocks.control import CONTROL_BLOCKS
from supervisor_engine.blocks.counters import COUNTER_BLOCKS
from supervisor_engine.blocks.expression import EXPRESSION_BLOCKS
from supervisor_engine.blocks.hvac import HVAC_BLOCKS
from supervisor_engine.blocks.io import IO_BLOCKS
from supervisor_engine.blocks.leadlag import LEAD_LAG_BLOCKS
from supervisor_engine.blocks.logic import LOGIC_BLOCKS
from supervisor_engine.blocks.math import MATH_BLOCKS
from supervisor_engine.blocks.scheduling import SCHEDULE_BLOCKS
from supervisor_engine.blocks.sequencing import SEQUENCING_BLOCKS
from supervisor_engine.blocks.timers import TIMER_BLOCKS

BUILTIN_BLOCKS: tuple[BlockType[Any], ...] = (
    *IO_BLOCKS,
    *COMMAND_BLOCKS,
    *LOGIC_BLOCKS,
    *MATH_BLOCKS,
    *CONDITIONING_BLOCKS,
    *EXPRESSION_BLOCKS,
    *TIMER_BLOCKS,
    *CLOCK_BLOCKS,
    *COUNTER_BLOCKS,
    *CONTROL_BLOCKS,
    *SEQUENCING_BLOCKS,
    *LEAD_LAG_BLOCKS,
    *SCHEDULE_BLOCKS,
    *HVAC_BLOCKS,
    *ALARM_BLOCKS,
)

__all__ = ["BUILTIN_BLOCKS"]
