"""One protocol interface over several: BACnet plus the configured plugins.

The service talks to a :class:`ProtocolRouter` exactly as it talks to one
protocol. Each point reference names its protocol (``modbus:9001/...``; none
means BACnet), and the router hands every call to that protocol; batch reads
are split by protocol and reassembled in the order asked. Devices of every
protocol share one list, so their instance numbers must differ: a plugin's
configuration assigns them, and a clash with another protocol is a
configuration error the router reports (it keeps the first protocol's device).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bms_schemas import PointRef, Scalar
from bms_schemas.iot import (
    DeviceDetail,
    DeviceInfo,
    DiscoverRequest,
    PointInfo,
    ReadResult,
    WriteResult,
)
from bms_schemas.points import BACNET
from iot_supervisor.errors import UnknownDeviceError, UnknownPointError
from iot_supervisor.protocol import PointProtocol, ValueListener

log = logging.getLogger(__name__)


class ProtocolRouter:
    """A :class:`PointProtocol` that dispatches on each point's protocol."""

    def __init__(self, primary: PointProtocol, plugins: Mapping[str, PointProtocol]) -> None:
        self.primary = primary
        self.protocols: dict[str, PointProtocol] = {BACNET: primary, **plugins}

    def _for(self, point: PointRef) -> PointProtocol:
        protocol = self.protocols.get(point.protocol)
        if protocol is None:
            raise UnknownPointError(
                f"{point}: protocol {point.protocol!r} is not configured in this service "
                f"(configured: {', '.join(sorted(self.protocols))})",
                details={"point": str(point), "protocol": point.protocol},
            )
        return protocol

    @property
    def stats(self) -> dict[str, int]:
        """The BACnet client's request counters (the metrics page shows them)."""
        stats: dict[str, int] = getattr(self.primary, "stats", {})
        return stats

    @property
    def address(self) -> str:
        return self.primary.address

    @property
    def bound(self) -> bool:
        return all(p.bound for p in self.protocols.values())

    async def start(self) -> None:
        for protocol in self.protocols.values():
            await protocol.start()

    async def close(self) -> None:
        for protocol in reversed(list(self.protocols.values())):
            try:
                await protocol.close()
            except Exception:  # one protocol failing to close must not keep the others open
                log.exception("closing a protocol failed")

    def add_listener(self, listener: ValueListener) -> None:
        for protocol in self.protocols.values():
            protocol.add_listener(listener)

    def load_cache(self, details: Sequence[DeviceDetail]) -> None:
        by_protocol: dict[str, list[DeviceDetail]] = {}
        for detail in details:
            by_protocol.setdefault(detail.device.protocol, []).append(detail)
        for name, protocol in self.protocols.items():
            protocol.load_cache(by_protocol.get(name, []))

    async def discover(self, request: DiscoverRequest) -> list[DeviceDetail]:
        found = await asyncio.gather(*(p.discover(request) for p in self.protocols.values()))
        return [detail for details in found for detail in details]

    def _owners(self) -> dict[int, tuple[str, PointProtocol]]:
        owners: dict[int, tuple[str, PointProtocol]] = {}
        for name, protocol in self.protocols.items():
            for info in protocol.devices():
                first = owners.setdefault(info.instance, (name, protocol))
                if first[0] != name:
                    log.error(
                        "device %d exists in %s and %s; %s's is hidden: give it another instance",
                        info.instance, first[0], name, name,
                    )  # fmt: skip
        return owners

    def devices(self) -> list[DeviceInfo]:
        seen: set[int] = set()
        devices = []
        for protocol in self.protocols.values():
            for info in protocol.devices():
                if info.instance not in seen:
                    seen.add(info.instance)
                    devices.append(info)
        return sorted(devices, key=lambda d: d.instance)

    def device(self, instance: int) -> DeviceDetail:
        owner = self._owners().get(instance)
        if owner is None:
            raise UnknownDeviceError(f"device {instance} is not known; run discovery first")
        return owner[1].device(instance)

    def point_info(self, point: PointRef) -> PointInfo:
        return self._for(point).point_info(point)

    def encode(self, info: PointInfo, value: Scalar | None) -> Any:
        return self._for(info.point).encode(info, value)

    async def read(self, points: Sequence[PointRef]) -> list[ReadResult]:
        groups: dict[str, list[int]] = {}
        for i, point in enumerate(points):
            self._for(point)
            groups.setdefault(point.protocol, []).append(i)
        if len(groups) == 1:
            return await self._for(points[0]).read(points)
        names = list(groups)
        answers = await asyncio.gather(
            *(self.protocols[n].read([points[i] for i in groups[n]]) for n in names)
        )
        results: list[ReadResult | None] = [None] * len(points)
        for name, answer in zip(names, answers, strict=True):
            for i, result in zip(groups[name], answer, strict=True):
                results[i] = result
        return [r for r in results if r is not None]

    async def write(self, point: PointRef, encoded: Any, priority: int) -> WriteResult:
        return await self._for(point).write(point, encoded, priority)

    async def watch(self, point: PointRef) -> None:
        await self._for(point).watch(point)

    async def unwatch(self, point: PointRef) -> None:
        await self._for(point).unwatch(point)


__all__ = ["ProtocolRouter"]
