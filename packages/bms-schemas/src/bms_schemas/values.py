"""Value types of ports, qualities and point values.

Every signal in the system carries a value and a quality. Qualities are
ordered from best to worst (:data:`QUALITY_RANK`) so that a block's output can
take the worst quality of the inputs it was computed from.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator

from bms_schemas._base import BmsModel


class ValueType(StrEnum):
    """The kind of value a port carries."""

    BOOL = "bool"
    NUMBER = "number"
    INTEGER = "integer"
    ENUM = "enum"
    STRING = "string"


class Quality(StrEnum):
    """How far a value can be trusted, best first."""

    OK = "ok"
    OVERRIDDEN = "overridden"
    STALE = "stale"
    OUT_OF_SERVICE = "out-of-service"
    FAULT = "fault"


QUALITY_RANK: dict[Quality, int] = {q: i for i, q in enumerate(Quality)}
"""Rank of each quality; a higher rank is worse."""

QUALITIES_BY_RANK: tuple[Quality, ...] = tuple(Quality)
"""Qualities indexed by their rank."""


def worst_quality(*qualities: Quality) -> Quality:
    """The worst of the given qualities (``ok`` when none are given)."""
    rank = max((QUALITY_RANK[q] for q in qualities), default=0)
    return QUALITIES_BY_RANK[rank]


class PortType(BmsModel):
    """The declared type of a port: its value type plus unit or state labels."""

    type: ValueType = Field(description="The kind of value the port carries.")
    unit: str | None = Field(
        default=None,
        description="Engineering unit of a number port (e.g. 'degC', '%', 'Pa'); none when unitless.",
    )
    labels: tuple[str, ...] | None = Field(
        default=None,
        description="State texts of an enum (multistate) port, state 1 first, as BACnet numbers them.",
    )

    @model_validator(mode="after")
    def _unit_and_labels_fit_the_type(self) -> PortType:
        if self.unit is not None and self.type is not ValueType.NUMBER:
            raise ValueError(f"only number ports have a unit, not {self.type.value}")
        if self.labels is not None and self.type is not ValueType.ENUM:
            raise ValueError(f"only enum ports have labels, not {self.type.value}")
        return self

    def accepts(self, source: PortType) -> bool:
        """Whether a wire from a port of type ``source`` may drive this port.

        Types must match, except that an integer may drive a number. Units and
        labels must agree when both sides declare them: a 'degF' wire into a
        'degC' input needs an explicit conversion block.
        """
        if source.type is not self.type and not (
            source.type is ValueType.INTEGER and self.type is ValueType.NUMBER
        ):
            return False
        if self.unit is not None and source.unit is not None and self.unit != source.unit:
            return False
        return self.labels is None or source.labels is None or self.labels == source.labels

    def describe(self) -> str:
        """A short human-readable form, e.g. ``number[degC]``."""
        if self.unit:
            return f"{self.type.value}[{self.unit}]"
        if self.labels:
            return f"enum[{'|'.join(self.labels)}]"
        return self.type.value


Scalar = bool | int | float | str
"""A value a port can carry."""

FLOAT32_MAX = 3.4028234663852886e38
"""The largest finite IEEE 754 single: a BACnet REAL cannot hold more."""


def _writable(value: Scalar | None) -> Scalar | None:
    # A NaN or 1e308 must be refused with the rest of its batch, never reach a device encoder.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    if abs(value) > FLOAT32_MAX:
        raise ValueError(f"{value:g} is outside the range of a 32-bit float (±{FLOAT32_MAX:.4g})")
    return value


# The schema states the float32 range, so that a client (or a contract test) generating
# "valid" numbers from the OpenAPI document never meets a refusal it could not foresee.
_RANGE = {"minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}
_WritableScalar = (
    bool
    | Annotated[int, WithJsonSchema({"type": "integer", **_RANGE})]
    | Annotated[float, WithJsonSchema({"type": "number", **_RANGE})]
    | str
)

FiniteScalar = Annotated[_WritableScalar, AfterValidator(_writable)]
"""A value (not null) that may be written: finite, inside the float32 range when a number."""

WriteValue = Annotated[_WritableScalar | None, AfterValidator(_writable)]
"""A value that may be written to a point: finite, and inside the float32 range when a number."""


def _integer_not_bool_or_text(value: object) -> object:
    # true would be priority 1 (manual life safety) and "8" a guess: refuse both. A JSON number
    # with no fraction (8.0) is an integer in JSON Schema, so it stays accepted as 8; 8.5 is not.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be an integer, not a boolean or a string")
    return value


Priority = Annotated[
    int,
    Field(
        ge=1,
        le=16,
        description="BACnet priority 1-16 (1 highest); an integer, never true or '8'.",
    ),
    BeforeValidator(_integer_not_bool_or_text),
]
"""A BACnet priority: an integer from 1 to 16, never a boolean or a string."""


class PointValue(BmsModel):
    """A value read from a point, with its quality, time stamp and unit."""

    value: Scalar | None = Field(
        description="The value; null when the point has none (e.g. a device that never answered)."
    )
    quality: Quality = Field(default=Quality.OK, description="How far the value can be trusted.")
    timestamp: datetime = Field(description="When the value was read or reported (UTC).")
    units: str | None = Field(default=None, description="Engineering unit of the value, if any.")


QualityName = Literal["ok", "overridden", "stale", "out-of-service", "fault"]
