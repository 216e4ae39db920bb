"""Turning bacpypes3 values into the shared schema's form, and back for writes.

- REAL is float32: 21.02 arrives as 21.020000457763672, so values are rounded
  to the 7 significant digits a float32 holds (pitfall 13).
- Binary values are booleans (active = true), multi-state values integers,
  enumerations their standard hyphenated name.
- Quality comes from status-flags (fault, out-of-service, overridden) and
  from the device being offline.
"""

from __future__ import annotations

import json
import math
from typing import Any

from bacpypes3.basetypes import BinaryPV  # type: ignore[import-untyped]
from bacpypes3.primitivedata import (  # type: ignore[import-untyped]
    Boolean,
    CharacterString,
    Enumerated,
    Null,
    Real,
)

from bms_schemas import Quality, Scalar
from bms_schemas.iot import PointInfo
from iot_supervisor.errors import InvalidValueError

UNIT_SYMBOLS: dict[str, str] = {
    "degrees-celsius": "°C",
    "degrees-fahrenheit": "°F",
    "degrees-kelvin": "K",
    "delta-degrees-kelvin": "ΔK",
    "percent": "%",
    "percent-relative-humidity": "%RH",
    "pascals": "Pa",
    "kilopascals": "kPa",
    "bars": "bar",
    "kilowatts": "kW",
    "watts": "W",
    "megawatts": "MW",
    "kilowatt-hours": "kWh",
    "volts": "V",
    "amperes": "A",
    "hertz": "Hz",
    "liters-per-second": "l/s",
    "cubic-meters-per-hour": "m³/h",
    "cubic-meters-per-second": "m³/s",
    "meters-per-second": "m/s",
    "parts-per-million": "ppm",
    "seconds": "s",
    "minutes": "min",
    "hours": "h",
    "revolutions-per-minute": "rpm",
    "luxes": "lx",
    "no-units": "",
}

# status-flags bits, in BACnet order
_FAULT, _OVERRIDDEN, _OUT_OF_SERVICE = 1, 2, 3


def unit_symbol(units: str | None) -> str | None:
    """The display symbol of a standard unit name; the name itself when unknown."""
    if units is None:
        return None
    return UNIT_SYMBOLS.get(units, units)


def round_real(value: float) -> float:
    """Drop float32 noise: keep the 7 significant digits a REAL carries."""
    if not math.isfinite(value) or value == 0.0:
        return value
    return float(f"{value:.7g}")


def to_scalar(value: Any) -> Scalar | None:
    """A JSON-friendly value for a decoded bacpypes3 value."""
    if value is None or isinstance(value, Null):
        return None
    if isinstance(value, BinaryPV):
        return int(value) == 1
    if isinstance(value, Boolean | bool):
        return bool(value)
    if isinstance(value, Real | float):
        return round_real(float(value))
    if isinstance(value, Enumerated):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, CharacterString | str):
        return str(value)
    choice = getattr(value, "_choice", None)
    if isinstance(choice, str):
        # a CHOICE such as a PriorityValue (a slot of the priority array): its chosen value
        return to_scalar(getattr(value, choice, None))
    if isinstance(value, list | tuple) or type(value).__name__.startswith("ArrayOf"):
        # a whole array fits no scalar: its elements as a JSON array in a string
        return json.dumps([to_scalar(v) for v in value])
    return str(value)


def typed_scalar(object_type: str, value: Any) -> Scalar | None:
    """A value of an object's present-value kind, typed as that kind's values are.

    Binary values are booleans and multi-state values numbers, whichever way the
    device or the stack carries them: a priority-array slot of a binary object is
    an Enumerated (``"1"`` as text), a write's value ``"active"``.
    """
    scalar = to_scalar(value)
    if scalar is None:
        return None
    if object_type.startswith("binary"):
        if isinstance(scalar, str) and scalar in ("active", "inactive", "0", "1"):
            return scalar in ("active", "1")
        if isinstance(scalar, int | float):
            return bool(scalar)
    elif object_type.startswith("multi-state"):
        if isinstance(scalar, str) and scalar.isdigit():
            return int(scalar)
        if isinstance(scalar, float) and scalar.is_integer():
            return int(scalar)
    elif object_type.startswith("analog") and type(scalar) is int:
        return float(scalar)
    return scalar


_TYPED_PROPERTIES = frozenset({"present-value", "relinquish-default", "priority-array"})


def point_scalar(object_type: str, prop: str, index: int | None, value: Any) -> Scalar | None:
    """A read value: present-value and its relatives typed as the object's values are."""
    if prop not in _TYPED_PROPERTIES:
        return to_scalar(value)
    if prop == "priority-array" and index is None and isinstance(value, list | tuple):
        return json.dumps([typed_scalar(object_type, v) for v in value])
    if prop == "priority-array" and index == 0:
        return to_scalar(value)  # the array's length
    return typed_scalar(object_type, value)


def quality_from_flags(flags: Any) -> Quality:
    """Quality from a status-flags bit string (in-alarm, fault, overridden, out-of-service)."""
    if flags is None:
        return Quality.OK
    bits = list(flags)
    if len(bits) > _FAULT and bits[_FAULT]:
        return Quality.FAULT
    if len(bits) > _OUT_OF_SERVICE and bits[_OUT_OF_SERVICE]:
        return Quality.OUT_OF_SERVICE
    if len(bits) > _OVERRIDDEN and bits[_OVERRIDDEN]:
        return Quality.OVERRIDDEN
    return Quality.OK


def value_for_write(info: PointInfo, value: Scalar | None) -> Any:
    """The value to send for ``info``'s present value; raise InvalidValueError when it cannot fit.

    ``None`` becomes Null, the relinquish.
    """
    if value is None:
        return Null(())
    kind = info.object_type
    if kind.startswith("analog"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValueError(f"{info.point}: {kind} takes a number, not {value!r}")
        if not math.isfinite(float(value)):
            raise InvalidValueError(f"{info.point}: {value!r} is not a finite number")
        return float(value)
    if kind.startswith("binary"):
        if isinstance(value, bool):
            return "active" if value else "inactive"
        if value in ("active", "inactive"):
            return value
        if isinstance(value, int) and value in (0, 1):
            return "active" if value else "inactive"
        raise InvalidValueError(
            f"{info.point}: {kind} takes true/false or 'active'/'inactive', not {value!r}"
        )
    if kind.startswith("multi-state"):
        states = len(info.state_texts or ())
        if isinstance(value, str) and info.state_texts and value in info.state_texts:
            return info.state_texts.index(value) + 1
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidValueError(f"{info.point}: {kind} takes a state number, not {value!r}")
        if not 1 <= value <= max(states, 1):
            raise InvalidValueError(f"{info.point}: state {value} is outside 1..{states}")
        return value
    raise InvalidValueError(f"{info.point}: writing {kind} is not supported")
