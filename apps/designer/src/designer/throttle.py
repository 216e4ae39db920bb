"""Sign-in throttling: wrong passwords slow down per user and address, and per address.

After ``free`` failures in the window, each further attempt waits an
exponentially growing time (1 s, 2 s, 4 s ... up to ``max_delay_s``) after the
last failure; an attempt inside that wait is refused at once, without checking
the password. A success clears the user's count for that address. Keys are
kept in memory: a restart forgets them, which only helps someone who can
restart the Designer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    """Counts wrong passwords by (user, address) and by address."""

    free_per_user: int = 5
    free_per_address: int = 20
    window_s: float = 900.0
    max_delay_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, ...], _Failures] = field(default_factory=dict)

    def _keys(self, username: str, address: str) -> list[tuple[tuple[str, ...], int]]:
        return [(("user", username.lower(), address), self.free_per_user),
                (("address", address), self.free_per_address)]  # fmt: skip

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until an attempt may be made; 0 when it may be made now."""
        now = self.clock()
        wait = 0.0
        for key, free in self._keys(username, address):
            entry = self._failures.get(key)
            if entry is None:
                continue
            if now - entry.last > self.window_s:
                del self._failures[key]
                continue
            if entry.count >= free:
                delay = min(self.max_delay_s, 2.0 ** (entry.count - free))
                wait = max(wait, entry.last + delay - now)
        return max(wait, 0.0)

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        for key, _free in self._keys(username, address):
            entry = self._failures.setdefault(key, _Failures())
            entry.count += 1
            entry.last = now
        if len(self._failures) > 100_000:  # bound memory under a spray of names
            oldest = sorted(self._failures.items(), key=lambda kv: kv[1].last)[:50_000]
            for key, _entry in oldest:
                del self._failures[key]

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop(("user", username.lower(), address), None)
