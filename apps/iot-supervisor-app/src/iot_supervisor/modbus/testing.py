"""Simulated Modbus devices in a thread of their own, for tests and benchmarks."""

from __future__ import annotations

import socket
from typing import Any

from bms_schemas import Scalar
from iot_supervisor.modbus.config import ModbusConfig, ModbusDeviceConfig
from iot_supervisor.modbus.simulator import ModbusSimulator
from iot_supervisor.testing import LoopThread


def free_tcp_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def demo_devices(host: str) -> list[dict[str, Any]]:
    """An energy meter (9001) and a supply-fan VFD (9002) on ``host``, each on a free port."""
    return [
        {"instance": 9001, "name": "Main energy meter", "host": host,
         "port": free_tcp_port(host), "unit": 1, "map": "energy-meter",
         "simulate": "energy-meter", "poll_interval_s": 0.5},
        {"instance": 9002, "name": "Supply fan VFD", "host": host,
         "port": free_tcp_port(host), "unit": 3, "map": "supply-fan-vfd",
         "simulate": "supply-fan-vfd", "poll_interval_s": 0.5},
    ]  # fmt: skip


class ModbusSimHandle:
    """A running :class:`ModbusSimulator` and the loop it runs in."""

    def __init__(self, devices: list[dict[str, Any]], step_s: float = 0.1) -> None:
        config = ModbusConfig(devices=[ModbusDeviceConfig(**d) for d in devices])
        self.loop = LoopThread("modbus-simulator")
        self.sim = ModbusSimulator([(d, config.load_map(d)) for d in config.devices], step_s)
        self.loop.run(self.sim.start())

    def kill(self, instance: int) -> None:
        self.loop.run(self.sim.kill(instance))

    def revive(self, instance: int) -> None:
        self.loop.run(self.sim.revive(instance))

    def value(self, instance: int, name: str) -> Scalar:
        return self.loop.call(lambda: self.sim.value(instance, name))

    def set_value(self, instance: int, name: str, value: Scalar) -> None:
        self.loop.run(self.sim.set_value(instance, name, value))

    def close(self) -> None:
        self.loop.run(self.sim.stop())
        self.loop.stop()


__all__ = ["ModbusSimHandle", "demo_devices", "free_tcp_port"]
