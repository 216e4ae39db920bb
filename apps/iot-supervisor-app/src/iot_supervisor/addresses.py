"""BACnet/IP addresses: parsing, the loopback rule and duplicate-bind detection.

bacpypes3 opens its sockets with ``SO_REUSEPORT``, so a second application on
the same ip:port binds without error and the kernel then splits the traffic
between the two (shared/research/bacnet.md §1.1). :func:`ensure_free` binds a
plain socket *without* that option first: it fails with EADDRINUSE exactly when
someone already holds the address.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from dataclasses import dataclass

from iot_supervisor.errors import AddressInUseError, ConfigError

BACNET_PORT = 47808


@dataclass(frozen=True, slots=True)
class BipAddress:
    """An ``ip[/prefix][:port]`` BACnet/IP address."""

    ip: str
    prefix: int | None
    port: int

    @classmethod
    def parse(cls, text: str) -> BipAddress:
        host, _, port_text = text.strip().partition(":")
        ip, _, prefix_text = host.partition("/")
        try:
            ipaddress.IPv4Address(ip)
            port = int(port_text) if port_text else BACNET_PORT
            prefix = int(prefix_text) if prefix_text else None
        except ValueError as err:
            raise ConfigError(f"{text!r} is not a BACnet/IP address 'ip[/prefix][:port]'") from err
        if not 0 < port < 65536 or (prefix is not None and not 0 <= prefix <= 32):
            raise ConfigError(f"{text!r}: port or prefix out of range")
        return cls(ip, prefix, port)

    @property
    def hostport(self) -> str:
        """``ip:port``, the form BACnet addresses are compared and shown in."""
        return f"{self.ip}:{self.port}"

    @property
    def bind_spec(self) -> str:
        """The string bacpypes3's NetworkPortObject takes."""
        prefix = f"/{self.prefix}" if self.prefix is not None else ""
        return f"{self.ip}{prefix}:{self.port}"

    @property
    def is_loopback(self) -> bool:
        return ipaddress.IPv4Address(self.ip).is_loopback

    def __str__(self) -> str:
        return self.bind_spec


def require_loopback(text: str, *, allow_lan: bool, what: str) -> str:
    """Refuse a non-loopback address unless LAN exposure was opted into."""
    address = BipAddress.parse(text)
    if not allow_lan and not address.is_loopback:
        raise ConfigError(
            f"{what} {text!r} is not a loopback address; set allow_lan to expose the service"
        )
    return text


def is_loopback_host(host: str) -> bool:
    """Whether an HTTP bind host is a loopback address (``localhost`` counts)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ensure_free(address: BipAddress) -> None:
    """Raise :class:`AddressInUseError` when the UDP ip:port is already bound."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.bind((address.ip, address.port))
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise AddressInUseError(
                f"BACnet/IP address {address.hostport} is already bound by another application"
            ) from err
        raise ConfigError(f"cannot bind {address.hostport}: {err}") from err
    finally:
        probe.close()
