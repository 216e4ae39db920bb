"""Protocol plugins: other field buses, loaded from Python entry points.

A protocol is a package that declares an entry point in the group
``bms.iot_protocols`` whose name is the protocol's (the prefix of its point
references, e.g. ``modbus``) and whose object is a factory
``(settings, config) -> PointProtocol``. The service loads the protocols its
settings configure (``protocols`` / ``protocols_file``), and only those: an
installed plugin without configuration has no devices to talk to. A third
protocol is therefore a package, not a patch to the service.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Protocol

from iot_supervisor.errors import ConfigError
from iot_supervisor.protocol import PointProtocol
from iot_supervisor.settings import Settings

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "bms.iot_protocols"


class ProtocolFactory(Protocol):
    """What an entry point of ``bms.iot_protocols`` names."""

    def __call__(self, settings: Settings, config: Mapping[str, Any]) -> PointProtocol: ...


def available() -> dict[str, EntryPoint]:
    """Installed protocol plugins by name."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_protocols(settings: Settings) -> dict[str, PointProtocol]:
    """Build every configured protocol from its plugin; a configured but missing one is an error."""
    configured = settings.all_protocols()
    if not configured:
        return {}
    installed = available()
    protocols: dict[str, PointProtocol] = {}
    for name, config in configured.items():
        if name == "bacnet":
            raise ConfigError("protocols: 'bacnet' is built in and takes no plugin configuration")
        entry = installed.get(name)
        if entry is None:
            raise ConfigError(
                f"protocols: no plugin named {name!r} is installed "
                f"(entry point group {ENTRY_POINT_GROUP}; installed: {sorted(installed) or 'none'})",
                details={"protocol": name},
            )
        factory: ProtocolFactory = entry.load()
        try:
            protocols[name] = factory(settings, config)
        except (ValueError, TypeError, OSError) as err:
            raise ConfigError(f"protocols.{name}: {err}", details={"protocol": name}) from err
        log.info("protocol plugin %s loaded from %s", name, entry.value)
    return protocols


__all__ = ["ENTRY_POINT_GROUP", "ProtocolFactory", "available", "load_protocols"]
