"""Modbus TCP behind the protocol interface, with pymodbus.

Reads batch adjacent registers of one kind into one request (within 125
registers / 2000 bits, or the map's lower limits); a batch that the device
refuses with an exception is retried point by point, so one bad address is one
point's error. Watched points are polled, each at its own interval, and every
value goes to the same listeners as BACnet COV notifications.

A device that stops answering is marked offline after ``offline_after_failures``
failures: its points read as ``fault`` at once (no request is sent) and a
reconnect is tried with exponential backoff; when it answers again, polling
resumes and its points are restored.

Modbus has no priority array, so the service keeps one per writable point: a
write fills its priority's slot and the device is written with the winner
(the lowest occupied priority); a relinquish empties the slot and writes the
next winner, or, when no slot is left, the map's ``relinquish_default`` (or
leaves the device's value as it is when the map has none). The table lives in
the service's memory: after a restart the engine's next write re-asserts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ModbusPDU

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
from iot_supervisor.errors import (
    DeviceOfflineError,
    InvalidValueError,
    UnknownDeviceError,
    UnknownPointError,
)
from iot_supervisor.modbus.batching import Batch, plan
from iot_supervisor.modbus.config import ModbusConfig, ModbusDeviceConfig
from iot_supervisor.modbus.registers import (
    CodecError,
    Kind,
    RegisterMap,
    RegisterPoint,
    decode,
    encode,
)
from iot_supervisor.normalise import unit_symbol
from iot_supervisor.protocol import ValueListener

log = logging.getLogger(__name__)

PROTOCOL = "modbus"
MAX_PDU = 253
"""Modbus PDU size limit; reported as the device's max APDU."""


class DeviceFailure(Exception):
    """The device did not answer (connection refused, closed or timed out)."""


class PointFailure(Exception):
    """The device answered a request with a Modbus exception."""


@dataclass
class _Watch:
    point: PointRef
    entry: RegisterPoint
    interval_s: float
    due: float = 0.0


@dataclass
class _Device:
    config: ModbusDeviceConfig
    map: RegisterMap
    client: AsyncModbusTcpClient
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    online: bool = True
    failures: int = 0
    backoff_s: float = 0.0
    retry_at: float = 0.0
    last_seen: datetime | None = None
    priorities: dict[str, dict[int, Scalar]] = field(default_factory=dict)
    watches: dict[str, _Watch] = field(default_factory=dict)
    wake: asyncio.Event = field(default_factory=asyncio.Event)


def _exception_text(response: ModbusPDU) -> str:
    code = getattr(response, "exception_code", None)
    names = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
             4: "server device failure", 6: "server device busy"}  # fmt: skip
    return f"modbus exception {code} ({names.get(code or 0, 'unknown')})"


class ModbusProtocol:
    """The Modbus TCP plugin: the configured devices, polled and written through pymodbus."""

    def __init__(self, config: ModbusConfig) -> None:
        self.config = config
        self._devices: dict[int, _Device] = {}
        for device in config.devices:
            self._devices[device.instance] = _Device(
                config=device,
                map=config.load_map(device),
                client=self._new_client(device),
            )
        self._listeners: list[ValueListener] = []
        self._infos: dict[tuple[int, str], PointInfo] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._simulator: Any = None
        self.stats = {"requests": 0, "timeouts": 0, "errors": 0}

    def _new_client(self, device: ModbusDeviceConfig) -> AsyncModbusTcpClient:
        # No automatic reconnect and no retries inside pymodbus: offline detection and
        # backoff are ours, so that a dead device costs one timeout, not a retry storm.
        return AsyncModbusTcpClient(
            device.host, port=device.port, timeout=self.config.timeout_s, retries=0,
            reconnect_delay=0, name=f"modbus-{device.instance}",
        )  # fmt: skip

    # -- lifecycle -------------------------------------------------------------

    @property
    def address(self) -> str:
        return ",".join(f"{d.config.host}:{d.config.port}" for d in self._devices.values())

    @property
    def bound(self) -> bool:
        return True  # a TCP client binds nothing; devices report their own status

    async def start(self) -> None:
        if self.config.simulate:
            from iot_supervisor.modbus.simulator import ModbusSimulator

            simulated = [d for d in self.config.devices if d.simulate]
            self._simulator = ModbusSimulator(
                [(d, self._devices[d.instance].map) for d in simulated]
            )
            await self._simulator.start()
        for device in self._devices.values():
            self._tasks.append(
                asyncio.create_task(
                    self._poll(device), name=f"modbus-poll-{device.config.instance}"
                )
            )

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for device in self._devices.values():
            device.client.close()
        if self._simulator is not None:
            await self._simulator.stop()

    def add_listener(self, listener: ValueListener) -> None:
        self._listeners.append(listener)

    def load_cache(self, details: Sequence[DeviceDetail]) -> None:
        """Nothing to load: the configuration says which devices there are."""

    # -- devices and points ----------------------------------------------------

    async def discover(self, request: DiscoverRequest) -> list[DeviceDetail]:
        """Probe each configured device (within the request's instance range) and describe it."""
        low = request.low_limit if request.low_limit is not None else 0
        high = request.high_limit if request.high_limit is not None else 4_194_302
        chosen = [d for i, d in sorted(self._devices.items()) if low <= i <= high]
        await asyncio.gather(*(self._probe(d) for d in chosen))
        return [self._detail(d) for d in chosen]

    async def _probe(self, device: _Device) -> bool:
        first = plan(device.map, [device.map.points[0]])[0]
        try:
            await self._request(device, first, force=True)
        except (DeviceFailure, PointFailure):
            return False
        return True

    def _info(self, device: _Device) -> DeviceInfo:
        c = device.config
        return DeviceInfo(
            instance=c.instance, protocol=PROTOCOL, address=f"{c.host}:{c.port}/{c.unit}",
            name=c.name, max_apdu=MAX_PDU, segmentation="no-segmentation",
            status=DeviceStatus.ONLINE if device.online else DeviceStatus.OFFLINE,
            point_count=len(device.map.points), last_seen=device.last_seen,
        )  # fmt: skip

    def _detail(self, device: _Device) -> DeviceDetail:
        return DeviceDetail(
            device=self._info(device),
            points=tuple(self._point_info(device, p) for p in device.map.points),
        )

    def devices(self) -> list[DeviceInfo]:
        return [self._info(d) for _, d in sorted(self._devices.items())]

    def device(self, instance: int) -> DeviceDetail:
        return self._detail(self._device(instance))

    def _device(self, instance: int) -> _Device:
        device = self._devices.get(instance)
        if device is None:
            raise UnknownDeviceError(f"modbus device {instance} is not configured")
        return device

    def _entry(self, point: PointRef) -> tuple[_Device, RegisterPoint]:
        device = self._device(point.device)
        entry = None
        if (
            point.object_type in set(Kind)
            and point.property == "present-value"
            and point.index is None
        ):
            entry = device.map.point(point.object_type, point.instance)
        if entry is None:
            raise UnknownPointError(
                f"{point}: the register map {device.map.model!r} of device {point.device} "
                f"has no point at {point.object_type} {point.instance}",
                details={"point": str(point)},
            )
        return device, entry

    def _ref(self, device: _Device, entry: RegisterPoint) -> PointRef:
        return PointRef(
            protocol=PROTOCOL, device=device.config.instance, object_type=entry.kind.value,
            instance=entry.address,
        )  # fmt: skip

    def _point_info(self, device: _Device, entry: RegisterPoint) -> PointInfo:
        states = entry.states
        texts = None
        if states and sorted(states) == list(range(1, len(states) + 1)):
            texts = tuple(states[i] for i in sorted(states))
        description = entry.description
        if states and texts is None:
            codes = ", ".join(f"{k}={v}" for k, v in sorted(states.items()))
            description = f"{description + '; ' if description else ''}codes: {codes}"
        return PointInfo(
            point=self._ref(device, entry), name=entry.name, object_type=entry.kind.value,
            description=description, units=entry.units, unit_symbol=unit_symbol(entry.units),
            state_texts=texts, commandable=entry.writable, writable=entry.writable, cov=False,
        )  # fmt: skip

    def point_info(self, point: PointRef) -> PointInfo:
        device, entry = self._entry(point)
        key = (device.config.instance, entry.name)
        info = self._infos.get(key)
        if info is None:
            info = self._infos[key] = self._point_info(device, entry)
        return info

    def encode(self, info: PointInfo, value: Scalar | None) -> Any:
        """The registers for ``value``, checked against the map (type, range, codes)."""
        device, entry = self._entry(info.point)
        if value is None:
            return None
        try:
            return encode(entry, device.map.orders(entry), value)
        except CodecError as err:
            raise InvalidValueError(
                f"{info.point}: {err}", details={"point": str(info.point), "value": value}
            ) from None

    # -- requests --------------------------------------------------------------

    async def _request(self, device: _Device, batch: Batch, *, force: bool = False) -> list[Any]:
        """One read; DeviceFailure when the device does not answer, PointFailure on an exception."""
        if not device.online and not force:
            raise DeviceFailure(f"modbus device {device.config.instance} is offline")
        unit = device.config.unit
        async with device.lock:
            self.stats["requests"] += 1
            try:
                if not device.client.connected and not await device.client.connect():
                    raise DeviceFailure("connection refused")
                call = {
                    Kind.COIL: device.client.read_coils,
                    Kind.DISCRETE_INPUT: device.client.read_discrete_inputs,
                    Kind.INPUT_REGISTER: device.client.read_input_registers,
                    Kind.HOLDING_REGISTER: device.client.read_holding_registers,
                }[batch.kind]
                response = await asyncio.wait_for(
                    call(batch.address, count=batch.count, device_id=unit),
                    self.config.timeout_s + 0.5,
                )
            except (ModbusException, OSError, TimeoutError, DeviceFailure) as err:
                self.stats["timeouts" if isinstance(err, TimeoutError) else "errors"] += 1
                device.client.close()
                self._failed(device, str(err) or type(err).__name__)
                raise DeviceFailure(
                    f"modbus device {device.config.instance} did not answer: {err or type(err).__name__}"
                ) from None
        self._answered(device)
        if response.isError():
            raise PointFailure(_exception_text(response))
        values: list[Any] = list(response.bits if batch.kind.bits else response.registers)
        return values[: batch.count]

    def _answered(self, device: _Device) -> None:
        device.failures = 0
        device.backoff_s = 0.0
        device.last_seen = datetime.now(UTC)
        if not device.online:
            device.online = True
            device.wake.set()
            log.info("modbus device %s is back online", device.config.instance)

    def _failed(self, device: _Device, reason: str) -> None:
        device.failures += 1
        if device.online and device.failures >= self.config.offline_after_failures:
            device.online = False
            device.backoff_s = self.config.backoff_initial_s
            device.retry_at = time.monotonic() + device.backoff_s
            log.warning("modbus device %s is offline: %s", device.config.instance, reason)

    async def _read_entries(
        self, device: _Device, entries: list[RegisterPoint]
    ) -> dict[str, PointValue | str]:
        """Each entry's value, or the reason it has none."""
        out: dict[str, PointValue | str] = {}
        now = datetime.now(UTC)
        for batch in plan(device.map, entries):
            try:
                raw = await self._request(device, batch)
            except DeviceFailure as err:
                for e in batch.points:
                    out[e.name] = str(err)
                continue
            except PointFailure as err:
                if len(batch.points) == 1:
                    out[batch.points[0].name] = f"{batch.points[0].name}: {err}"
                    continue
                # One refused address must not fault its neighbours: read them one by one.
                singles = await self._read_entries(device, batch.points[:1])
                rest = await self._read_entries(device, batch.points[1:])
                out.update(singles)
                out.update(rest)
                continue
            for e in batch.points:
                start = e.address - batch.address
                try:
                    value = decode(e, device.map.orders(e), raw[start : start + e.count])
                except CodecError as err:
                    out[e.name] = str(err)
                    continue
                out[e.name] = PointValue(
                    value=value, quality=Quality.OK, timestamp=now, units=e.units
                )
        return out

    def _result(self, point: PointRef, entry: RegisterPoint, got: PointValue | str) -> ReadResult:
        if isinstance(got, PointValue):
            return ReadResult(point=point, value=got, unit_symbol=unit_symbol(entry.units))
        fault = PointValue(
            value=None, quality=Quality.FAULT, timestamp=datetime.now(UTC), units=entry.units
        )
        return ReadResult(point=point, value=fault, unit_symbol=unit_symbol(entry.units), error=got)

    async def read(self, points: Sequence[PointRef]) -> list[ReadResult]:
        resolved = [self._entry(p) for p in points]
        by_device: dict[int, list[RegisterPoint]] = {}
        for device, entry in resolved:
            by_device.setdefault(device.config.instance, []).append(entry)
        answers = await asyncio.gather(
            *(self._read_entries(self._devices[i], entries) for i, entries in by_device.items())
        )
        got = dict(zip(by_device, answers, strict=True))
        return [
            self._result(point, entry, got[device.config.instance][entry.name])
            for point, (device, entry) in zip(points, resolved, strict=True)
        ]

    async def write(self, point: PointRef, encoded: Any, priority: int) -> WriteResult:
        device, entry = self._entry(point)
        if not device.online:
            raise DeviceOfflineError(f"modbus device {device.config.instance} is offline")
        table = device.priorities.setdefault(entry.name, {})
        if encoded is None:
            table.pop(priority, None)
        else:
            table[priority] = decode(entry, device.map.orders(entry), encoded)
        winner = min(table) if table else None
        target: Scalar | None = table[winner] if winner is not None else entry.relinquish_default
        slots = tuple(table.get(p) for p in range(1, 17))
        value = None if encoded is None else table[priority]
        error = None
        if target is not None:
            try:
                await self._write_raw(
                    device, entry, encode(entry, device.map.orders(entry), target)
                )
            except (DeviceFailure, PointFailure, CodecError) as err:
                error = str(err)
        present: Scalar | None = None
        if error is None:
            got = (await self._read_entries(device, [entry]))[entry.name]
            present = got.value if isinstance(got, PointValue) else None
            if isinstance(got, PointValue):
                for listener in self._listeners:
                    listener(point, got, "write")
        return WriteResult(
            point=point, ok=error is None, priority=priority, value=value, present_value=present,
            priority_array=slots, relinquish_default=entry.relinquish_default, error=error,
        )  # fmt: skip

    async def _write_raw(self, device: _Device, entry: RegisterPoint, raw: list[Any]) -> None:
        unit = device.config.unit
        async with device.lock:
            self.stats["requests"] += 1
            try:
                if not device.client.connected and not await device.client.connect():
                    raise DeviceFailure("connection refused")
                client = device.client
                if entry.kind is Kind.COIL:
                    call = client.write_coil(entry.address, bool(raw[0]), device_id=unit)
                elif len(raw) == 1:  # FC 6: the one every device with holding registers has
                    call = client.write_register(entry.address, int(raw[0]), device_id=unit)
                else:
                    call = client.write_registers(
                        entry.address, [int(r) for r in raw], device_id=unit
                    )
                response = await asyncio.wait_for(call, self.config.timeout_s + 0.5)
            except (ModbusException, OSError, TimeoutError, DeviceFailure) as err:
                self.stats["errors"] += 1
                device.client.close()
                self._failed(device, str(err))
                raise DeviceFailure(
                    f"modbus device {device.config.instance} did not answer: {err}"
                ) from None
        self._answered(device)
        if response.isError():
            raise PointFailure(_exception_text(response))

    # -- polling -----------------------------------------------------------------

    async def watch(self, point: PointRef) -> None:
        device, entry = self._entry(point)
        interval = entry.poll_interval_s or device.config.poll_interval_s
        device.watches.setdefault(str(point), _Watch(point, entry, interval))
        device.wake.set()

    async def unwatch(self, point: PointRef) -> None:
        device, _entry = self._entry(point)
        device.watches.pop(str(point), None)

    async def _poll(self, device: _Device) -> None:
        while True:
            now = time.monotonic()
            if not device.online:
                if now < device.retry_at:
                    await self._sleep(device, device.retry_at - now)
                    continue
                if not await self._probe(device):
                    device.backoff_s = min(device.backoff_s * 2, self.config.backoff_max_s)
                    device.retry_at = time.monotonic() + device.backoff_s
                    continue
                for w in device.watches.values():
                    w.due = 0.0  # back online: refresh every watched point now
            due = [w for w in device.watches.values() if w.due <= now]
            if due:
                got = await self._read_entries(device, [w.entry for w in due])
                for w in due:
                    w.due = now + w.interval_s
                    result = self._result(w.point, w.entry, got[w.entry.name])
                    source = "poll" if result.error is None else "fault"
                    for listener in self._listeners:
                        listener(w.point, result.value, source)
            upcoming = [w.due for w in device.watches.values()]
            wait = (min(upcoming) - time.monotonic()) if upcoming else 60.0
            if not device.online:
                wait = device.retry_at - time.monotonic()
            await self._sleep(device, max(wait, 0.0))

    async def _sleep(self, device: _Device, seconds: float) -> None:
        device.wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(device.wake.wait(), seconds)


__all__ = ["PROTOCOL", "ModbusProtocol"]
