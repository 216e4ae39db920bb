"""Normalisation of values, units and quality."""

from __future__ import annotations

import struct

import pytest
from bacpypes3.basetypes import BinaryPV, EngineeringUnits, StatusFlags
from bacpypes3.primitivedata import Real, Unsigned

from bms_schemas import PointRef, Quality
from bms_schemas.iot import PointInfo
from iot_supervisor.errors import InvalidValueError
from iot_supervisor.normalise import (
    quality_from_flags,
    round_real,
    to_scalar,
    unit_symbol,
    value_for_write,
)


def test_float32_noise_is_rounded() -> None:
    as_float32 = struct.unpack("f", struct.pack("f", 21.02))[0]
    assert as_float32 != 21.02  # what a REAL decodes to
    assert to_scalar(Real(as_float32)) == 21.02
    assert round_real(0.1 + 0.2) == 0.3
    assert round_real(123456.7) == 123456.7


def test_values_become_json_scalars() -> None:
    assert to_scalar(BinaryPV("active")) is True
    assert to_scalar(BinaryPV("inactive")) is False
    assert to_scalar(Unsigned(3)) == 3
    assert to_scalar(EngineeringUnits("degrees-celsius")) == "degrees-celsius"


def test_units() -> None:
    assert unit_symbol("degrees-celsius") == "°C"
    assert unit_symbol("percent") == "%"
    assert unit_symbol("some-new-unit") == "some-new-unit"
    assert unit_symbol(None) is None


@pytest.mark.parametrize(
    ("flags", "quality"),
    [
        ([0, 0, 0, 0], Quality.OK),
        ([1, 0, 0, 0], Quality.OK),
        ([0, 1, 0, 0], Quality.FAULT),
        ([0, 0, 1, 0], Quality.OVERRIDDEN),
        ([0, 0, 0, 1], Quality.OUT_OF_SERVICE),
        ([0, 1, 0, 1], Quality.FAULT),
    ],
)
def test_quality_from_status_flags(flags: list[int], quality: Quality) -> None:
    assert quality_from_flags(StatusFlags(flags)) is quality


def _info(kind: str, texts: tuple[str, ...] | None = None) -> PointInfo:
    return PointInfo(
        point=PointRef.parse(f"1/{kind},1"),
        name="x",
        object_type=kind,
        state_texts=texts,
        commandable=True,
        writable=True,
        cov=True,
    )


def test_values_for_write_are_checked_against_the_object_type() -> None:
    assert value_for_write(_info("analog-value"), 3) == 3.0
    assert value_for_write(_info("binary-output"), True) == "active"
    assert value_for_write(_info("multi-state-value", ("Off", "On")), "On") == 2
    assert type(value_for_write(_info("analog-value"), None)).__name__ == "Null"
    for kind, bad in (
        ("analog-value", "hot"),
        ("analog-value", True),
        ("analog-value", float("nan")),
        ("binary-value", 2),
        ("multi-state-value", 3),
        ("multi-state-value", 1.5),
    ):
        with pytest.raises(InvalidValueError):
            value_for_write(_info(kind, ("Off", "On") if "multi" in kind else None), bad)
