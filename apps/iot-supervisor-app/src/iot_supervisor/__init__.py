"""IoT Supervisor Service: the one path between the BMS supervisor and BACnet/IP devices.

``create_app(settings, bacnet=None)`` builds the HTTP service; ``Simulator`` runs
virtual BACnet/IP devices on loopback; ``BacnetClient`` is the one owner of the
service's BACnet application, behind the ``PointProtocol`` interface.
"""

from iot_supervisor.app import create_app
from iot_supervisor.bacnet.client import BacnetClient
from iot_supervisor.protocol import PointProtocol
from iot_supervisor.settings import Settings
from iot_supervisor.simulator import Simulator, SimulatorConfig

__all__ = [
    "BacnetClient",
    "PointProtocol",
    "Settings",
    "Simulator",
    "SimulatorConfig",
    "create_app",
]
