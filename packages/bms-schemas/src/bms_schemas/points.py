"""Point references: which property of which BACnet object on which device.

A point has one canonical string form, ``DEVICE/OBJECT-TYPE,INSTANCE/PROPERTY``
with an optional ``[INDEX]``, for example ``1001/analog-value,3/present-value``
or ``1001/analog-output,1/priority-array[8]``. It is what bundles, logs and
URLs carry; :meth:`PointRef.parse` and :meth:`str` are exact inverses on it.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from pydantic import Field, model_serializer, model_validator
from pydantic_core import CoreSchema

from bms_schemas._base import BmsModel

MAX_INSTANCE = 4_194_303
"""BACnet object instances are 22 bits; 4194303 means 'unassigned'."""

STANDARD_OBJECT_TYPES: frozenset[str] = frozenset(
    {
        "access-credential", "access-door", "access-point", "access-rights", "access-user",
        "access-zone", "accumulator", "alert-enrollment", "analog-input", "analog-output",
        "analog-value", "averaging", "binary-input", "binary-lighting-output", "binary-output",
        "binary-value", "bitstring-value", "calendar", "channel", "characterstring-value",
        "command", "credential-data-input", "date-pattern-value", "date-value",
        "datetime-pattern-value", "datetime-value", "device", "elevator-group", "escalator",
        "event-enrollment", "event-log", "file", "global-group", "group", "integer-value",
        "large-analog-value", "life-safety-point", "life-safety-zone", "lift", "lighting-output",
        "load-control", "loop", "multi-state-input", "multi-state-output", "multi-state-value",
        "network-port", "network-security", "notification-class", "notification-forwarder",
        "octetstring-value", "positive-integer-value", "program", "pulse-converter", "schedule",
        "structured-view", "time-pattern-value", "time-value", "timer", "trend-log",
        "trend-log-multiple",
    }
)  # fmt: skip
"""The standard object type names of ANSI/ASHRAE 135, in their hyphenated form."""

_NAME = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_REF = re.compile(
    rf"^(?P<device>\d+)/(?P<type>{_NAME}|\d+),(?P<instance>\d+)"
    rf"(?:/(?P<property>{_NAME}|\d+))?(?:\[(?P<index>\d+)\])?$"
)


_VENDOR_TYPE = r"12[89]|1[3-9]\d|[2-9]\d\d|10[01]\d|102[0-3]"
SCHEMA_PATTERN = (
    rf"^\d{{1,7}}/(?:{'|'.join(sorted(STANDARD_OBJECT_TYPES))}|{_VENDOR_TYPE}),\d{{1,7}}"
    rf"(?:/(?:{_NAME}|\d+))?(?:\[\d+\])?$"
)
"""The JSON Schema pattern: exactly the object types the model accepts, so that a
schema-valid reference is one the API accepts (instance ranges aside)."""


class PointRefError(ValueError):
    """A point reference string that does not parse."""

    code = "invalid_point_ref"


class PointRef(BmsModel):
    """A reference to one property of one BACnet object.

    On the wire it is the canonical string; in Python, a typed model.
    """

    device: int = Field(ge=0, le=MAX_INSTANCE - 1, description="Device object instance.")
    object_type: str = Field(
        description="Object type, hyphenated (e.g. 'analog-value'), or a vendor number >= 128."
    )
    instance: int = Field(ge=0, le=MAX_INSTANCE, description="Object instance.")
    property: str = Field(
        default="present-value", description="Property identifier, hyphenated, or a number."
    )
    index: int | None = Field(
        default=None, ge=0, description="Array index, when the property is an array."
    )

    @model_validator(mode="after")
    def _known_object_type(self) -> PointRef:
        if self.object_type.isdigit():
            if not 128 <= int(self.object_type) <= 1023:
                raise ValueError(
                    f"numeric object type {self.object_type} is not a vendor type (128-1023)"
                )
        elif self.object_type not in STANDARD_OBJECT_TYPES:
            raise ValueError(f"unknown object type {self.object_type!r}")
        return self

    @classmethod
    def parse(cls, text: str) -> PointRef:
        """Parse the canonical form; the property defaults to ``present-value``."""
        match = _REF.match(text.strip())
        if match is None:
            raise PointRefError(
                f"{text!r} is not a point reference; expected DEVICE/OBJECT-TYPE,INSTANCE/PROPERTY "
                "such as '1001/analog-value,3/present-value'"
            )
        index = match["index"]
        try:
            return cls(
                device=int(match["device"]),
                object_type=match["type"],
                instance=int(match["instance"]),
                property=match["property"] or "present-value",
                index=int(index) if index is not None else None,
            )
        except ValueError as err:
            raise PointRefError(f"{text!r}: {_first_error(err)}") from err

    def __str__(self) -> str:
        suffix = f"[{self.index}]" if self.index is not None else ""
        return f"{self.device}/{self.object_type},{self.instance}/{self.property}{suffix}"

    @builtins.property  # the field named 'property' shadows the builtin here
    def object_key(self) -> str:
        """The object without the property, e.g. ``1001/analog-value,3``."""
        return f"{self.device}/{self.object_type},{self.instance}"

    @model_validator(mode="wrap")
    @classmethod
    def _from_string(cls, data: Any, handler: Any) -> Any:
        if isinstance(data, str):
            return cls.parse(data)
        return handler(data)

    @model_serializer(mode="plain")
    def _to_string(self) -> str:
        return str(self)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema_: CoreSchema, handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "title": "PointRef",
            "pattern": SCHEMA_PATTERN,
            "description": "Canonical point reference, e.g. '1001/analog-value,3/present-value'.",
            "examples": ["1001/analog-value,3/present-value"],
        }


def _first_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        return f"{loc}: {first['msg']}" if loc else str(first["msg"])
    return str(err)


__all__ = ["MAX_INSTANCE", "STANDARD_OBJECT_TYPES", "PointRef", "PointRefError"]
