"""The built-in simulator: virtual BACnet/IP devices served by bacpypes3 on loopback."""

from iot_supervisor.simulator.building import BuildingModel, BuildingParams, ZoneParams
from iot_supervisor.simulator.config import (
    DeviceSpec,
    ObjectSpec,
    PlantSpec,
    RouterSpec,
    ScriptSpec,
    SimulatorConfig,
)
from iot_supervisor.simulator.runner import Simulator

__all__ = [
    "BuildingModel",
    "BuildingParams",
    "DeviceSpec",
    "ObjectSpec",
    "PlantSpec",
    "RouterSpec",
    "ScriptSpec",
    "Simulator",
    "SimulatorConfig",
    "ZoneParams",
]
