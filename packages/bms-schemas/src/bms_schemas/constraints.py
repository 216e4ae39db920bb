"""Constraints on the points a bundle writes, and what to do when inputs go bad."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from bms_schemas._base import BmsModel
from bms_schemas.points import PointRef
from bms_schemas.values import Scalar


class DegradedPolicy(StrEnum):
    """What a point output does when the value it would write is not ``ok``."""

    HOLD = "hold"
    """Write nothing more; the device keeps the last written value."""
    FALLBACK = "fallback"
    """Write the constraint's fallback value."""
    RELINQUISH = "relinquish"
    """Write null at the output's priority, handing control to lower priorities."""


class PointConstraint(BmsModel):
    """Limits on one written point, enforced by the engine before any write."""

    point: PointRef = Field(description="The point these limits apply to.")
    min: float | None = Field(default=None, description="Lowest value that may be written.")
    max: float | None = Field(default=None, description="Highest value that may be written.")
    max_rate_per_s: float | None = Field(
        default=None, gt=0, description="Largest change per second between two writes."
    )
    min_priority: int = Field(
        default=1, ge=1, le=16, description="Highest-precedence priority allowed."
    )
    max_priority: int = Field(
        default=16, ge=1, le=16, description="Lowest-precedence priority allowed."
    )
    degraded: DegradedPolicy = Field(
        default=DegradedPolicy.HOLD, description="What to do when the value to write is not ok."
    )
    fallback: Scalar | None = Field(
        default=None, description="Value written under the 'fallback' policy."
    )

    @model_validator(mode="after")
    def _consistent(self) -> PointConstraint:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        if self.min_priority > self.max_priority:
            raise ValueError(
                f"min_priority {self.min_priority} is after max_priority {self.max_priority}"
            )
        if self.degraded is DegradedPolicy.FALLBACK and self.fallback is None:
            raise ValueError("the 'fallback' policy needs a fallback value")
        return self

    def allows_priority(self, priority: int) -> bool:
        """Whether a write at ``priority`` is inside the allowed range."""
        return self.min_priority <= priority <= self.max_priority
