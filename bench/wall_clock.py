"""A wall clock that can be stepped for the stack's processes only (libfaketime).

Stepping the machine's clock would move it for everyone sharing the machine. Debian's
``libfaketime`` (``apt-get install faketime``) instead moves the wall clock of the
processes started with it preloaded: ``FAKETIME_TIMESTAMP_FILE`` holds an offset
(``+0``, ``+7200``, ``-3600``) that the library reads again on every call
(``FAKETIME_NO_CACHE=1``; with ``FAKETIME_CACHE_DURATION=1`` an idle process still
answered the old offset 1.6 s after the step), so a step reaches running processes at
once, without a restart, the way an NTP step or an RTC reset reaches a real controller.
``CLOCK_MONOTONIC`` is left alone (``FAKETIME_DONT_FAKE_MONOTONIC=1``): the engine's
scan cycle and every timeout keep running on it, as they do on a real machine.
"""

from __future__ import annotations

import glob
import time
from pathlib import Path

_LIBRARY_GLOBS = (
    # the MT build serialises the time() intercept: the services are multi-threaded
    "/usr/lib/*/faketime/libfaketimeMT.so.1",
    "/usr/lib/faketime/libfaketimeMT.so.1",
    "/usr/local/lib/faketime/libfaketimeMT.so.1",
)


def find_library() -> Path | None:
    """libfaketime's preload library, if installed."""
    for pattern in _LIBRARY_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return Path(found[0])
    return None


class SteppableClock:
    """The offset file and the environment that makes a process follow it."""

    def __init__(self, library: Path, offset_file: Path) -> None:
        self.library = library
        self.file = offset_file
        self.offset_s = 0.0
        self._write("+0")

    def env(self) -> dict[str, str]:
        return {
            "LD_PRELOAD": str(self.library),
            "FAKETIME_TIMESTAMP_FILE": str(self.file),
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def set_offset(self, offset_s: float) -> None:
        """Put the stack's wall clock ``offset_s`` from the real one (from its next read)."""
        self.offset_s = offset_s
        self._write(f"{offset_s:+.0f}")
        time.sleep(0.2)  # a call in flight while the file changed has finished

    def step(self, by_s: float) -> None:
        """Step the stack's wall clock by ``by_s`` seconds (forward or back)."""
        self.set_offset(self.offset_s + by_s)

    def _write(self, text: str) -> None:
        temp = self.file.with_suffix(".tmp")
        temp.write_text(text + "\n", encoding="utf-8")
        temp.replace(self.file)  # a reader never sees a half-written offset
