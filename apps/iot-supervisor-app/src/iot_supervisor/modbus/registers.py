"""Register maps: what a Modbus device model's registers mean (one YAML file per model).

A map lists the model's points. Each has a *kind* (``coil``, ``discrete-input``,
``input-register``, ``holding-register``), a zero-based protocol *address* (what
goes on the wire; a datasheet's ``40001`` is holding-register address 0), a data
type, word and byte order, ``scale`` and ``offset`` (engineering value =
raw * scale + offset), units, whether it may be written, the range a write must
stay inside, and for status words the meaning of each code. Decoding and
encoding here are pure functions of a map entry and the raw registers.

The point's reference is ``modbus:DEVICE/KIND,ADDRESS``; see docs/modbus.md.
"""

from __future__ import annotations

import itertools
import math
import struct
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from bms_schemas import Scalar


class Kind(StrEnum):
    COIL = "coil"
    DISCRETE_INPUT = "discrete-input"
    INPUT_REGISTER = "input-register"
    HOLDING_REGISTER = "holding-register"

    @property
    def bits(self) -> bool:
        return self in (Kind.COIL, Kind.DISCRETE_INPUT)

    @property
    def writable(self) -> bool:
        return self in (Kind.COIL, Kind.HOLDING_REGISTER)


DataType = Literal["bool", "int16", "uint16", "int32", "uint32", "float32", "float64"]
Order = Literal["big", "little"]

_FORMATS: dict[str, tuple[str, int]] = {
    "int16": ("h", 1), "uint16": ("H", 1), "int32": ("i", 2), "uint32": ("I", 2),
    "float32": ("f", 2), "float64": ("d", 4),
}  # fmt: skip
_INT_RANGES = {
    "int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
}  # fmt: skip

MAX_REGISTERS_PER_READ = 125
"""Modbus application protocol v1.1b3: at most 125 registers per read (FC 3 and 4)."""
MAX_BITS_PER_READ = 2000
"""At most 2000 coils or discrete inputs per read (FC 1 and 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterPoint(_Strict):
    """One point of a register map."""

    name: str = Field(pattern=r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$", description="Point name.")
    kind: Kind
    address: int = Field(ge=0, le=65_535, description="Zero-based protocol address.")
    type: DataType = Field(default="uint16", description="Data type; 'bool' for bits.")
    word_order: Order | None = Field(default=None, description="Map default when unset.")
    byte_order: Order | None = Field(default=None, description="Map default when unset.")
    scale: float = Field(default=1.0, description="Engineering = raw * scale + offset.")
    offset: float = 0.0
    units: str | None = Field(default=None, description="Standard unit name, e.g. 'kilowatts'.")
    description: str | None = None
    writable: bool = False
    min: float | None = Field(default=None, description="Lowest engineering value a write may set.")
    max: float | None = Field(
        default=None, description="Highest engineering value a write may set."
    )
    states: dict[int, str] | None = Field(default=None, description="Meaning of each code.")
    relinquish_default: Scalar | None = Field(
        default=None,
        description="Written when the last priority is relinquished; null leaves the value.",
    )
    poll_interval_s: float | None = Field(
        default=None, gt=0, description="Device default if unset."
    )

    @model_validator(mode="after")
    def _consistent(self) -> RegisterPoint:
        if self.kind.bits != (self.type == "bool"):
            raise ValueError(f"{self.name}: {self.kind} needs type 'bool' and only it does")
        if self.writable and not self.kind.writable:
            raise ValueError(f"{self.name}: a {self.kind} cannot be written")
        if self.scale == 0:
            raise ValueError(f"{self.name}: scale must not be 0")
        if self.address + self.count > 65_536:
            raise ValueError(f"{self.name}: runs past address 65535")
        return self

    @property
    def count(self) -> int:
        """Registers (or bits) the point occupies."""
        return 1 if self.type == "bool" else _FORMATS[self.type][1]


class RegisterMap(_Strict):
    """A device model's registers."""

    model: str = Field(description="Model name, e.g. 'acme-em100'.")
    description: str | None = None
    word_order: Order = Field(default="big", description="Word order of multi-register values.")
    byte_order: Order = Field(default="big", description="Byte order inside each register.")
    max_registers_per_read: int = Field(default=MAX_REGISTERS_PER_READ, ge=1, le=125)
    max_bits_per_read: int = Field(default=MAX_BITS_PER_READ, ge=1, le=2000)
    max_gap: int = Field(
        default=0, ge=0, le=64,
        description="Unmapped registers a batched read may span; 0 reads only adjacent points.",
    )  # fmt: skip
    points: tuple[RegisterPoint, ...] = Field(min_length=1)
    _by_address: dict[tuple[str, int], RegisterPoint] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _no_overlap(self) -> RegisterMap:
        names = [p.name for p in self.points]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.model}: duplicate point names")
        by_kind: dict[Kind, list[RegisterPoint]] = {}
        for p in self.points:
            by_kind.setdefault(p.kind, []).append(p)
        for kind, points in by_kind.items():
            points.sort(key=lambda p: p.address)
            for a, b in itertools.pairwise(points):
                if a.address + a.count > b.address:
                    raise ValueError(f"{self.model}: {a.name} and {b.name} overlap in {kind}")
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._by_address = {(p.kind.value, p.address): p for p in self.points}

    def point(self, kind: str, address: int) -> RegisterPoint | None:
        return self._by_address.get((kind, address))

    def orders(self, point: RegisterPoint) -> tuple[Order, Order]:
        return point.word_order or self.word_order, point.byte_order or self.byte_order

    @classmethod
    def load(cls, path: Path) -> RegisterMap:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise ValueError(f"{path}: {err}") from err
        try:
            return cls.model_validate(data)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from err


SHIPPED_MAPS = Path(__file__).parent / "maps"
"""Register maps shipped with the service, by model name (``maps/<model>.yaml``)."""


class CodecError(ValueError):
    """A value that does not fit a point, or registers that do not decode."""


def decode(
    point: RegisterPoint, orders: tuple[Order, Order], raw: list[int] | list[bool]
) -> Scalar:
    """The engineering value of a point from its registers (or bit)."""
    if point.type == "bool":
        return bool(raw[0])
    fmt, count = _FORMATS[point.type]
    regs = [int(r) for r in raw[:count]]
    if len(regs) != count:
        raise CodecError(f"{point.name}: {count} registers needed, {len(regs)} read")
    word_order, byte_order = orders
    if word_order == "little":
        regs.reverse()
    data = b"".join(r.to_bytes(2, "big" if byte_order == "big" else "little") for r in regs)
    value = struct.unpack(">" + fmt, data)[0]
    if point.type.startswith("float"):
        if not math.isfinite(value):
            raise CodecError(f"{point.name}: the device sent a non-finite float ({value})")
        engineering: float = value * point.scale + point.offset
        return engineering
    if point.scale == 1 and point.offset == 0:
        return int(value)
    scaled: float = round(value * point.scale + point.offset, 9)
    return scaled


def encode(
    point: RegisterPoint, orders: tuple[Order, Order], value: Scalar
) -> list[int] | list[bool]:
    """The registers (or bit) that make ``value`` on the device; CodecError when it cannot."""
    if point.type == "bool":
        if isinstance(value, bool) or value in (0, 1):
            return [bool(value)]
        raise CodecError(f"{point.name} takes true or false, not {value!r}")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CodecError(f"{point.name} takes a number, not {value!r}")
    if not math.isfinite(value):
        raise CodecError(f"{point.name} takes a finite number, not {value!r}")
    if (point.min is not None and value < point.min) or (
        point.max is not None and value > point.max
    ):
        raise CodecError(
            f"{point.name}: {value} is outside the map's range "
            f"{point.min if point.min is not None else '-inf'} to "
            f"{point.max if point.max is not None else 'inf'}"
            f"{' ' + point.units if point.units else ''}"
        )
    if point.states is not None and value not in point.states:
        raise CodecError(f"{point.name}: {value} is not one of the codes {sorted(point.states)}")
    fmt, _count = _FORMATS[point.type]
    raw: float = (value - point.offset) / point.scale
    if point.type in _INT_RANGES:
        low, high = _INT_RANGES[point.type]
        rounded = round(raw)
        if not low <= rounded <= high:
            raise CodecError(f"{point.name}: {value} does not fit {point.type} after scaling")
        packed = struct.pack(">" + fmt, rounded)
    else:
        try:
            packed = struct.pack(">" + fmt, raw)
        except OverflowError as err:
            raise CodecError(f"{point.name}: {value} does not fit {point.type}") from err
    word_order, byte_order = orders
    regs = [
        int.from_bytes(packed[i : i + 2], "big" if byte_order == "big" else "little")
        for i in range(0, len(packed), 2)
    ]
    if word_order == "little":
        regs.reverse()
    return regs


__all__ = [
    "MAX_BITS_PER_READ",
    "MAX_REGISTERS_PER_READ",
    "SHIPPED_MAPS",
    "CodecError",
    "DataType",
    "Kind",
    "RegisterMap",
    "RegisterPoint",
    "decode",
    "encode",
]
