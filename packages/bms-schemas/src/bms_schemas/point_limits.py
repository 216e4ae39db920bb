"""The Designer's point table: every point a project commands, with the limits authored for it.

Limits are typed in the Designer as a :class:`LimitsDraft` (anything a form can send); the
server checks it, answers each problem on the field it concerns in plain words, and stores
it in the project as a :class:`bms_schemas.PointConstraint`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bms_schemas._base import BmsModel
from bms_schemas.bundle import LimitAction
from bms_schemas.constraints import DegradedPolicy, PointConstraint
from bms_schemas.values import Scalar

_Revision = Annotated[
    int, Field(ge=0, description="The revision a save is based on (optimistic concurrency).")
]


class LimitsDraft(BmsModel):
    """Limits of one commanded point as the user typed them; checked by the server."""

    min: float | None = Field(default=None, description="Lowest value that may be written.")
    max: float | None = Field(default=None, description="Highest value that may be written.")
    max_rate_per_s: float | None = Field(
        default=None, description="Largest change per second between two writes."
    )
    min_priority: int = Field(default=1, description="Highest-precedence priority allowed (1-16).")
    max_priority: int = Field(default=16, description="Lowest-precedence priority allowed (1-16).")
    degraded: DegradedPolicy = Field(
        default=DegradedPolicy.HOLD, description="What to do when the value to write is not ok."
    )
    fallback: Scalar | None = Field(
        default=None, description="Value written under the 'fallback' policy."
    )


class LimitsSave(BmsModel):
    """Set (or, with ``limits`` null, remove) the limits of one point of a project."""

    revision: _Revision
    point: str = Field(
        min_length=1, max_length=200, description="The point, e.g. '2001/analog-output,1'."
    )
    limits: LimitsDraft | None = Field(description="The limits; null removes them.")


class LimitActionSave(BmsModel):
    """Set what the engine does with a command outside its limits, for the whole project."""

    revision: _Revision
    limit_action: LimitAction = Field(description="'refuse' drops it, 'clamp' sends the limit.")


class CommandedPoint(BmsModel):
    """One point the project commands (or has limits for), with what is known about it."""

    point: str = Field(description="Canonical point reference.")
    nodes: tuple[str, ...] = Field(
        default=(), description="The point-output blocks that command it (empty: none does)."
    )
    priority: int | None = Field(
        default=None, description="The BACnet priority the flow writes it at."
    )
    name: str | None = Field(default=None, description="The device object's name, if known.")
    unit: str | None = Field(default=None, description="Unit symbol of the point, if known.")
    device_min: float | None = Field(
        default=None, description="The device's own lowest value (min-pres-value), if known."
    )
    device_max: float | None = Field(
        default=None, description="The device's own highest value (max-pres-value), if known."
    )
    limits: PointConstraint | None = Field(
        default=None, description="The limits authored for it; null: none."
    )


class PointLimitsTable(BmsModel):
    """A project's point table: commanded points and their limits."""

    revision: int = Field(description="The project revision this table is of.")
    limit_action: LimitAction = Field(
        description="What the engine does with a command outside its limits (whole project)."
    )
    points: tuple[CommandedPoint, ...]
    problems: tuple[str, ...] = Field(
        default=(),
        description="Why the table may be incomplete: the project does not validate, the IoT "
        "service (names, units, device ranges) did not answer.",
    )
