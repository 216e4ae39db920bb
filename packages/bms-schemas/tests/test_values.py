from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bms_schemas import PointValue, PortType, Quality, ValueType, worst_quality


def number(unit: str | None = None) -> PortType:
    return PortType(type=ValueType.NUMBER, unit=unit)


@pytest.mark.parametrize(
    ("target", "source", "accepted"),
    [
        (number(), number(), True),
        (number(), PortType(type=ValueType.INTEGER), True),
        (PortType(type=ValueType.INTEGER), number(), False),
        (number(), PortType(type=ValueType.BOOL), False),
        (PortType(type=ValueType.BOOL), number(), False),
        (number("degC"), number("degC"), True),
        (number("degC"), number("degF"), False),
        (number("degC"), number(), True),
        (number(), number("Pa"), True),
        (PortType(type=ValueType.ENUM, labels=("off", "on")), PortType(type=ValueType.ENUM), True),
        (
            PortType(type=ValueType.ENUM, labels=("off", "on")),
            PortType(type=ValueType.ENUM, labels=("auto", "hand")),
            False,
        ),
        (PortType(type=ValueType.STRING), PortType(type=ValueType.ENUM), False),
    ],
)
def test_port_compatibility_follows_types_units_and_labels(target, source, accepted):
    assert target.accepts(source) is accepted


def test_units_and_labels_only_on_their_types():
    with pytest.raises(ValidationError, match="only number ports have a unit"):
        PortType(type=ValueType.BOOL, unit="degC")
    with pytest.raises(ValidationError, match="only enum ports have labels"):
        PortType(type=ValueType.NUMBER, labels=("a",))


def test_worst_quality_is_the_highest_rank():
    assert worst_quality() is Quality.OK
    assert worst_quality(Quality.OK, Quality.STALE) is Quality.STALE
    assert worst_quality(Quality.FAULT, Quality.OVERRIDDEN, Quality.OUT_OF_SERVICE) is Quality.FAULT


def test_point_value_keeps_the_exact_scalar_type():
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert PointValue(value=1, timestamp=at).value == 1
    assert type(PointValue(value=1, timestamp=at).value) is int
    assert PointValue(value=True, timestamp=at).value is True
    assert type(PointValue(value=1.5, timestamp=at).value) is float
    assert (
        PointValue.model_validate_json(
            '{"value": 21.5, "quality": "stale", "timestamp": "2025-01-01T00:00:00Z", "units": "degC"}'
        ).quality
        is Quality.STALE
    )
