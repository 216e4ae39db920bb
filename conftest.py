"""Settings shared by every package's tests.

Hypothesis's per-example deadline (200 ms by default) measures the machine, not the code:
on the 2-core CI machine under load a pure parse/print example went over it. Tests here
must not depend on the machine's speed, so no example has a deadline.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("bms", deadline=None)
settings.load_profile("bms")
