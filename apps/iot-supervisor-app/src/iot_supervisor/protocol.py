"""The protocol interface: what the service needs from a field bus.

BACnet/IP implements it today (:class:`iot_supervisor.bacnet.client.BacnetClient`);
a second protocol (Modbus TCP) plugs in behind the same interface without
changing the HTTP API or the engine. Values leave it already normalised.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bms_schemas import PointRef, PointValue, Scalar
from bms_schemas.iot import (
    DeviceDetail,
    DeviceInfo,
    DiscoverRequest,
    PointInfo,
    ReadResult,
    WriteResult,
)


def point_key(point: PointRef) -> str:
    """``str(point)`` as one shared string: the value cache, the watches and the subscriptions
    each keep a point's text as a key, and 10,000 points made four copies of each."""
    return sys.intern(str(point))


ValueListener = Callable[[PointRef, PointValue, str], None]
"""Called with (point, value, source) for every value change the protocol observes."""


class PointProtocol(Protocol):
    """Discover, describe, read, write and subscribe, for one field bus."""

    @property
    def address(self) -> str:
        """The local address the protocol is bound to."""
        ...

    @property
    def bound(self) -> bool:
        """Whether the protocol's socket is bound and ready."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def add_listener(self, listener: ValueListener) -> None: ...

    def load_cache(self, details: Sequence[DeviceDetail]) -> None:
        """Know these devices before any discovery (the runtime.db cache)."""
        ...

    async def discover(self, request: DiscoverRequest) -> list[DeviceDetail]: ...

    def devices(self) -> list[DeviceInfo]: ...

    def device(self, instance: int) -> DeviceDetail: ...

    def point_info(self, point: PointRef) -> PointInfo:
        """Metadata of the point's object; raises UnknownDeviceError or UnknownPointError."""
        ...

    def encode(self, info: PointInfo, value: Scalar | None) -> Any:
        """The wire value for ``value``; raises InvalidValueError when it does not fit."""
        ...

    async def read(self, points: Sequence[PointRef]) -> list[ReadResult]: ...

    async def write(self, point: PointRef, encoded: Any, priority: int) -> WriteResult: ...

    async def watch(self, point: PointRef) -> None:
        """Start delivering the point's changes to the listeners (COV or polling)."""
        ...

    async def unwatch(self, point: PointRef) -> None: ...
