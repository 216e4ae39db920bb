"""Field-device behaviours a simulated device can be given (``quirks:`` in the simulator file).

Each quirk changes one bacpypes3 Application the way a real stack in a
building behaves (shared/research/bacnet.md, "What field devices do"):

- ``broadcast-i-am``: answers Who-Is with a local broadcast I-Am only, so a
  client on another UDP port never hears it;
- ``no-rpm``: rejects ReadPropertyMultiple (unrecognized-service) and does not
  list it in protocol-services-supported;
- ``no-segmentation``: applied through the device's segmentation and max APDU
  (see :class:`~iot_supervisor.simulator.config.DeviceSpec`);
- ``real-ccp``: encodes current-command-priority as REAL, as one independent
  stack was seen to; bacpypes3 cannot decode it (applied in ``objects.py``);
- ``no-cov``: refuses SubscribeCOV (optional-functionality-not-supported) for
  every object, though protocol-services-supported lists it;
- ``slow``: answers every confirmed request after ``slowMs``;
- ``drops``: ignores a fraction ``dropFraction`` of confirmed requests, spread
  evenly (every 4th at 0.25), so a retry is never dropped as well.

Every simulated device also answers the wildcard device instance 4194303,
which stock bacpypes3 0.0.110 does not (it compares an ObjectIdentifier with a
tuple, pitfall 12).
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from typing import Any

from bacpypes3.app import Application  # type: ignore[import-untyped]
from bacpypes3.basetypes import ServicesSupported  # type: ignore[import-untyped]
from bacpypes3.errors import ExecutionError  # type: ignore[import-untyped]
from bacpypes3.pdu import PDU, LocalBroadcast  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

from iot_supervisor.simulator.config import DeviceSpec

WILDCARD_INSTANCE = 4_194_303
_CONFIRMED_REQUEST = 0


@dataclass
class RequestStats:
    """What a device with the ``slow`` or ``drops`` quirk saw, for tests and benchmarks."""

    received: int = 0
    dropped: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


@dataclass
class FieldLoad:
    """Over all devices with the ``slow`` or ``drops`` quirk: how many were busy at once.

    A device is busy while it holds a request it has not answered yet; a client that
    bounds the devices it talks to at once never makes more of them busy than its bound.
    """

    busy: int = 0
    max_busy: int = 0


def apply_quirks(app: Application, spec: DeviceSpec, load: FieldLoad | None = None) -> RequestStats:
    """Give ``app`` the wildcard device instance and every quirk of ``spec``."""
    stats = RequestStats()
    _answer_wildcard(app)
    quirks = set(spec.quirks)
    if "broadcast-i-am" in quirks:
        _broadcast_i_am(app)
    if "no-rpm" in quirks:
        _unsupported(app, "do_ReadPropertyMultipleRequest", "readPropertyMultiple")
    if "no-cov" in quirks:
        _refuse_cov(app)
    if "slow" in quirks or "drops" in quirks:
        _delay_and_drop(
            app,
            stats,
            load or FieldLoad(),
            delay_s=spec.slow_ms / 1000 if "slow" in quirks else 0.0,
            drop_fraction=spec.drop_fraction if "drops" in quirks else 0.0,
        )
    return stats


def _answer_wildcard(app: Application) -> None:
    original = app.get_object_id
    device_id = app.device_object.objectIdentifier

    def get_object_id(object_id: Any) -> Any:
        if object_id is not None and tuple(object_id) == (
            ObjectIdentifier(f"device,{WILDCARD_INSTANCE}")[0],
            WILDCARD_INSTANCE,
        ):
            object_id = device_id
        return original(object_id)

    app.get_object_id = get_object_id


def _broadcast_i_am(app: Application) -> None:
    async def do_WhoIsRequest(apdu: Any) -> None:
        instance = app.device_object.objectIdentifier[1]
        low, high = apdu.deviceInstanceRangeLowLimit, apdu.deviceInstanceRangeHighLimit
        if low is not None and high is not None and not low <= instance <= high:
            return
        app.i_am(address=LocalBroadcast())

    app.do_WhoIsRequest = do_WhoIsRequest


def _unsupported(app: Application, helper: str, service: str) -> None:
    # A None helper makes bacpypes3 reject the request with unrecognized-service.
    setattr(app, helper, None)
    _hide_service(app, service)


def _hide_service(app: Application, service: str) -> None:
    original = app.get_services_supported

    def get_services_supported() -> ServicesSupported:
        supported = original()
        supported[getattr(ServicesSupported, service)] = 0
        return supported

    app.get_services_supported = get_services_supported


def _refuse_cov(app: Application) -> None:
    async def do_SubscribeCOVRequest(apdu: Any) -> None:
        raise ExecutionError(errorClass="object", errorCode="optionalFunctionalityNotSupported")

    # The service stays listed, as on a device that has COV for some object types only:
    # a client learns from the refusal.
    app.do_SubscribeCOVRequest = do_SubscribeCOVRequest


def _delay_and_drop(
    app: Application, stats: RequestStats, load: FieldLoad, *, delay_s: float, drop_fraction: float
) -> None:
    """Delay or drop confirmed requests where they enter the application layer."""
    asap = app.asap
    original = asap.confirmation

    async def confirmation(pdu: PDU) -> None:
        if not (pdu.pduData and pdu.pduData[0] >> 4 == _CONFIRMED_REQUEST):
            await original(pdu)
            return
        stats.received += 1
        n = stats.received
        if math.floor(n * drop_fraction) > math.floor((n - 1) * drop_fraction):
            stats.dropped += 1
            return
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        if stats.in_flight == 1:
            load.busy += 1
            load.max_busy = max(load.max_busy, load.busy)
        try:
            if delay_s:
                await asyncio.sleep(delay_s)
            await original(pdu)
        finally:
            stats.in_flight -= 1
            if stats.in_flight == 0:
                load.busy -= 1

    asap.confirmation = confirmation


__all__ = ["WILDCARD_INSTANCE", "FieldLoad", "RequestStats", "apply_quirks"]
