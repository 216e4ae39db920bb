"""Building a bacpypes3 Application on a loopback address, with the research's corrections.

- Exactly one DeviceObject and one NetworkPortObject per Application (§1.1).
- The bind address is checked for an existing owner first (SO_REUSEPORT, §1.1).
- bacpypes3 0.0.110 treats *any* 127.x destination on its own port as itself and
  loops it back into its own stack (§2); :func:`_send_other_loopback_on_the_wire`
  keeps that shortcut only for the exact bound ip:port, so devices and clients
  can share port 47808 on distinct 127.x addresses.
- Invoke ids are randomised so that a restarted client is not answered with a
  peer's cached reply to the previous process (§4.5).
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bacpypes3.app import Application  # type: ignore[import-untyped]
from bacpypes3.basetypes import BDTEntry, HostNPort, IPMode  # type: ignore[import-untyped]
from bacpypes3.ipv4 import IPv4DatagramServer  # type: ignore[import-untyped]
from bacpypes3.local.device import DeviceObject  # type: ignore[import-untyped]
from bacpypes3.local.networkport import NetworkPortObject  # type: ignore[import-untyped]
from bacpypes3.pdu import PDU, IPv4Address, LocalStation  # type: ignore[import-untyped]
from bacpypes3.settings import settings as bacpypes_settings  # type: ignore[import-untyped]

from iot_supervisor.addresses import BipAddress, ensure_free

BIND_TIMEOUT_S = 5.0

# Explicit routes in addresses ('2:0x7f000028a124@127.0.0.30:47808'): a device behind a
# router is reached through the router its I-Am came from, with no router table to keep.
# Set on import, before any such address is parsed (the runtime.db cache is loaded early).
bacpypes_settings.route_aware = True


def build_application(
    address: BipAddress,
    *,
    instance: int,
    name: str,
    objects: list[Any] | None = None,
    routes_to: tuple[int, int, BipAddress] | None = None,
    max_apdu: int = 1476,
    max_segments: int = 64,
    segmentation: str = "segmentedBoth",
    vendor_id: int = 999,
    apdu_timeout_ms: int = 3000,
    apdu_retries: int = 3,
    foreign_bbmd: BipAddress | None = None,
    bbmd: bool = False,
) -> Application:
    """Build an Application; must run inside the event loop that will serve it.

    ``routes_to=(near, far, far_address)`` makes it a BACnet router: its port on
    ``address`` is network ``near``, and a second port on ``far_address`` is
    network ``far``, with the devices behind the router.
    """
    ensure_free(address)
    if routes_to is not None:
        ensure_free(routes_to[2])
    device = DeviceObject(
        objectIdentifier=("device", instance),
        objectName=name,
        vendorIdentifier=vendor_id,
        maxApduLengthAccepted=max_apdu,
        segmentationSupported=segmentation,
        maxSegmentsAccepted=max_segments,
        apduTimeout=apdu_timeout_ms,
        numberOfApduRetries=apdu_retries,
    )
    port = NetworkPortObject(
        address.bind_spec, objectIdentifier=("network-port", 1), objectName="NetworkPort-1"
    )
    if foreign_bbmd is not None:
        port.bacnetIPMode = IPMode.foreign
        port.fdBBMDAddress = HostNPort(foreign_bbmd.hostport)
        port.fdSubscriptionLifetime = 60
    if bbmd:
        # A BBMD whose broadcast distribution table is itself: it accepts foreign devices
        # and forwards their broadcasts onto its own (loopback) subnet.
        port.bacnetIPMode = IPMode.bbmd
        port.bbmdAcceptFDRegistrations = True
        port.bbmdForeignDeviceTable = []
        port.bbmdBroadcastDistributionTable = [BDTEntry(address.hostport)]
    ports = [port]
    if routes_to is not None:
        near, far, far_address = routes_to
        port.networkNumber = near
        ports.append(
            NetworkPortObject(
                far_address.bind_spec,
                objectIdentifier=("network-port", 2),
                objectName="NetworkPort-2",
                networkNumber=far,
            )
        )
    app = Application.from_object_list([device, *ports, *(objects or [])])
    app.next_invoke_id = random.randrange(256)
    for link_layer in app.link_layers.values():
        _send_other_loopback_on_the_wire(link_layer.server)
    return app


async def wait_bound(app: Application, timeout_s: float = BIND_TIMEOUT_S) -> None:
    """Wait until every socket of the Application is bound."""
    for link_layer in app.link_layers.values():
        server: IPv4DatagramServer = link_layer.server
        await asyncio.wait_for(asyncio.gather(*server._transport_tasks), timeout_s)


def _send_other_loopback_on_the_wire(server: IPv4DatagramServer) -> None:
    original = server.indication

    async def indication(pdu: PDU) -> None:
        destination = pdu.pduDestination
        target: tuple[str, int] | None = None
        if isinstance(destination, IPv4Address):
            target = destination.addrTuple
        elif isinstance(destination, LocalStation):
            target = IPv4Address(destination).addrTuple
        if target is not None and target[0].startswith("127.") and target != server.local_address:
            if server._transport_tasks:
                await asyncio.gather(*server._transport_tasks)
                server._transport_tasks = []
            await server._local_transport_ready.wait()
            server.local_transport.sendto(pdu.pduData, target)
            return
        await original(pdu)

    server.indication = indication
