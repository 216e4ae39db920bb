"""The echo protocol: one device, configured points that answer reads and take writes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bms_schemas import PointRef, PointValue, Quality, Scalar
from bms_schemas.iot import (
    DeviceDetail,
    DeviceInfo,
    DeviceStatus,
    DiscoverRequest,
    PointInfo,
    ReadResult,
    WriteResult,
)


class EchoProtocol:
    def __init__(self, device: int, points: Mapping[str, Scalar]) -> None:
        self._device = device
        self._values = {int(k): v for k, v in points.items()}
        self._listeners: list[Any] = []

    address = "echo"
    bound = True

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def add_listener(self, listener: Any) -> None:
        self._listeners.append(listener)

    def load_cache(self, details: Sequence[DeviceDetail]) -> None: ...

    async def discover(self, request: DiscoverRequest) -> list[DeviceDetail]:
        return [self.device(self._device)]

    def _info(self) -> DeviceInfo:
        return DeviceInfo(
            instance=self._device, protocol="echo", address="echo", name="Echo device",
            max_apdu=1476, segmentation="no-segmentation", status=DeviceStatus.ONLINE,
            point_count=len(self._values),
        )  # fmt: skip

    def devices(self) -> list[DeviceInfo]:
        return [self._info()]

    def device(self, instance: int) -> DeviceDetail:
        points = [self.point_info(self._ref(n)) for n in sorted(self._values)]
        return DeviceDetail(device=self._info(), points=tuple(points))

    def _ref(self, n: int) -> PointRef:
        return PointRef(protocol="echo", device=self._device, object_type="value", instance=n)

    def point_info(self, point: PointRef) -> PointInfo:
        from iot_supervisor.errors import UnknownPointError

        if point.device != self._device or point.instance not in self._values:
            raise UnknownPointError(f"{point}: no such echo point")
        return PointInfo(
            point=self._ref(point.instance), name=f"echo-{point.instance}",
            object_type="value", commandable=False, writable=True, cov=False,
        )  # fmt: skip

    def encode(self, info: PointInfo, value: Scalar | None) -> Any:
        return value

    async def read(self, points: Sequence[PointRef]) -> list[ReadResult]:
        now = datetime.now(UTC)
        return [
            ReadResult(
                point=p,
                value=PointValue(value=self._values[p.instance], quality=Quality.OK, timestamp=now),
            )
            for p in points
        ]

    async def write(self, point: PointRef, encoded: Any, priority: int) -> WriteResult:
        self._values[point.instance] = encoded
        return WriteResult(point=point, ok=True, priority=priority, value=encoded)

    async def watch(self, point: PointRef) -> None: ...

    async def unwatch(self, point: PointRef) -> None: ...


def create(settings: Any, config: Mapping[str, Any]) -> EchoProtocol:
    return EchoProtocol(int(config["device"]), config.get("points", {}))
