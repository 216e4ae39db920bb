"""The built-in simulator: virtual BACnet/IP devices served by bacpypes3 on loopback."""

from iot_supervisor.simulator.config import DeviceSpec, ObjectSpec, ScriptSpec, SimulatorConfig
from iot_supervisor.simulator.runner import Simulator

__all__ = ["DeviceSpec", "ObjectSpec", "ScriptSpec", "Simulator", "SimulatorConfig"]
