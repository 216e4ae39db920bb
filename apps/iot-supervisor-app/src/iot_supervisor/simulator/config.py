"""The simulator's YAML/JSON file: devices, objects, initial values and value scripts.

.. code-block:: yaml

    tickS: 1.0
    devices:
      - instance: 1001
        address: 127.0.0.2/8:47808
        name: AHU-1
        objects:
          - {type: analog-input, instance: 1, name: ZoneTemp, value: 21.5,
             units: degrees-celsius, covIncrement: 0.1,
             script: {kind: sine, amplitude: 1.5, periodS: 600}}
          - {type: analog-value, instance: 1, name: ZoneSetpoint, value: 22.0,
             units: degrees-celsius, commandable: true}
          - {type: multi-state-value, instance: 1, name: Mode, value: 1,
             stateTexts: [Off, Heat, Cool], commandable: true}
      - instance: 1002
        address: 127.0.0.3/8:47808
        name: VAV-7
        quirks: [no-rpm, no-segmentation, slow]   # see simulator/quirks.py
        maxApdu: 206
        slowMs: 800
        objects: [...]
      - instance: 1011                      # behind the router: on its far port
        address: 127.0.0.12/8:47820
        name: FCU-11
        objects: [...]
    routers:                                # network 1 (here) <-> network 2 (port 47820)
      - {instance: 1100, name: Router-1, address: 127.0.0.30/8:47808,
         behindAddress: 127.0.0.30/8:47820, network: 1, behindNetwork: 2}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from iot_supervisor.addresses import BipAddress, require_loopback
from iot_supervisor.errors import ConfigError

ObjectType = Literal[
    "analog-input",
    "analog-output",
    "analog-value",
    "binary-input",
    "binary-output",
    "binary-value",
    "multi-state-input",
    "multi-state-output",
    "multi-state-value",
]
Quirk = Literal[
    "broadcast-i-am", "no-rpm", "no-segmentation", "real-ccp", "no-cov", "slow", "drops"
]  # fmt: skip
OUTPUT_TYPES = frozenset({"analog-output", "binary-output", "multi-state-output"})
INPUT_TYPES = frozenset({"analog-input", "binary-input", "multi-state-input"})


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, frozen=True
    )


class ScriptSpec(_Model):
    """How the simulator changes a value over time."""

    kind: Literal["ramp", "noise", "step", "sine"] = Field(description="Shape of the change.")
    amplitude: float = Field(default=1.0, description="Size of the change.")
    period_s: float = Field(default=60.0, gt=0, description="Period of a sine or a ramp, or step.")
    seed: int = Field(default=0, description="Seed of the noise generator.")


class ObjectSpec(_Model):
    """One BACnet object of a simulated device."""

    type: ObjectType = Field(description="Object type, hyphenated.")
    instance: int = Field(ge=0, le=4_194_302, description="Object instance.")
    name: str = Field(min_length=1, description="object-name, unique within the device.")
    value: float | int | bool | str = Field(description="Initial present value.")
    units: str = Field(default="no-units", description="Engineering unit (analog objects).")
    cov_increment: float = Field(default=0.1, gt=0, description="COV increment (analog objects).")
    commandable: bool | None = Field(
        default=None, description="Priority array; outputs always are, inputs never are."
    )
    state_texts: tuple[str, ...] | None = Field(
        default=None, description="State texts (multi-state objects), state 1 first."
    )
    description: str | None = Field(default=None, description="The object's description.")
    script: ScriptSpec | None = Field(default=None, description="Scripted value change.")
    min_pres_value: float | None = Field(
        default=None, description="min-pres-value (analog outputs and values); 0 for a % output."
    )
    max_pres_value: float | None = Field(
        default=None, description="max-pres-value (analog outputs and values); 100 for a % output."
    )

    def pres_value_range(self) -> tuple[float | None, float | None]:
        """The range the object declares: as configured, or 0-100 for a percent output,
        as real actuators do."""
        if self.type == "analog-output" and self.units == "percent":
            low = 0.0 if self.min_pres_value is None else self.min_pres_value
            high = 100.0 if self.max_pres_value is None else self.max_pres_value
            return low, high
        return self.min_pres_value, self.max_pres_value

    @property
    def is_commandable(self) -> bool:
        if self.type in OUTPUT_TYPES:
            return True
        if self.type in INPUT_TYPES:
            return False
        return bool(self.commandable)

    @model_validator(mode="after")
    def _consistent(self) -> ObjectSpec:
        if self.type in INPUT_TYPES and self.commandable:
            raise ValueError(f"{self.type} cannot be commandable")
        if self.type.startswith("multi-state") and not self.state_texts:
            raise ValueError(f"{self.type},{self.instance} needs stateTexts")
        ranged = self.min_pres_value is not None or self.max_pres_value is not None
        if ranged and self.type not in ("analog-output", "analog-value"):
            raise ValueError(f"{self.type} has no min-pres-value/max-pres-value here")
        return self


class DeviceSpec(_Model):
    """One simulated device: one bacpypes3 Application on its own ip:port."""

    instance: int = Field(ge=0, le=4_194_302, description="Device instance.")
    address: str = Field(description="Bind address 'ip/prefix:port', loopback only.")
    name: str = Field(min_length=1, description="Device object-name.")
    max_apdu: int = Field(default=1476, ge=50, le=1476, description="maxApduLengthAccepted.")
    segmentation: Literal["segmented-both", "no-segmentation"] = Field(
        default="segmented-both", description="Segmentation supported."
    )
    objects: tuple[ObjectSpec, ...] = Field(default=(), description="The device's objects.")
    bbmd: bool = Field(
        default=False, description="Also act as a BBMD that accepts foreign-device registrations."
    )
    quirks: tuple[Quirk, ...] = Field(
        default=(), description="Field-device behaviours to play (see simulator/quirks.py)."
    )
    slow_ms: int = Field(
        default=800, ge=0, le=60_000, description="Reply delay of the 'slow' quirk, milliseconds."
    )
    drop_fraction: float = Field(
        default=0.25,
        gt=0,
        le=0.5,
        description="Share of confirmed requests the 'drops' quirk ignores, spread evenly.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_segmentation_quirk(cls, data: Any) -> Any:
        # The quirk is the MS/TP profile: no segmentation and, unless given, a 480-byte APDU.
        if isinstance(data, dict) and "no-segmentation" in (data.get("quirks") or ()):
            data = {**data, "segmentation": "no-segmentation"}
            if "max_apdu" not in data and "maxApdu" not in data:
                data["maxApdu"] = 480
        return data

    @model_validator(mode="after")
    def _unique_objects(self) -> DeviceSpec:
        require_loopback(self.address, allow_lan=False, what=f"device {self.instance} address")
        ids = [(o.type, o.instance) for o in self.objects]
        names = [o.name for o in self.objects]
        if len(set(ids)) != len(ids) or len(set(names)) != len(names):
            raise ValueError(f"device {self.instance}: duplicate object id or name")
        return self

    @property
    def bip(self) -> BipAddress:
        return BipAddress.parse(self.address)


class RouterSpec(_Model):
    """A BACnet router between the devices' network and another one (an MS/TP trunk's stand-in).

    Devices whose address is on ``behindAddress``'s port sit behind it: they are
    reached only through the router, with network number ``behindNetwork``.
    """

    instance: int = Field(ge=0, le=4_194_302, description="The router's own device instance.")
    name: str = Field(min_length=1, description="The router's device object-name.")
    address: str = Field(description="Its port on the devices' network, 'ip/prefix:port'.")
    network: int = Field(default=1, ge=1, le=65534, description="That network's number.")
    behind_address: str = Field(description="Its port on the network behind it.")
    behind_network: int = Field(
        default=2, ge=1, le=65534, description="The number of the network behind it."
    )

    @model_validator(mode="after")
    def _loopback_and_distinct(self) -> RouterSpec:
        for what, address in (("address", self.address), ("behindAddress", self.behind_address)):
            require_loopback(address, allow_lan=False, what=f"router {self.instance} {what}")
        if self.bip.port == self.behind_bip.port or self.network == self.behind_network:
            raise ValueError(f"router {self.instance}: its two networks must differ (port, number)")
        return self

    @property
    def bip(self) -> BipAddress:
        return BipAddress.parse(self.address)

    @property
    def behind_bip(self) -> BipAddress:
        return BipAddress.parse(self.behind_address)


class PlantSpec(_Model):
    """A physical model driving the devices' objects (see ``simulator/building.py``)."""

    kind: Literal["building"] = Field(
        default="building", description="The model: 'building' is an AHU with VAV zones."
    )
    speed: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="Building seconds per real second (each tick steps tickS * speed).",
    )
    points: dict[str, str] = Field(
        description="Object of each model signal, e.g. {'zone1.temp': '2101/analog-input,1'}; "
        "commands must be bound to commandable objects, measurements to the others."
    )

    building: dict[str, float | list[int] | str] = Field(
        default_factory=dict,
        description="Overrides of the model's BuildingParams by field name, e.g. "
        "{'oat_mean_c': 26, 'occupied_weekdays': [0, 1, 2, 3, 4, 5, 6]}; zones keep their defaults. "
        "'scenario' picks a design day first: hot, cold, mild or gain-step.",
    )

    @model_validator(mode="after")
    def _known_parameters(self) -> PlantSpec:
        from dataclasses import fields

        from iot_supervisor.simulator.building import SCENARIOS, BuildingParams

        known = {f.name for f in fields(BuildingParams)} - {"zones"}
        unknown = sorted(set(self.building) - known - {"scenario"})
        if unknown:
            raise ValueError(f"unknown building parameters {unknown}; known: {sorted(known)}")
        scenario = self.building.get("scenario")
        if scenario is not None and scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; use one of {sorted(SCENARIOS)}")
        strings = sorted(
            k for k, v in self.building.items() if isinstance(v, str) and k != "scenario"
        )
        if strings:
            raise ValueError(f"building parameter {strings[0]!r} must be a number or a list")
        return self

    @property
    def zones(self) -> int:
        return len({name.split(".")[0] for name in self.points if name.startswith("zone")})

    def binding(self, signal: str) -> tuple[int, str]:
        """(device instance, object id) of ``signal``."""
        device, _, object_id = self.points[signal].partition("/")
        return int(device), object_id


class SimulatorConfig(_Model):
    """The whole simulator file."""

    tick_s: float = Field(default=1.0, gt=0, description="Period of the value scripts.")
    devices: tuple[DeviceSpec, ...] = Field(min_length=1, description="The devices.")
    plant: PlantSpec | None = Field(
        default=None, description="A physical model that reads the commands and writes the inputs."
    )
    routers: tuple[RouterSpec, ...] = Field(
        default=(), description="BACnet routers, with devices on the network behind them."
    )

    @model_validator(mode="after")
    def _unique_devices(self) -> SimulatorConfig:
        instances = [d.instance for d in self.devices] + [r.instance for r in self.routers]
        addresses = [d.bip.hostport for d in self.devices]
        addresses += [a.hostport for r in self.routers for a in (r.bip, r.behind_bip)]
        if len(set(instances)) != len(instances):
            raise ValueError("duplicate device instance")
        if len(set(addresses)) != len(addresses):
            raise ValueError("two devices on the same ip:port")
        if self.plant is not None:
            self._check_plant(self.plant)
        return self

    def _check_plant(self, plant: PlantSpec) -> None:
        from iot_supervisor.simulator.building import command_names, measurement_names

        zones = plant.zones
        commands, measured = set(command_names(zones)), set(measurement_names(zones))
        expected = commands | measured
        if set(plant.points) != expected:
            missing = sorted(expected - set(plant.points))
            unknown = sorted(set(plant.points) - expected)
            raise ValueError(f"plant points: missing {missing}, unknown {unknown}")
        objects = {
            (d.instance, f"{o.type},{o.instance}"): o for d in self.devices for o in d.objects
        }
        for signal in sorted(expected):
            spec = objects.get(plant.binding(signal))
            if spec is None:
                raise ValueError(f"plant point {signal}: no object {plant.points[signal]}")
            if spec.is_commandable != (signal in commands):
                kind = "a commandable" if signal in commands else "a non-commandable"
                raise ValueError(f"plant point {signal} needs {kind} object")

    @classmethod
    def load(cls, path: Path) -> SimulatorConfig:
        """Read a YAML (.yaml/.yml) or JSON file."""
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix in {".yaml", ".yml"}:
                import yaml

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
            return cls.model_validate(data)
        except ValueError as err:
            raise ConfigError(f"{path}: {err}") from err

    @classmethod
    def grid(
        cls,
        *,
        devices: int,
        points_per_device: int,
        ip_prefix: str = "127.0.10.",
        first_host: int = 2,
        port: int = 47808,
        first_instance: int = 1001,
        tick_s: float = 1.0,
    ) -> SimulatorConfig:
        """A regular set of devices, each with a mix of every object type.

        Values are derived from the device and object index, so a test can
        compute what every point must read without asking the simulator.
        """
        specs = []
        for d in range(devices):
            objects = [_grid_object(d, i) for i in range(points_per_device)]
            specs.append(
                DeviceSpec(
                    instance=first_instance + d,
                    address=f"{ip_prefix}{first_host + d}/8:{port}",
                    name=f"SimDevice-{first_instance + d}",
                    objects=tuple(objects),
                )
            )
        return cls(tick_s=tick_s, devices=tuple(specs))


_GRID_KINDS: tuple[tuple[ObjectType, str, bool], ...] = (
    ("analog-input", "degrees-celsius", False),
    ("analog-value", "percent", True),
    ("analog-output", "pascals", True),
    ("binary-input", "no-units", False),
    ("binary-value", "no-units", True),
    ("multi-state-value", "no-units", True),
    ("analog-value", "kilowatts", False),
)


def _grid_object(device: int, index: int) -> ObjectSpec:
    kind, units, commandable = _GRID_KINDS[index % len(_GRID_KINDS)]
    instance = index + 1
    value: float | int | str
    if kind.startswith("analog"):
        value = round(10.0 + device + index * 0.25, 2)
    elif kind.startswith("binary"):
        value = "active" if (device + index) % 2 else "inactive"
    else:
        value = 1 + (device + index) % 3
    return ObjectSpec(
        type=kind,
        instance=instance,
        name=f"{kind}-{instance}",
        value=value,
        units=units,
        commandable=commandable if kind.endswith("value") else None,
        state_texts=("Off", "Heat", "Cool") if kind.startswith("multi-state") else None,
    )
