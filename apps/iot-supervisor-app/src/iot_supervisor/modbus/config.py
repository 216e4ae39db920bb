"""The Modbus plugin's configuration: devices, their register maps, timing."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from iot_supervisor.modbus.registers import SHIPPED_MAPS, RegisterMap


class ModbusDeviceConfig(BaseModel):
    """One Modbus TCP device (a unit id behind a host and port)."""

    model_config = ConfigDict(extra="forbid")

    instance: int = Field(
        ge=0, le=4_194_302,
        description="The device's number in point references; distinct from every BACnet device.",
    )  # fmt: skip
    name: str = Field(min_length=1, description="Display name.")
    host: str = Field(description="IP address of the device or gateway.")
    port: int = Field(default=502, ge=1, lt=65_536)
    unit: int = Field(default=1, ge=0, le=255, description="Modbus unit (slave) id.")
    map: str = Field(
        description="A shipped register map by model name (e.g. 'energy-meter') or a YAML path."
    )
    poll_interval_s: float = Field(default=5.0, gt=0, description="Poll of watched points.")
    simulate: str | None = Field(
        default=None,
        description="With the plugin's 'simulate', serve this device from the simulator "
        "with this behaviour ('energy-meter', 'supply-fan-vfd' or 'static').",
    )


class ModbusConfig(BaseModel):
    """Everything under ``protocols.modbus``."""

    model_config = ConfigDict(extra="forbid")

    devices: list[ModbusDeviceConfig] = Field(default_factory=list)
    timeout_s: float = Field(default=1.0, gt=0, description="Per request.")
    offline_after_failures: int = Field(default=2, ge=1, description="Failures that mark offline.")
    backoff_initial_s: float = Field(default=1.0, gt=0, description="First reconnect delay.")
    backoff_max_s: float = Field(default=30.0, gt=0, description="Longest reconnect delay.")
    simulate: bool = Field(default=False, description="Start the devices marked 'simulate'.")
    base_dir: Path | None = Field(default=None, description="Relative map paths start here.")

    @model_validator(mode="after")
    def _unique(self) -> ModbusConfig:
        instances = [d.instance for d in self.devices]
        if len(set(instances)) != len(instances):
            raise ValueError("modbus devices: duplicate instance")
        return self

    def load_map(self, device: ModbusDeviceConfig) -> RegisterMap:
        shipped = SHIPPED_MAPS / f"{device.map}.yaml"
        if "/" not in device.map and not device.map.endswith((".yaml", ".yml")):
            if not shipped.exists():
                known = sorted(p.stem for p in SHIPPED_MAPS.glob("*.yaml"))
                raise ValueError(f"device {device.instance}: no shipped map {device.map!r} {known}")
            return RegisterMap.load(shipped)
        path = Path(device.map)
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        return RegisterMap.load(path)


__all__ = ["ModbusConfig", "ModbusDeviceConfig"]
