"""Point references: which property of which object on which device, on which protocol.

A point has one canonical string form, ``DEVICE/OBJECT-TYPE,INSTANCE/PROPERTY``
with an optional ``[INDEX]``, for example ``1001/analog-value,3/present-value``
or ``1001/analog-output,1/priority-array[8]``. It is what bundles, logs and
URLs carry; :meth:`PointRef.parse` and :meth:`str` are exact inverses on it.

A reference without a protocol is BACnet, as it always was. Other protocols
(IoT service plugins) prefix the same shape with their name and a colon:
``PROTOCOL:DEVICE/KIND,ADDRESS[/PROPERTY][[INDEX]]``, for example
``modbus:9001/holding-register,3`` (device 9001 of the service's Modbus
configuration, holding register at protocol address 3). ``bacnet:`` may be
written and is dropped when printed, so every BACnet reference has exactly one
canonical form. Which kinds a protocol has is the plugin's business: the
schema only fixes the shape, so bundles, flows, the engine and the Designer
handle every protocol's points alike.
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
BACNET = "bacnet"
"""The protocol of every reference written without one."""

_REF = re.compile(
    rf"^(?:(?P<protocol>{_NAME}):)?(?P<device>\d+)/(?P<type>{_NAME}|\d+),(?P<instance>\d+)"
    rf"(?:/(?P<property>{_NAME}|\d+))?(?:\[(?P<index>\d+)\])?$"
)


def _up_to(limit: int) -> str:
    """A regex of the decimal numbers 0..``limit``, leading zeros allowed (``int()`` takes them)."""
    digits = str(limit)
    shorter = [f"[1-9]\\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = []
    for i, d in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(d) > low:
            rest = len(digits) - i - 1
            tail = f"\\d{{{rest}}}" if rest else ""
            same_length.append(f"{digits[:i]}[{low}-{int(d) - 1}]{tail}")
    return f"0*(?:{'|'.join(['0', *shorter, *same_length, digits])})"


_VENDOR_TYPE = r"12[89]|1[3-9]\d|[2-9]\d\d|10[01]\d|102[0-3]"
_DEVICE = _up_to(MAX_INSTANCE - 1)
_TAIL = rf",{_up_to(MAX_INSTANCE)}(?:/(?:{_NAME}|\d+))?(?:\[\d+\])?$"
SCHEMA_PATTERN = (
    rf"^(?:(?:bacnet:)?{_DEVICE}/(?:{'|'.join(sorted(STANDARD_OBJECT_TYPES))}|{_VENDOR_TYPE}){_TAIL}"
    rf"|(?!bacnet:){_NAME}:{_DEVICE}/{_NAME}{_TAIL})"
)
"""The JSON Schema pattern: exactly the BACnet object types and the instance ranges the
model accepts, so that a schema-valid reference is one the API accepts; for another
protocol, any hyphenated kind (the protocol's plugin names its kinds)."""


class PointRefError(ValueError):
    """A point reference string that does not parse."""

    code = "invalid_point_ref"


class PointRef(BmsModel):
    """A reference to one property of one object of a device, BACnet unless it says otherwise.

    On the wire it is the canonical string; in Python, a typed model.
    """

    protocol: str = Field(
        default=BACNET,
        pattern=rf"^{_NAME}$",
        description="The IoT service protocol plugin that owns the point; 'bacnet' by default.",
    )
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
        if self.protocol != BACNET:
            if not re.fullmatch(_NAME, self.object_type):
                raise ValueError(
                    f"{self.protocol} kind {self.object_type!r} is not a hyphenated lower-case name"
                )
            return self
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
                "such as '1001/analog-value,3/present-value', or PROTOCOL:DEVICE/KIND,ADDRESS "
                "such as 'modbus:9001/holding-register,3'"
            )
        # only the parts the text has: the others are the fields' defaults, and the model's
        # set of fields given then has 3 or 4 names (216 bytes), not all 6 (728 bytes) --
        # a saving per reference that a service holding thousands of points notices
        given: dict[str, Any] = {
            "device": int(match["device"]),
            "object_type": match["type"],
            "instance": int(match["instance"]),
        }
        if match["protocol"]:
            given["protocol"] = match["protocol"]
        if match["property"]:
            given["property"] = match["property"]
        if match["index"] is not None:
            given["index"] = int(match["index"])
        try:
            return cls(**given)
        except ValueError as err:
            raise PointRefError(f"{text!r}: {_first_error(err)}") from err

    def __str__(self) -> str:
        suffix = f"[{self.index}]" if self.index is not None else ""
        prefix = "" if self.protocol == BACNET else f"{self.protocol}:"
        return f"{prefix}{self.device}/{self.object_type},{self.instance}/{self.property}{suffix}"

    @builtins.property  # the field named 'property' shadows the builtin here
    def object_key(self) -> str:
        """The object without the property, e.g. ``1001/analog-value,3``."""
        prefix = "" if self.protocol == BACNET else f"{self.protocol}:"
        return f"{prefix}{self.device}/{self.object_type},{self.instance}"

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
            "description": (
                "Canonical point reference, e.g. '1001/analog-value,3/present-value' (BACnet), "
                "or protocol-qualified, e.g. 'modbus:9001/holding-register,3/present-value'."
            ),
            "examples": [
                "1001/analog-value,3/present-value",
                "modbus:9001/holding-register,3/present-value",
            ],
        }


def _first_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ()))
        return f"{loc}: {first['msg']}" if loc else str(first["msg"])
    return str(err)


__all__ = ["BACNET", "MAX_INSTANCE", "STANDARD_OBJECT_TYPES", "PointRef", "PointRefError"]
