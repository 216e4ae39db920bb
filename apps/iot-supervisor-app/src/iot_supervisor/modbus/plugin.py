"""The entry point ``bms.iot_protocols: modbus``: build the Modbus protocol from its configuration."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from iot_supervisor.addresses import require_loopback
from iot_supervisor.modbus.client import ModbusProtocol
from iot_supervisor.modbus.config import ModbusConfig
from iot_supervisor.settings import Settings


def create(settings: Settings, config: Mapping[str, Any]) -> ModbusProtocol:
    parsed = ModbusConfig.model_validate(dict(config))
    for device in parsed.devices:
        require_loopback(
            device.host, allow_lan=settings.allow_lan, what=f"modbus device {device.instance}"
        )
    return ModbusProtocol(parsed)


__all__ = ["create"]
