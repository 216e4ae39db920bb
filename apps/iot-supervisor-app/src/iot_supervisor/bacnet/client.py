"""The one owner of the service's BACnet application: every BACnet request goes through here.

Per device: a semaphore bounds the requests in flight (bacpypes3 spins forever
past 255 outstanding requests to one device, pitfall 4); every request has an
``asyncio.wait_for`` timeout and bounded retries; repeated failures mark the
device offline, after which requests fail fast and a probe brings it back.
``ErrorRejectAbortNack`` derives from BaseException (pitfall 3), so it is
caught by name everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from bacpypes3.apdu import ErrorRejectAbortNack, WhoIsRequest  # type: ignore[import-untyped]
from bacpypes3.app import Application  # type: ignore[import-untyped]
from bacpypes3.basetypes import ErrorType  # type: ignore[import-untyped]
from bacpypes3.pdu import Address  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]
from bacpypes3.service.device import WhoIsFuture  # type: ignore[import-untyped]

from bms_schemas import PointRef, PointValue, Quality, Scalar
from bms_schemas.iot import (
    DeviceDetail,
    DeviceInfo,
    DiscoverRequest,
    PointInfo,
    ReadResult,
    WriteResult,
)
from iot_supervisor.addresses import BipAddress
from iot_supervisor.bacnet.cov import CovWatcher
from iot_supervisor.bacnet.describe import describe_device, discover
from iot_supervisor.bacnet.devices import Device
from iot_supervisor.bacnet.props import Failed, Prop, prop_key
from iot_supervisor.bacnet.stack import build_application, wait_bound
from iot_supervisor.errors import (
    BacnetError,
    DeviceOfflineError,
    UndecodableReplyError,
    UnknownDeviceError,
    UnknownPointError,
)
from iot_supervisor.normalise import (
    point_scalar,
    quality_from_flags,
    typed_scalar,
    unit_symbol,
    value_for_write,
)
from iot_supervisor.protocol import ValueListener
from iot_supervisor.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

_PV = "present-value"


class BacnetClient:
    """BACnet/IP behind the :class:`~iot_supervisor.protocol.PointProtocol` interface."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._bip = BipAddress.parse(settings.bacnet_address)
        self._app: Application | None = None
        self._bound = False
        self._devices: dict[int, Device] = {}
        self._listeners: list[ValueListener] = []
        self._probe_task: asyncio.Task[None] | None = None
        self.cov = CovWatcher(self)
        self._in_flight = asyncio.Semaphore(settings.in_flight_total)
        """All devices together: 100 devices x 8 requests would flood our socket buffer and
        answer late, so that requests time out that the devices did answer."""
        self.stats: dict[str, int] = {"requests": 0, "timeouts": 0, "errors": 0, "offline": 0}
        """Requests sent, timed out, answered with an error; devices marked offline."""
        self.describing = 0
        self.describing_peak = 0
        """Devices whose objects are being read now, and the most there have been at once."""

    # -- lifecycle -------------------------------------------------------------

    @property
    def address(self) -> str:
        return self._bip.hostport

    @property
    def bound(self) -> bool:
        return self._bound

    @property
    def app(self) -> Application:
        if self._app is None:
            raise BacnetError("the BACnet application is not started")
        return self._app

    async def start(self) -> None:
        s = self.settings
        bbmd = (
            BipAddress.parse(s.bbmd_address)
            if s.discovery_mode == "foreign" and s.bbmd_address
            else None
        )
        self._app = build_application(
            self._bip,
            instance=s.device_instance,
            name=f"IoT-Supervisor-{s.device_instance}",
            max_apdu=s.max_apdu,
            max_segments=s.max_segments,
            # Our own timeout and retries govern; the stack's must not outlast them.
            apdu_timeout_ms=int(s.request_timeout_s * 1000),
            apdu_retries=0,
            foreign_bbmd=bbmd,
        )
        await wait_bound(self._app)
        self._bound = True
        self._probe_task = asyncio.create_task(self._probe_offline(), name="bacnet-probe")

    async def close(self) -> None:
        await self.cov.close()
        if self._probe_task is not None:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
        if self._app is not None:
            self._app.close()
        self._bound = False

    def add_listener(self, listener: ValueListener) -> None:
        self._listeners.append(listener)

    def emit(self, point: PointRef, value: PointValue, source: str) -> None:
        for listener in self._listeners:
            listener(point, value, source)

    # -- devices ---------------------------------------------------------------

    def load_cache(self, details: Sequence[DeviceDetail]) -> None:
        for detail in details:
            device = Device.from_detail(detail, self.settings.in_flight_per_device)
            self._devices.setdefault(device.instance, device)

    async def discover(self, request: DiscoverRequest) -> list[DeviceDetail]:
        found = await discover(self, request)
        devices = []
        for i_am in found:
            device = self._devices.get(i_am.instance)
            if device is None or device.address != i_am.address:
                device = i_am
                self._devices[device.instance] = device
            else:
                device.update_from(i_am)
            self.mark_ok(device)
            devices.append(device)
        if request.describe:
            # Several devices at once, so that one slow or lossy device does not hold up the
            # others; but a bounded number: describing 100 devices at once queues their
            # requests behind each other until they time out, and nothing gets described.
            at_once = asyncio.Semaphore(self.settings.describe_devices_at_once)
            await asyncio.gather(*(self._describe(d, at_once) for d in devices))
        return [d.detail() for d in devices]

    async def _describe(self, device: Device, at_once: asyncio.Semaphore) -> None:
        async with at_once:
            self.describing += 1
            self.describing_peak = max(self.describing_peak, self.describing)
            try:
                await describe_device(self, device)
            except BacnetError as err:
                log.warning("device %s could not be described: %s", device.instance, err)
            finally:
                self.describing -= 1

    def devices(self) -> list[DeviceInfo]:
        return [d.info() for d in sorted(self._devices.values(), key=lambda d: d.instance)]

    def device(self, instance: int) -> DeviceDetail:
        return self._device(instance).detail()

    def known(self, instance: int) -> Device | None:
        """The client's state of a device, if it knows the device."""
        return self._devices.get(instance)

    def _device(self, instance: int) -> Device:
        device = self._devices.get(instance)
        if device is None:
            raise UnknownDeviceError(f"device {instance} is not known; run discovery first")
        return device

    def point_info(self, point: PointRef) -> PointInfo:
        device = self._device(point.device)
        info = device.points.get(f"{point.object_type},{point.instance}")
        if info is None:
            raise UnknownPointError(
                f"device {point.device} has no object {point.object_type},{point.instance}",
                details={"point": str(point)},
            )
        return info

    def set_point_info(self, info: PointInfo) -> None:
        """Replace what is known of a point (e.g. that it has no COV after all)."""
        device = self._devices.get(info.point.device)
        if device is not None:
            device.points[f"{info.point.object_type},{info.point.instance}"] = info

    def encode(self, info: PointInfo, value: Scalar | None) -> Any:
        return value_for_write(info, value)

    # -- requests --------------------------------------------------------------

    async def call(self, device: Device, make: Callable[[], Awaitable[T]]) -> T:
        """Run one confirmed request with the device's in-flight limit, timeout and retries.

        Every failure comes out as a :class:`BacnetError` with a short ``reason``:
        the device's error, reject or abort, ``no-response``, or, for a reply the
        stack cannot decode (a library exception), :class:`UndecodableReplyError`.
        """
        if not device.online:
            raise DeviceOfflineError(f"device {device.instance} is offline", reason="offline")
        s = self.settings
        attempts = s.request_retries + 1
        for attempt in range(attempts):
            async with device.semaphore, self._in_flight:
                self.stats["requests"] += 1
                try:
                    result = await asyncio.wait_for(make(), s.request_timeout_s + 0.5)
                except TimeoutError:
                    self.stats["timeouts"] += 1
                    failure = "no-response"
                except ErrorRejectAbortNack as err:
                    reason = bacnet_reason(err)
                    if "no-response" not in reason:
                        self.mark_ok(device)
                        self.stats["errors"] += 1
                        raise BacnetError(
                            f"device {device.instance}: {reason}", reason=reason
                        ) from None
                    self.stats["timeouts"] += 1
                    failure = reason
                except Exception as err:
                    # bacpypes3 raises plain AttributeError/ValueError/TypeError for a reply
                    # it cannot decode (e.g. current-command-priority sent as REAL): the
                    # device did answer, so it stays online; the caller reports the point.
                    self.mark_ok(device)
                    self.stats["errors"] += 1
                    raise UndecodableReplyError(
                        f"device {device.instance}: undecodable reply "
                        f"({type(err).__name__}: {err})",
                        reason="undecodable-reply",
                    ) from None
                else:
                    if result is None:  # a reply of the wrong APDU type (research §1.4)
                        raise BacnetError(
                            f"device {device.instance}: unexpected reply", reason="unexpected-reply"
                        )
                    self.mark_ok(device)
                    return result
            log.debug(
                "device %s attempt %d/%d: %s", device.instance, attempt + 1, attempts, failure
            )
        self.mark_failed(device)
        raise BacnetError(f"device {device.instance}: {failure}", reason=failure)

    def mark_ok(self, device: Device) -> None:
        device.failures = 0
        device.last_seen = datetime.now(UTC)
        if not device.online:
            device.online = True
            log.info("device %s is back online", device.instance)
            self.cov.device_back(device)

    def mark_failed(self, device: Device) -> None:
        device.failures += 1
        if device.online and device.failures >= self.settings.offline_after_failures:
            device.online = False
            self.stats["offline"] += 1
            log.warning("device %s is offline after %d failures", device.instance, device.failures)
            self.cov.device_lost(device)

    async def _probe_offline(self) -> None:
        while True:
            await asyncio.sleep(self.settings.probe_interval_s)
            offline = [d for d in self._devices.values() if not d.online]
            await asyncio.gather(*(self._probe(d) for d in offline))

    async def _probe(self, device: Device) -> None:
        try:
            await asyncio.wait_for(
                self.app.read_property(device.addr, device.object_id, "object-name"),
                self.settings.request_timeout_s + 0.5,
            )
        except (TimeoutError, ErrorRejectAbortNack, ValueError, TypeError):
            return
        self.mark_ok(device)

    # -- read ------------------------------------------------------------------

    async def read(self, points: Sequence[PointRef]) -> list[ReadResult]:
        by_device: dict[int, list[int]] = {}
        for i, point in enumerate(points):
            self.point_info(point)
            by_device.setdefault(point.device, []).append(i)
        results: list[ReadResult | None] = [None] * len(points)

        async def read_device(instance: int, indexes: list[int]) -> None:
            device = self._devices[instance]
            chunk = device.rpm_chunk(self.settings.rpm_max_objects)
            batches = [indexes[i : i + chunk] for i in range(0, len(indexes), chunk)]
            values = await asyncio.gather(
                *(self._read_chunk(device, [points[i] for i in batch]) for batch in batches)
            )
            for batch, batch_values in zip(batches, values, strict=True):
                for i, result in zip(batch, batch_values, strict=True):
                    results[i] = result

        await asyncio.gather(*(read_device(d, idx) for d, idx in by_device.items()))
        return [r for r in results if r is not None]

    async def _read_chunk(self, device: Device, points: list[PointRef]) -> list[ReadResult]:
        now = datetime.now(UTC)
        specs = [(_object_id(p), [(p.property, p.index), ("status-flags", None)]) for p in points]
        values = await self.read_multiple(device, specs)
        out = []
        for point in points:
            key = f"{point.object_type},{point.instance}"
            out.append(
                self._result(
                    device,
                    point,
                    values.get((key, prop_key(point.property, point.index))),
                    values.get((key, "status-flags")),
                    now,
                )
            )
        return out

    async def read_multiple(
        self, device: Device, specs: Sequence[tuple[ObjectIdentifier, Sequence[Prop]]]
    ) -> dict[tuple[str, str], Any]:
        """Read properties of several objects: one RPM when the device takes it, else one RP each.

        Keys are ``("type,instance", "property[index]")``; a property that could not be
        read maps to a :class:`Failed` with the reason. The device's support of RPM is
        learnt from its first answer and remembered. An RPM whose reply cannot be
        decoded, or would not fit an unsegmented APDU, is retried in parts, so one odd
        property fails alone.
        """
        if device.rpm is not False and device.undecodable:
            # Properties already known to be undecodable are read alone, so that the RPM of
            # the others is not spoilt (and retried one by one) at every read.
            known_bad = [
                (o, [(p, i) for p, i in props if (_key(o), prop_key(p, i)) in device.undecodable])
                for o, props in specs
            ]
            rest = [
                (
                    o,
                    [
                        (p, i)
                        for p, i in props
                        if (_key(o), prop_key(p, i)) not in device.undecodable
                    ],
                )
                for o, props in specs
            ]
            bad_specs = [(o, props) for o, props in known_bad if props]
            if bad_specs:
                good_specs = [(o, props) for o, props in rest if props]
                good, bad = await asyncio.gather(
                    self.read_multiple(device, good_specs) if good_specs else _no_values(),
                    self._read_singly(device, bad_specs),
                )
                return good | bad
        if device.rpm is not False:
            request: list[Any] = []
            for object_id, props in specs:
                request += [object_id, [prop_key(p, i) for p, i in props]]
            try:
                reply = await self.call(
                    device, lambda: self.app.read_property_multiple(device.addr, request)
                )
            except UndecodableReplyError:
                pass  # read one by one below: only the undecodable property fails
            except BacnetError as err:
                if err.reason in _UNSUPPORTED:
                    log.info("device %s does not take RPM (%s): using RP", device.instance, err)
                    device.rpm = False
                elif _too_big(err) and len(specs) > 1:
                    half = len(specs) // 2
                    first, second = await asyncio.gather(
                        self.read_multiple(device, specs[:half]),
                        self.read_multiple(device, specs[half:]),
                    )
                    return first | second
                elif not _too_big(err):
                    failed = Failed(str(err))
                    return {
                        (_key(o), prop_key(p, i)): failed for o, props in specs for p, i in props
                    }
            else:
                device.rpm = True
                out: dict[tuple[str, str], Any] = {}
                for object_id, prop_id, index, value in reply:
                    key = (_key(object_id), prop_key(str(prop_id), index))
                    out[key] = (
                        Failed(error_type_reason(value)) if isinstance(value, ErrorType) else value
                    )
                return out
        return await self._read_singly(device, specs)

    async def _read_singly(
        self, device: Device, specs: Sequence[tuple[ObjectIdentifier, Sequence[Prop]]]
    ) -> dict[tuple[str, str], Any]:
        """One ReadProperty per property, concurrently within the device's in-flight limit."""
        keys = [(o, p, i) for o, props in specs for p, i in props]
        values = await asyncio.gather(*(self._read_one(device, o, p, i) for o, p, i in keys))
        return {(_key(o), prop_key(p, i)): v for (o, p, i), v in zip(keys, values, strict=True)}

    async def _read_one(
        self, device: Device, object_id: ObjectIdentifier, prop: str, index: int | None
    ) -> Any:
        try:
            return await self.call(
                device,
                lambda: self.app.read_property(device.addr, object_id, prop, array_index=index),
            )
        except UndecodableReplyError as err:
            device.undecodable.add((_key(object_id), prop_key(prop, index)))
            return Failed(str(err))
        except BacnetError as err:
            return Failed(str(err))

    def _result(
        self, device: Device, point: PointRef, value: Any, flags: Any, now: datetime
    ) -> ReadResult:
        info = device.points.get(f"{point.object_type},{point.instance}")
        units = info.units if info is not None and point.property == _PV else None
        if value is None or isinstance(value, Failed):
            reason = value.reason if value is not None else "no value in reply"
            return ReadResult(
                point=point,
                value=PointValue(value=None, quality=Quality.FAULT, timestamp=now, units=units),
                error=reason,
            )
        quality = quality_from_flags(None if isinstance(flags, Failed) else flags)
        return ReadResult(
            point=point,
            value=PointValue(
                value=point_scalar(point.object_type, point.property, point.index, value),
                quality=quality,
                timestamp=now,
                units=units,
            ),
            unit_symbol=unit_symbol(units),
        )

    # -- write -----------------------------------------------------------------

    async def write(self, point: PointRef, encoded: Any, priority: int) -> WriteResult:
        info = self.point_info(point)
        device = self._devices[point.device]
        object_id = _object_id(point)
        kind = point.object_type
        # What the caller wrote, typed as the point's values are (true, not "active").
        base = {"point": point, "priority": priority, "value": typed_scalar(kind, encoded)}
        try:
            await self.call(
                device,
                lambda: self._write_acked(device, object_id, point.property, encoded, priority),
            )
        except BacnetError as err:
            return WriteResult(ok=False, error=str(err), **base)
        props: list[Prop] = [(_PV, None)]
        if info.commandable:
            props += [("priority-array", None), ("relinquish-default", None)]
        back = await self.read_multiple(device, [(object_id, props)])
        failed = [v for v in back.values() if isinstance(v, Failed)]
        values = {prop: v for (_, prop), v in back.items() if not isinstance(v, Failed)}
        array = values.get("priority-array")
        result = WriteResult(
            ok=True,
            present_value=typed_scalar(kind, values.get(_PV)),
            priority_array=tuple(typed_scalar(kind, p) for p in array) if array else None,
            relinquish_default=typed_scalar(kind, values.get("relinquish-default")),
            error=f"written; read-back failed: {failed[0].reason}" if failed else None,
            **base,
        )
        if _PV in values:
            self.emit(
                point,
                PointValue(
                    value=result.present_value, timestamp=datetime.now(UTC), units=info.units
                ),
                "write",
            )
        return result

    async def _write_acked(
        self, device: Device, object_id: ObjectIdentifier, prop: str, value: Any, priority: int
    ) -> bool:
        await self.app.write_property(device.addr, object_id, prop, value, priority=priority)
        return True

    # -- subscriptions ---------------------------------------------------------

    async def watch(self, point: PointRef) -> None:
        info = self.point_info(point)
        await self.cov.watch(point, info)

    async def unwatch(self, point: PointRef) -> None:
        await self.cov.unwatch(point)

    # -- discovery helpers used by describe.py ------------------------------------

    def who_is_directed(
        self, destination: Address, low: int | None, high: int | None, timeout: float
    ) -> asyncio.Future[Any]:
        """Who-Is to a directed broadcast, collecting every I-Am (who_is(address=) keeps one)."""
        app = self.app
        if not hasattr(app, "_who_is_futures"):
            app._who_is_futures = []
        future = WhoIsFuture(app, None, low, high, timeout)
        app._who_is_futures.append(future)
        request = WhoIsRequest(destination=destination)
        if low is not None and high is not None:
            request.deviceInstanceRangeLowLimit = low
            request.deviceInstanceRangeHighLimit = high
        app.request(request)
        result: asyncio.Future[Any] = future.future
        return result


_UNSUPPORTED = frozenset({"unrecognized-service", "service-request-denied"})


def _key(object_id: Any) -> str:
    return f"{object_id[0]},{object_id[1]}"


def _object_id(point: PointRef) -> ObjectIdentifier:
    return ObjectIdentifier(f"{point.object_type},{point.instance}")


async def _no_values() -> dict[tuple[str, str], Any]:
    return {}


def _too_big(err: BacnetError) -> bool:
    """Whether the reply would not fit: the device cannot segment it, or it is too long."""
    reason = err.reason or ""
    return "segmentation" in reason or "too-long" in reason or "buffer-overflow" in reason


def bacnet_reason(err: BaseException) -> str:
    """A short reason for an ErrorRejectAbortNack, e.g. 'unknown-object' or 'no-response'."""
    for attr in ("errorCode", "apduAbortRejectReason"):
        reason = getattr(err, attr, None)
        if reason is not None:
            return str(reason)
    return str(err) or type(err).__name__


def error_type_reason(value: Any) -> str:
    code = getattr(value, "errorCode", None)
    return str(code) if code is not None else "error"
