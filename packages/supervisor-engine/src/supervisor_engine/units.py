"""Units of block parameters, declared by the blocks in their parameter JSON Schema.

``delay_s: Annotated[float, in_unit("s")] = Field(...)`` puts ``"unit": "s"`` in the parameter's
schema; the editor shows it next to the field and never guesses a unit from a name.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field


def in_unit(symbol: str) -> Any:
    """Field metadata declaring the parameter's unit (``s``, ``h``, ``K``, ``K/h``, ``/s``...)."""
    return Field(json_schema_extra={"unit": symbol})


_SYMBOLS = {
    "degC": "°C",
    "degrees-celsius": "°C",
    "degF": "°F",
    "degrees-fahrenheit": "°F",
    "percent": "%",
    "pascals": "Pa",
    "seconds": "s",
}


def symbol(unit: str) -> str:
    """The symbol a user reads for a unit name ('degC' -> '°C'); other units as they are."""
    return _SYMBOLS.get(unit, unit)
