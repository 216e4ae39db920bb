"""Deadlines on the tick's logical time, shared by timers and control blocks.

Timers store absolute deadlines on the ``ctx.tick.now`` scale, never
remaining times counted down by ``dt``: the engine keeps ``now`` continuous
across restarts, so a restored deadline still means the same instant.
"""

from __future__ import annotations

import math

from supervisor_engine.quality import OVERRIDDEN, STALE

EPS = 1e-9
"""Slack for comparing logical times: ``now`` is a sum of float ``dt``s (0.1 s
ticks do not add up exactly), and a deadline due "at" a tick must fire on it."""


def reached(now: float, deadline: float | None) -> bool:
    """Whether ``deadline`` (None = no deadline) has come at ``now``."""
    return deadline is not None and now >= deadline - EPS


def pending(now: float, deadline: float | None) -> bool:
    """Whether ``deadline`` is set and still in the future at ``now``."""
    return deadline is not None and now < deadline - EPS


def next_grid(now: float, period: float, phase: float, *, inclusive: bool) -> float:
    """The first instant ``phase + k * period`` at or after (``inclusive``) / after ``now``."""
    k = (now - phase) / period
    if inclusive:
        return phase + math.ceil(k - EPS) * period
    return phase + (math.floor(k + EPS) + 1) * period


def usable(value: object, rank: int) -> bool:
    """Whether a value may drive control: present and ok or overridden by an operator."""
    return value is not None and rank <= OVERRIDDEN


def invalid(rank: int) -> int:
    """The quality of an output held or blanked because its input has no usable value."""
    return max(rank, STALE)
