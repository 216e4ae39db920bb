"""Per-run loopback addresses and UDP ports for tests, so that two test runs never collide.

A test (or a whole module) takes a :class:`NetPlan` from :meth:`NetPlan.allocate`:
its own ``127.A.B.`` block and its own block of UDP ports, checked free by binding
them and held by a lock file for the plan's life. Two pytest runs on one machine (or
a run beside a stack started by hand) then never bind the same address and port, and
a directed broadcast (127.255.255.255 on the plan's port) reaches only the plan's own
devices. Linux only (``fcntl.flock``), like the rest of the test setup.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

_PLAN_PORTS = range(20000, 32000, 8)
"""The first UDP port of each plan's block of eight: below Linux's ephemeral range (32768-60999),
so a client socket the kernel numbers never takes one, and clear of the hand-run ranges
(41100-41999, 47808/47809). 32000-32759 is the Playwright stack's (tests/e2e/stack.ts)."""
PLAN_PORT_BLOCK = 8
_LOCK_DIR = Path(tempfile.gettempdir()) / "bms-test-netplans"


def _udp_ports_free(first: int, count: int) -> bool:
    """Whether nobody has any of the ports bound, on any address.

    Binding 0.0.0.0 without SO_REUSEADDR fails while any socket holds the port on
    any 127.x address, so this also sees sockets of processes that are not tests.
    """
    for port in range(first, first + count):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                return False
    return True


@dataclass(frozen=True, eq=False)
class NetPlan:
    """Addresses of one test's devices and service, disjoint from every other test's and run's.

    Made by :meth:`allocate`: a random ``127.A.B.`` block (A in 20-254, clear of 127.0.x.x
    and the hand-run 127.1x.x.x) and a block of eight UDP ports that nobody has bound and
    no other plan holds. Other plans (in this process or another test run) skip the block
    while this plan holds the lock file of its first port: for the plan's life, until
    :meth:`release` or the process's end. The devices listen on ``device_port``, the
    service on ``device_port + 1``; ``+2..+7`` are the test's for anything else (a second
    simulator, a network behind a router). Directed broadcasts go to 127.255.255.255 on
    ``device_port``, so a run's Who-Is never reaches another run's devices.
    """

    ip_prefix: str
    device_port: int
    _lock_fd: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def allocate(cls, rng: random.Random | None = None) -> NetPlan:
        pick = rng or random.SystemRandom()
        if not _LOCK_DIR.exists():
            _LOCK_DIR.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                _LOCK_DIR.chmod(0o1777)  # like /tmp: every user's runs lock in the one place
        for _ in range(200):
            first = pick.choice(_PLAN_PORTS)
            # A raw descriptor: a plan held to the process's end closes without a warning.
            fd = os.open(_LOCK_DIR / f"udp-{first}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            if not _udp_ports_free(first, PLAN_PORT_BLOCK):
                os.close(fd)
                continue
            prefix = f"127.{pick.randint(20, 254)}.{pick.randint(1, 254)}."
            return cls(ip_prefix=prefix, device_port=first, _lock_fd=fd)
        raise RuntimeError(f"no free block of {PLAN_PORT_BLOCK} UDP ports for a test plan")

    @property
    def service_address(self) -> str:
        return f"{self.ip_prefix}1/8:{self.device_port + 1}"

    @property
    def broadcast(self) -> str:
        return f"127.255.255.255:{self.device_port}"

    def host(self, last: int | str) -> str:
        """This plan's address with last octet ``last``."""
        return f"{self.ip_prefix}{last}"

    def move(self, address: str, port: int | None = None) -> str:
        """``address`` (``a.b.c.d[/m][:p]``, as a simulator file names it) on this plan's block.

        The last octet and the mask stay; the port becomes ``port`` (the devices' port by
        default). A file's addresses moved this way keep their layout but not their run.
        """
        rest, _, _old_port = address.partition(":")
        ip, slash, mask = rest.partition("/")
        moved = f"{self.ip_prefix}{ip.rsplit('.', 1)[1]}{slash}{mask}"
        return f"{moved}:{self.device_port if port is None else port}"

    def release(self) -> None:
        """Let other plans take this block (its sockets must be closed by then)."""
        if self._lock_fd is not None:
            fd = self._lock_fd
            object.__setattr__(self, "_lock_fd", None)  # frozen otherwise; this is the one change
            os.close(fd)
