"""Shorthands for declaring ports in block tables."""

from __future__ import annotations

from typing import Any

from bms_schemas import PortSpec, PortType, ValueType

NUMBER = PortType(type=ValueType.NUMBER)
BOOL = PortType(type=ValueType.BOOL)
INTEGER = PortType(type=ValueType.INTEGER)
# A moment as Unix epoch seconds: the editor shows it as a local date and time, not a count.
TIMESTAMP = PortType(type=ValueType.NUMBER, unit="unix-time")


def port(
    name: str,
    type_: PortType | None = None,
    *,
    doc: str = "",
    required: bool = True,
    default: Any = None,
    type_param: str | None = None,
    repeat: str | None = None,
) -> PortSpec:
    """A port spec; give either a fixed type or the parameter that chooses it."""
    return PortSpec(
        name=name,
        type=type_,
        type_param=type_param,
        repeat_param=repeat,
        required=required,
        default=default,
        doc=doc,
    )
