"""Give the heap's free pages back to the operating system after a one-off peak.

A service allocates most in bursts that end: imports and setup at start, compiling a flow at
deploy, walking devices at discovery. CPython frees those objects, but glibc's allocator keeps
the freed pages in its heap for later; nothing later needs that much again, and on a small
supervisor computer it is 3-5 MB of resident memory per service. ``malloc_trim(0)`` returns
every whole free page, inside the heap as well as at its top, in about half a millisecond.
On a C library without it (musl, macOS) this does nothing.

Bursts also come later and unannounced (the first request on a route, the first call that
starts a worker thread: 4-6 MB in the Designer), so rather than trimming after each known
one, each service trims once it has started and then every ``TRIM_PERIOD_S``, in a worker
thread (the C call releases the GIL, so the event loop runs on).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
from collections.abc import Callable

import anyio.to_thread

log = logging.getLogger(__name__)

TRIM_PERIOD_S = 10.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    released = trim(0) == 1
    log.debug("malloc_trim: %s", "memory released" if released else "nothing to release")
    return True


async def release_free_memory_periodically(period_s: float = TRIM_PERIOD_S) -> None:
    """Trim now and then every ``period_s`` until cancelled (a task each service runs for its
    lifetime: started once its setup is done)."""
    if _malloc_trim() is None:
        return
    while True:
        await anyio.to_thread.run_sync(release_free_memory)
        await anyio.sleep(period_s)
