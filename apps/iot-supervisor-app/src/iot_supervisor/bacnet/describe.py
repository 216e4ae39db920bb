"""Discovery (Who-Is in four ways, or reading a silent target's device object) and
description of a device's objects.

Who-Is on loopback (research §2): a global broadcast reaches only devices on
the client's own port; a directed broadcast to 127.255.255.255:47808 reaches
all of them, but ``who_is(address=...)`` keeps only the I-Am from that exact
address, so an unfiltered WhoIsFuture collects them instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bacpypes3.apdu import ErrorRejectAbortNack  # type: ignore[import-untyped]
from bacpypes3.pdu import Address  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

from bms_schemas import PointRef
from bms_schemas.iot import DiscoverRequest, PointInfo
from iot_supervisor.bacnet.devices import Device, compact_point_info
from iot_supervisor.bacnet.props import Failed, Prop
from iot_supervisor.errors import BacnetError
from iot_supervisor.normalise import unit_symbol

if TYPE_CHECKING:
    from iot_supervisor.bacnet.client import BacnetClient

POINT_TYPES = frozenset(
    {
        "analog-input", "analog-output", "analog-value",
        "binary-input", "binary-output", "binary-value",
        "multi-state-input", "multi-state-output", "multi-state-value",
    }
)  # fmt: skip
_COMMANDABLE_CANDIDATES = frozenset(t for t in POINT_TYPES if not t.endswith("input"))
_DESCRIBE_CHUNK = 10
_DESCRIBE_BYTES_PER_OBJECT = 64
"""Reply bytes per object of a description (name, units or state texts, relinquish default)."""
WILDCARD_INSTANCE = 4_194_303
log = logging.getLogger(__name__)


async def discover(client: BacnetClient, request: DiscoverRequest) -> list[Device]:
    """Send Who-Is the way the settings say and return a Device per I-Am."""
    s = client.settings
    timeout = request.timeout_s or s.discovery_timeout_s
    low, high = request.low_limit, request.high_limit
    if (low is None) != (high is None):
        low = low if low is not None else 0
        high = high if high is not None else 4_194_302
    app = client.app
    i_ams: list[Any]
    identified: list[Device] = []
    if s.discovery_mode == "unicast":
        replies = await asyncio.gather(
            *(app.who_is(low, high, address=Address(t), timeout=timeout) for t in s.targets)
        )
        i_ams = [i for reply in replies for i in reply]
        # A device that answers only with a broadcast I-Am is not heard on our port:
        # ask each silent target who it is by reading its device object instead.
        silent = [t for t, reply in zip(s.targets, replies, strict=True) if not reply]
        for device in await asyncio.gather(*(identify(client, t, timeout) for t in silent)):
            if device is not None and (low is None or low <= device.instance <= (high or 0)):
                identified.append(device)
    elif s.discovery_mode == "directed-broadcast":
        i_ams = await client.who_is_directed(Address(s.broadcast_address), low, high, timeout)
    else:
        i_ams = await app.who_is(low, high, timeout=timeout)
    if s.routers:
        # A global Who-Is sent to each router, which forwards it onto its other networks.
        routed = await asyncio.gather(
            *(client.who_is_directed(Address(f"*:*@{r}"), low, high, timeout) for r in s.routers)
        )
        i_ams = [*i_ams, *(i for reply in routed for i in reply)]
    devices: dict[int, Device] = {d.instance: d for d in identified}
    for i_am in i_ams:
        instance = i_am.iAmDeviceIdentifier[1]
        if instance == s.device_instance:
            continue
        devices[instance] = Device(
            instance=instance,
            address=device_address(i_am.pduSource),
            max_apdu=int(i_am.maxAPDULengthAccepted),
            segmentation=str(i_am.segmentationSupported),
            in_flight=s.in_flight_per_device,
            vendor_id=int(i_am.vendorID),
        )
    return [devices[i] for i in sorted(devices)]


def device_address(source: Address) -> str:
    """``ip:port``, or for a device behind a router ``NET:0xMAC@ROUTER-IP:PORT``."""
    if source.addrType == Address.remoteStationAddr:
        return str(source)
    return "{}:{}".format(*source.addrTuple)


async def identify(client: BacnetClient, target: str, timeout: float) -> Device | None:
    """The device at ``target``, read through the wildcard device instance; None if silent.

    Each property is read with ReadProperty: the smallest devices take no RPM.
    """
    address = Address(target)
    app = client.app

    async def read(object_id: Any, prop: str) -> Any:
        return await asyncio.wait_for(app.read_property(address, object_id, prop), timeout)

    try:
        object_id = await read(ObjectIdentifier(f"device,{WILDCARD_INSTANCE}"), "object-identifier")
        name, vendor, max_apdu, segmentation = await asyncio.gather(
            *(
                read(object_id, p)
                for p in (
                    "object-name",
                    "vendor-identifier",
                    "max-apdu-length-accepted",
                    "segmentation-supported",
                )
            )
        )
        device = Device(
            instance=int(object_id[1]),
            address="{}:{}".format(*address.addrTuple),
            max_apdu=int(max_apdu),
            segmentation=str(segmentation),
            in_flight=client.settings.in_flight_per_device,
            vendor_id=int(vendor),
            name=str(name),
        )
    except (ErrorRejectAbortNack, TimeoutError, ValueError, TypeError, AttributeError) as err:
        log.info("no device identified at %s: %s", target, err)
        return None
    log.info("device %s at %s found by reading its device object", device.instance, target)
    return device


async def describe_device(client: BacnetClient, device: Device) -> None:
    """Read the object list and each point's metadata into ``device.points``."""
    header = await client.read_multiple(
        device, [(device.object_id, [("object-name", None), ("protocol-services-supported", None)])]
    )
    values = {p: v for (_, p), v in header.items() if not isinstance(v, Failed)}
    if not values and header:
        raise BacnetError(f"device {device.instance}: {next(iter(header.values())).reason}")
    name = values.get("object-name")
    device.name = None if name is None else str(name)
    services = values.get("protocol-services-supported")
    cov = services is not None and bool(services[5])
    object_ids = [o for o in await _object_list(client, device) if str(o[0]) in POINT_TYPES]
    points: dict[str, PointInfo] = {}
    size = _DESCRIBE_CHUNK
    if not device.segmented:
        # An unsegmented reply must fit the device's APDU; read_multiple splits what still does not.
        size = max(1, min(size, (device.max_apdu - 16) // _DESCRIBE_BYTES_PER_OBJECT))
    chunks = [object_ids[i : i + size] for i in range(0, len(object_ids), size)]
    for replies in await asyncio.gather(*(_describe_chunk(client, device, c) for c in chunks)):
        for object_id, props in replies.items():
            points[object_id] = compact_point_info(
                _point_info(device.instance, object_id, props, cov=cov)
            )
    device.points = points


async def _object_list(client: BacnetClient, device: Device) -> list[Any]:
    app = client.app
    try:
        return list(
            await client.call(
                device, lambda: app.read_property(device.addr, device.object_id, "object-list")
            )
        )
    except BacnetError as err:
        # A device that does not segment cannot return a long list whole: read it entry by entry.
        if "segmentation" not in str(err) and "too-long" not in str(err):
            raise
    count = int(
        await client.call(
            device,
            lambda: app.read_property(device.addr, device.object_id, "object-list", array_index=0),
        )
    )

    async def entry(index: int) -> Any:
        return await client.call(
            device,
            lambda: app.read_property(
                device.addr, device.object_id, "object-list", array_index=index
            ),
        )

    return list(await asyncio.gather(*(entry(i) for i in range(1, count + 1))))


async def _describe_chunk(
    client: BacnetClient, device: Device, object_ids: list[Any]
) -> dict[str, dict[str, Any]]:
    specs: list[tuple[Any, list[Prop]]] = []
    for object_id in object_ids:
        kind = str(object_id[0])
        props: list[Prop] = [("object-name", None)]
        if kind.startswith("analog"):
            props.append(("units", None))
            if kind != "analog-input":
                # The device's own range: writes outside it are refused before they are sent.
                props += [("min-pres-value", None), ("max-pres-value", None)]
        if kind.startswith("multi-state"):
            props.append(("state-text", None))
        if kind in _COMMANDABLE_CANDIDATES:
            props.append(("relinquish-default", None))
        specs.append((ObjectIdentifier(object_id), props))
    values = await client.read_multiple(device, specs)
    out: dict[str, dict[str, Any]] = {f"{o[0]},{o[1]}": {} for o in object_ids}
    for (key, prop), value in values.items():
        if not isinstance(value, Failed):
            out.setdefault(key, {})[prop] = value
    return out


def _point_info(device: int, object_id: str, props: dict[str, Any], *, cov: bool) -> PointInfo:
    kind, _, instance = object_id.partition(",")
    units = str(props["units"]) if "units" in props else None
    texts = props.get("state-text")
    commandable = "relinquish-default" in props
    low, high = props.get("min-pres-value"), props.get("max-pres-value")
    return PointInfo(
        point=PointRef(device=device, object_type=kind, instance=int(instance)),
        name=str(props.get("object-name", object_id)),
        object_type=kind,
        units=units,
        unit_symbol=unit_symbol(units),
        state_texts=tuple(str(t) for t in texts) if texts else None,
        commandable=commandable,
        writable=commandable or kind.endswith("value"),
        cov=cov,
        min_value=float(low) if isinstance(low, int | float) else None,
        max_value=float(high) if isinstance(high, int | float) else None,
    )
