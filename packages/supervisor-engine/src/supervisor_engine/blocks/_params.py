"""Parameter pieces several block families share."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from bms_schemas import ValueType
from supervisor_engine.block import Params

_PYTHON_TYPES: dict[ValueType, tuple[type, ...]] = {
    ValueType.BOOL: (bool,),
    ValueType.NUMBER: (int, float),
    ValueType.INTEGER: (int,),
    ValueType.ENUM: (int,),
    ValueType.STRING: (str,),
}


def check_value_type(value: Any, value_type: ValueType, what: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a ``value_type`` value."""
    ok = isinstance(value, _PYTHON_TYPES[value_type]) and not (
        value_type is not ValueType.BOOL and isinstance(value, bool)
    )
    if not ok:
        raise ValueError(f"{what} {value!r} is not a {value_type.value}")


class CountParams(Params):
    """Blocks with a variable number of inputs."""

    inputs: int = Field(default=2, ge=2, le=16, description="Number of inputs.")


class TypedParams(Params):
    """Blocks that pass values of a chosen type through."""

    value_type: ValueType = Field(default=ValueType.NUMBER, description="Type of the values.")


class TypedValueParams(TypedParams):
    """Blocks with a value of the chosen type."""

    value: bool | int | float | str | None = Field(default=None, description="The value.")

    @model_validator(mode="after")
    def _value_fits_type(self) -> TypedValueParams:
        if self.value is not None:
            check_value_type(self.value, self.value_type, "value")
        return self
