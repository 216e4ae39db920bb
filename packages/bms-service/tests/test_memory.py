"""release_free_memory gives freed heap pages back: RSS falls after a burst is freed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    # In a fresh process: 40 MB of small objects (from the heap, not mmap) freed except for a
    # few survivors spread across it, so glibc cannot shrink the heap from its top by itself.
    script = textwrap.dedent(
        """
        import re
        from bms_service.memory import release_free_memory

        def rss_mb():
            status = open("/proc/self/status").read()
            return int(re.search(r"VmRSS:\\s+(\\d+)", status).group(1)) / 1024

        blocks = [bytearray(1000) for _ in range(40_000)]
        survivors = blocks[::4000]
        del blocks
        before = rss_mb()
        assert release_free_memory()
        print(before - rss_mb(), len(survivors))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    released_mb = float(out.split()[0])
    assert released_mb > 20, out
