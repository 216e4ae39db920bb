"""What the client knows about one device: address, limits, points and health."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bacpypes3.pdu import Address  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

from bms_schemas import PointRef
from bms_schemas.iot import DeviceDetail, DeviceInfo, DeviceStatus, PointInfo

# Bytes an RPM reply spends per object for present-value plus status-flags, with headroom.
_REPLY_BYTES_PER_OBJECT = 32

_INFO_FIELDS = set(PointInfo.model_fields)
_REF_FIELDS = set(PointRef.model_fields)


def compact_point_info(info: PointInfo) -> PointInfo:
    """The same validated point, held in less memory: the service keeps one per point.

    A model keeps the set of the fields it was given (728 bytes for PointInfo's eleven,
    216 for its PointRef's); every point here has all of them, so the points share one set
    each (pydantic's ``model_construct(_fields_set=...)`` uses the set given, and a copy
    copies it). Repeated texts (object type, units) are interned. About 1 KB a point.
    """
    ref = info.point
    point = PointRef.model_construct(
        _REF_FIELDS, **{name: _text(value) for name, value in ref.__dict__.items()}
    )
    values = {name: _text(value) for name, value in info.__dict__.items()}
    values["point"] = point
    return PointInfo.model_construct(_INFO_FIELDS, **values)


def _text(value: Any) -> Any:
    return sys.intern(value) if type(value) is str else value


@dataclass(eq=False)
class Device:
    instance: int
    address: str
    max_apdu: int
    segmentation: str
    in_flight: int
    vendor_id: int | None = None
    name: str | None = None
    points: dict[str, PointInfo] = field(default_factory=dict)
    online: bool = True
    failures: int = 0
    last_seen: datetime | None = None
    rpm: bool | None = None
    """Whether the device takes ReadPropertyMultiple; None until its first answer says."""
    undecodable: set[tuple[str, str]] = field(default_factory=set)
    """(object, property) pairs whose value the stack could not decode: read alone, not in RPM."""
    semaphore: asyncio.Semaphore = field(init=False)
    addr: Address = field(init=False)
    object_id: ObjectIdentifier = field(init=False)

    def __post_init__(self) -> None:
        self.semaphore = asyncio.Semaphore(self.in_flight)
        self.addr = Address(self.address)
        self.object_id = ObjectIdentifier(f"device,{self.instance}")

    @property
    def segmented(self) -> bool:
        return self.segmentation in ("segmented-both", "segmented-transmit")

    def rpm_chunk(self, max_objects: int) -> int:
        """Objects per ReadPropertyMultiple so that an unsegmented reply fits the device's APDU."""
        if self.segmented:
            return max_objects
        return max(1, min(max_objects, (self.max_apdu - 16) // _REPLY_BYTES_PER_OBJECT))

    def update_from(self, other: Device) -> None:
        self.max_apdu = other.max_apdu
        self.segmentation = other.segmentation
        self.vendor_id = other.vendor_id

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            instance=self.instance,
            address=self.address,
            name=self.name,
            vendor_id=self.vendor_id,
            max_apdu=self.max_apdu,
            segmentation=self.segmentation,
            status=DeviceStatus.ONLINE if self.online else DeviceStatus.OFFLINE,
            point_count=len(self.points),
            last_seen=self.last_seen,
        )

    def detail(self) -> DeviceDetail:
        return DeviceDetail(device=self.info(), points=tuple(self.points.values()))

    @classmethod
    def from_detail(cls, detail: DeviceDetail, in_flight: int) -> Device:
        info = detail.device
        return cls(
            instance=info.instance,
            address=info.address,
            max_apdu=info.max_apdu,
            segmentation=info.segmentation,
            in_flight=in_flight,
            vendor_id=info.vendor_id,
            name=info.name,
            points={
                f"{p.point.object_type},{p.point.instance}": compact_point_info(p)
                for p in detail.points
            },
            last_seen=info.last_seen,
        )
