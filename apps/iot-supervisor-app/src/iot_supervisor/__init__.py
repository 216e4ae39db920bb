"""IoT Supervisor Service: the one path between the BMS supervisor and BACnet/IP devices.

``create_app(settings, bacnet=None)`` builds the HTTP service; ``Simulator`` runs
virtual BACnet/IP devices on loopback; ``BacnetClient`` is the one owner of the
service's BACnet application, behind the ``PointProtocol`` interface.

The names are loaded when first used (PEP 562), not when the package is: every module of
the package imports this file first, and the service must not load the simulator, nor the
simulator the HTTP service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bms_schemas.lazy import lazy_exports

if TYPE_CHECKING:
    from iot_supervisor.app import create_app
    from iot_supervisor.bacnet.client import BacnetClient
    from iot_supervisor.protocol import PointProtocol
    from iot_supervisor.settings import Settings
    from iot_supervisor.simulator import Simulator, SimulatorConfig

_EXPORTS = {
    "BacnetClient": "iot_supervisor.bacnet.client",
    "PointProtocol": "iot_supervisor.protocol",
    "Settings": "iot_supervisor.settings",
    "Simulator": "iot_supervisor.simulator",
    "SimulatorConfig": "iot_supervisor.simulator",
    "create_app": "iot_supervisor.app",
}


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())


__all__ = [
    "BacnetClient",
    "PointProtocol",
    "Settings",
    "Simulator",
    "SimulatorConfig",
    "create_app",
]
