"""Simulated Modbus TCP devices, served by pymodbus on loopback addresses.

Each device is a pymodbus server at its configured ``host:port`` and unit id,
whose registers are laid out by the device's register map (the same file the
client reads), so the client and the simulator cannot disagree about a
register. A behaviour moves the values on every step:

- ``supply-fan-vfd``: the speed feedback ramps towards the speed command
  (20 %/s) while the run command is on; frequency, current, power, status and
  the running bit follow the speed.
- ``energy-meter``: three 230 V phases at 50 Hz, a base load plus the power of
  every simulated VFD, and the energy counter integrating it.
- ``static``: the registers keep what they are given.

:meth:`ModbusSimulator.kill` closes a device's server (clients see the
connection drop); :meth:`revive` serves it again with the state it had,
commands included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import SimData, SimDevice
from pymodbus.simulator.simutils import DataType

from bms_schemas import Scalar
from iot_supervisor.errors import ConfigError
from iot_supervisor.modbus.config import ModbusDeviceConfig
from iot_supervisor.modbus.registers import Kind, RegisterMap, RegisterPoint, decode, encode

log = logging.getLogger(__name__)

BEHAVIOURS = ("supply-fan-vfd", "energy-meter", "static")
_READ_FC = {Kind.COIL: 1, Kind.DISCRETE_INPUT: 2, Kind.HOLDING_REGISTER: 3, Kind.INPUT_REGISTER: 4}
_INITIAL: dict[str, dict[str, Scalar]] = {
    "supply-fan-vfd": {"run-command": True},
    "energy-meter": {"frequency": 50.0, "voltage-l1": 230.0, "voltage-l2": 230.0,
                     "voltage-l3": 230.0, "demand-limit": 250.0},
}  # fmt: skip


@dataclass
class _SimDevice:
    config: ModbusDeviceConfig
    map: RegisterMap
    behaviour: str
    values: dict[str, Scalar] = field(default_factory=dict)
    server: ModbusTcpServer | None = None

    def sim_device(self) -> SimDevice:
        def block(kind: Kind) -> list[SimData]:
            points = [p for p in self.map.points if p.kind is kind]
            end = max((p.address + p.count for p in points), default=1)
            if kind.bits:
                return [SimData(0, count=end, values=False, datatype=DataType.BITS)]
            return [SimData(0, count=end, values=0, datatype=DataType.REGISTERS)]

        return SimDevice(
            id=self.config.unit,
            simdata=(
                block(Kind.COIL), block(Kind.DISCRETE_INPUT),
                block(Kind.HOLDING_REGISTER), block(Kind.INPUT_REGISTER),
            ),
        )  # fmt: skip

    def entry(self, name: str) -> RegisterPoint:
        for p in self.map.points:
            if p.name == name:
                return p
        raise KeyError(f"{self.map.model} has no point {name!r}")


class ModbusSimulator:
    """Serves simulated Modbus devices and steps their behaviour every ``step_s``."""

    def __init__(
        self, devices: list[tuple[ModbusDeviceConfig, RegisterMap]], step_s: float = 0.2
    ) -> None:
        self.step_s = step_s
        self._devices: dict[int, _SimDevice] = {}
        endpoints: set[tuple[str, int]] = set()
        for config, register_map in devices:
            behaviour = config.simulate or "static"
            if behaviour not in BEHAVIOURS:
                raise ConfigError(f"modbus device {config.instance}: no behaviour {behaviour!r}")
            if (config.host, config.port) in endpoints:
                raise ConfigError(f"modbus simulator: {config.host}:{config.port} used twice")
            endpoints.add((config.host, config.port))
            device = _SimDevice(config, register_map, behaviour)
            for p in register_map.points:
                device.values[p.name] = False if p.type == "bool" else 0
            device.values.update(_INITIAL.get(behaviour, {}))
            self._devices[config.instance] = device
        self._task: asyncio.Task[None] | None = None
        self._last = time.monotonic()
        self._started = time.monotonic()

    async def __aenter__(self) -> ModbusSimulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        for instance in self._devices:
            await self.revive(instance)
        self._task = asyncio.create_task(self._run(), name="modbus-simulator")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for instance in self._devices:
            await self.kill(instance)

    async def kill(self, instance: int) -> None:
        """Stop serving a device: its clients lose their connection."""
        device = self._devices[instance]
        if device.server is not None:
            await self._pull_commands(device)
            server, device.server = device.server, None
            await server.shutdown()  # type: ignore[no-untyped-call]

    async def revive(self, instance: int) -> None:
        """Serve a device again, with the values (and commands) it had."""
        device = self._devices[instance]
        if device.server is not None:
            return
        server = ModbusTcpServer(
            device.sim_device(), address=(device.config.host, device.config.port)
        )
        await server.serve_forever(background=True)
        device.server = server
        await self._push(device)

    def alive(self, instance: int) -> bool:
        return self._devices[instance].server is not None

    def value(self, instance: int, name: str) -> Scalar:
        return self._devices[instance].values[name]

    async def set_value(self, instance: int, name: str, value: Scalar) -> None:
        device = self._devices[instance]
        device.entry(name)
        device.values[name] = value
        await self._push(device)

    # -- the datastore ------------------------------------------------------------

    async def _push(self, device: _SimDevice, *, commands: bool = True) -> None:
        """Put the model's values in the datastore; the clients' commands too unless told not."""
        if device.server is None:
            return
        for p in device.map.points:
            if p.kind.writable and not commands:
                continue  # a client may have written it since the last pull
            raw = encode(p.model_copy(update={"min": None, "max": None, "states": None}),
                         device.map.orders(p), device.values[p.name])  # fmt: skip
            await device.server.async_setValues(
                device.config.unit, _READ_FC[p.kind], p.address, list(raw)
            )

    async def _pull_commands(self, device: _SimDevice) -> None:
        """Take what clients wrote (coils and holding registers) into the model."""
        if device.server is None:
            return
        for p in device.map.points:
            if p.kind.writable:
                raw: Any = await device.server.async_getValues(
                    device.config.unit, _READ_FC[p.kind], p.address, p.count
                )
                if isinstance(raw, list):
                    device.values[p.name] = decode(p, device.map.orders(p), raw)

    # -- behaviour ------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.step_s)
            try:
                await self.step()
            except Exception:  # the model must keep running; a bug shows in the log
                log.exception("modbus simulator step failed")

    async def step(self) -> None:
        now = time.monotonic()
        dt, self._last = now - self._last, now
        live = [d for d in self._devices.values() if d.server is not None]
        for device in live:
            await self._pull_commands(device)
        fans_kw = 0.0
        for device in self._devices.values():
            if device.behaviour == "supply-fan-vfd":
                fans_kw += _step_vfd(device.values, dt)
        for device in self._devices.values():
            if device.behaviour == "energy-meter":
                _step_meter(device.values, dt, now - self._started, fans_kw)
        for device in live:
            await self._push(device, commands=False)


def _step_vfd(v: dict[str, Scalar], dt: float) -> float:
    command = float(v["speed-command"]) if v["run-command"] else 0.0
    speed = float(v["speed-feedback"])
    ramp = 20.0 * dt
    speed = min(command, speed + ramp) if command > speed else max(command, speed - ramp)
    speed = round(speed, 1)
    kw = round(7.5 * (speed / 100.0) ** 3, 2)
    v["speed-feedback"] = speed
    v["output-frequency"] = round(speed * 0.5, 2)
    v["motor-current"] = round(14.0 * speed / 100.0, 1)
    v["output-power"] = kw
    v["running"] = speed > 0
    v["drive-status"] = (
        0
        if speed == 0 and command == 0
        else 1
        if speed == command
        else (2 if command > speed else 3)
    )
    return kw


def _step_meter(v: dict[str, Scalar], dt: float, t: float, fans_kw: float) -> None:
    base = 18.0 + 2.0 * math.sin(t / 30.0)
    kw = round(base + fans_kw, 3)
    v["active-power"] = kw
    v["current-l1"] = round(kw * 1000 / (3 * 230.0), 2)
    for phase, shift in (("voltage-l1", 0.0), ("voltage-l2", 2.1), ("voltage-l3", 4.2)):
        v[phase] = round(230.0 + 1.5 * math.sin(t / 7.0 + shift), 2)
    if v["reset-energy"]:
        v["active-energy"] = 0.0
    v["active-energy"] = round(float(v["active-energy"]) + kw * dt / 3600.0, 4)


__all__ = ["BEHAVIOURS", "ModbusSimulator"]
