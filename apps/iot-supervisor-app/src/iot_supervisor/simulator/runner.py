"""Running the simulated devices: one bacpypes3 Application per device, in one event loop.

A device can be killed (its sockets closed, as if unplugged) and revived on the
same address, so fault handling is tested against a real silence on the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import math
import random
from datetime import UTC, datetime
from typing import Any

from bacpypes3.app import Application  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]

from iot_supervisor.bacnet.stack import build_application, wait_bound
from iot_supervisor.simulator.building import (
    BuildingModel,
    BuildingParams,
    Signal,
    ZoneParams,
    scenario_params,
)
from iot_supervisor.simulator.config import ObjectSpec, PlantSpec, ScriptSpec, SimulatorConfig
from iot_supervisor.simulator.objects import build_object, set_simulated_value
from iot_supervisor.simulator.quirks import FieldLoad, RequestStats, apply_quirks

log = logging.getLogger(__name__)


class Simulator:
    """The simulated devices of one :class:`SimulatorConfig`."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._specs = {d.instance: d for d in config.devices}
        self._apps: dict[int, Application] = {}
        self._routers: list[Application] = []
        self._ticker: asyncio.Task[None] | None = None
        self._ticks = 0
        self._plant_task: asyncio.Task[None] | None = None
        self.request_stats: dict[int, RequestStats] = {}
        """Per device: requests received, dropped and in flight (the slow and drops quirks)."""
        self.load = FieldLoad()
        """Over the slow and dropping devices: how many held an unanswered request at once."""
        self.building: BuildingModel | None = None
        """The plant model when the config has one; a test may reach in (``fan_failed``)."""
        self.holds: dict[tuple[int, str], Any] = {}
        """Values held by hand (:meth:`hold`), by (device, object): the plant and the scripts
        leave these objects alone until released."""

    async def start(self) -> None:
        """Bind every router and device and start the value scripts."""
        for router in self.config.routers:
            app = build_application(
                router.bip,
                instance=router.instance,
                name=router.name,
                routes_to=(router.network, router.behind_network, router.behind_bip),
            )
            await wait_bound(app)
            self._routers.append(app)
        for spec in self.config.devices:
            await self.revive(spec.instance)
        if any(o.script for d in self.config.devices for o in d.objects):
            self._ticker = asyncio.create_task(self._run_scripts(), name="simulator-scripts")
        if self.config.plant is not None:
            self.building = BuildingModel(
                _building_params(self.config.plant), start=datetime.now(UTC)
            )
            self._plant_task = asyncio.create_task(
                self._run_plant(self.config.plant, self.building), name="simulator-plant"
            )

    async def stop(self) -> None:
        if self._plant_task is not None:
            self._plant_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._plant_task
            self._plant_task = None
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        for instance in list(self._apps):
            self.kill(instance)
        for router in self._routers:
            router.close()
        self._routers = []

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def kill(self, instance: int) -> None:
        """Close the device's sockets: from now on it does not answer."""
        app = self._apps.pop(instance)
        app.close()

    async def revive(self, instance: int) -> None:
        """Bind the device again with its initial objects."""
        if instance in self._apps:
            return
        spec = self._specs[instance]
        real_ccp = "real-ccp" in spec.quirks
        objects = [build_object(o, real_ccp=real_ccp) for o in spec.objects]
        app = build_application(
            spec.bip,
            instance=spec.instance,
            name=spec.name,
            objects=objects,
            max_apdu=spec.max_apdu,
            bbmd=spec.bbmd,
            segmentation="segmentedBoth"
            if spec.segmentation == "segmented-both"
            else "noSegmentation",
        )
        self.request_stats[instance] = apply_quirks(app, spec, self.load)
        await wait_bound(app)
        self._apps[instance] = app

    def local_object(self, instance: int, object_id: str) -> Any:
        """The live local object, e.g. ``local_object(1001, "analog-value,2")``."""
        obj = self._apps[instance].get_object_id(ObjectIdentifier(object_id))
        if obj is None:
            raise KeyError(f"device {instance} has no object {object_id}")
        return obj

    def present_value(self, instance: int, object_id: str) -> Any:
        return self.local_object(instance, object_id).presentValue

    def set_value(self, instance: int, object_id: str, value: Any) -> None:
        """Change a value on the device side, as the process would (fires COV)."""
        set_simulated_value(self.local_object(instance, object_id), value)

    def hold(self, instance: int, object_id: str, value: Any) -> None:
        """Hold an object's present value, over the plant model and the scripts, until released.

        What a test or a demo uses to push the simulated building out of range at once (a zone
        at 35 degC) where the physics would take an hour; ``None`` releases the hold, and the
        simulation drives the object again from its next tick. Raises ``KeyError`` for an
        object the device does not have, ``ValueError``/``TypeError`` for a value it refuses.
        """
        key = (instance, object_id)
        if value is None:
            self.holds.pop(key, None)
            return
        obj = self.local_object(instance, object_id)
        if object_id.startswith("binary") and isinstance(value, bool):
            value = "active" if value else "inactive"
        set_simulated_value(obj, value)
        self.holds[key] = value

    def set_status(
        self, instance: int, object_id: str, *, fault: bool = False, out_of_service: bool = False
    ) -> None:
        """Make an object report a fault (reliability) or out-of-service, as a failing sensor would."""
        obj = self.local_object(instance, object_id)
        obj.reliability = "unreliableOther" if fault else "noFaultDetected"
        obj.outOfService = out_of_service
        # bacpypes3 derives status-flags from the two; assigning it fires the COV monitor.
        obj.statusFlags = obj.statusFlags

    async def _run_scripts(self) -> None:
        rngs: dict[tuple[int, str], random.Random] = {}
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            self._ticks += 1
            # Due times from the start, so the ticks do not drift with the work done in them.
            await asyncio.sleep(max(0.0, start + self._ticks * self.config.tick_s - loop.time()))
            elapsed = loop.time() - start
            for device in self.config.devices:
                if device.instance not in self._apps:
                    continue
                for spec in device.objects:
                    if spec.script is None:
                        continue
                    key = (device.instance, f"{spec.type},{spec.instance}")
                    if key in self.holds:
                        continue
                    rng = rngs.setdefault(key, random.Random(spec.script.seed))
                    value = script_value(spec, spec.script, elapsed, rng)
                    try:
                        self.set_value(device.instance, key[1], value)
                    except (ValueError, TypeError, KeyError):
                        log.exception("script of %s/%s failed", *key)

    async def _run_plant(self, plant: PlantSpec, model: BuildingModel) -> None:
        """Each tick: read the commanded present values, step the model, write the inputs."""
        loop = asyncio.get_running_loop()
        start, ticks = loop.time(), 0
        commands = [s for s in plant.points if s in model.commands]
        while True:
            ticks += 1
            await asyncio.sleep(max(0.0, start + ticks * self.config.tick_s - loop.time()))
            try:
                read = {s: self._read_signal(plant, s) for s in commands}
                measured = model.step(self.config.tick_s * plant.speed, read)
                for signal, value in measured.items():
                    self._write_signal(plant, signal, value)
            except (ValueError, TypeError):
                log.exception("the plant model's tick failed")

    def _read_signal(self, plant: PlantSpec, signal: str) -> Signal | None:
        device, object_id = plant.binding(signal)
        if device not in self._apps:
            return None  # a killed device: the model holds its last command
        value = self.present_value(device, object_id)
        if object_id.startswith("binary"):
            return str(value) == "active"
        return float(value)

    def _write_signal(self, plant: PlantSpec, signal: str, value: Signal) -> None:
        device, object_id = plant.binding(signal)
        if device not in self._apps or (device, object_id) in self.holds:
            return
        if isinstance(value, bool):
            self.set_value(device, object_id, "active" if value else "inactive")
        else:
            self.set_value(device, object_id, round(value, 3))


def _building_params(plant: PlantSpec) -> BuildingParams:
    overrides: dict[str, Any] = {
        k: tuple(v) if isinstance(v, list) else v for k, v in plant.building.items()
    }
    scenario = overrides.pop("scenario", None)
    base = scenario_params(str(scenario)) if scenario is not None else BuildingParams()
    params = dataclasses.replace(base, **overrides)
    if plant.zones == len(params.zones):
        return params
    return dataclasses.replace(params, zones=(ZoneParams(),) * plant.zones)


def script_value(spec: ObjectSpec, script: ScriptSpec, t: float, rng: random.Random) -> Any:
    """The scripted value of ``spec`` at ``t`` seconds after start."""
    base = float(spec.value) if not isinstance(spec.value, str) else 0.0
    phase = (t % script.period_s) / script.period_s
    if script.kind == "sine":
        offset = script.amplitude * math.sin(2 * math.pi * phase)
    elif script.kind == "ramp":
        offset = script.amplitude * phase
    elif script.kind == "step":
        offset = script.amplitude if phase >= 0.5 else 0.0
    else:
        offset = rng.uniform(-script.amplitude, script.amplitude)
    if spec.type.startswith("analog"):
        return round(base + offset, 3)
    if spec.type.startswith("binary"):
        return "active" if offset > 0 else "inactive"
    states = len(spec.state_texts or ()) or 1
    return 1 + int(abs(offset)) % states
