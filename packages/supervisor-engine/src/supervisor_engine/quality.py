"""Quality ranks as the evaluator handles them: small ints, higher is worse.

The evaluator keeps qualities as ranks (indexes into
:data:`bms_schemas.QUALITIES_BY_RANK`) so that "worst of the inputs" is a
plain ``max`` over ints in the scan loop.
"""

from __future__ import annotations

from bms_schemas import QUALITIES_BY_RANK, QUALITY_RANK, Quality

OK = QUALITY_RANK[Quality.OK]
OVERRIDDEN = QUALITY_RANK[Quality.OVERRIDDEN]
STALE = QUALITY_RANK[Quality.STALE]
OUT_OF_SERVICE = QUALITY_RANK[Quality.OUT_OF_SERVICE]
FAULT = QUALITY_RANK[Quality.FAULT]


def quality_of(rank: int) -> Quality:
    """The quality of a rank."""
    return QUALITIES_BY_RANK[rank]
