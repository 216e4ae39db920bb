"""Input and output traces of simulations, and durations such as ``2h``."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any

from bms_schemas import PointRef, PointRefError, Scalar
from supervisor_engine.errors import TraceError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90``, ``90s``, ``15m``, ``2h``, ``1h30m`` or ``250ms``."""
    cleaned = text.strip().lower()
    try:
        return _finite(float(cleaned), text)
    except ValueError:
        pass
    parts = list(_DURATION.finditer(cleaned))
    if not parts or "".join(p.group(0) for p in parts) != cleaned.replace(" ", ""):
        raise TraceError(f"{text!r} is not a duration; use e.g. 90s, 15m, 2h or 1h30m")
    return _finite(sum(float(p[1]) * _UNIT_S[p[2]] for p in parts), text)


def _finite(seconds: float, text: str) -> float:
    if not math.isfinite(seconds) or seconds < 0:
        raise TraceError(f"{text!r} is not a duration of zero or more seconds")
    return seconds


def parse_value(text: str) -> Scalar:
    """A trace cell: true/false, an integer, a number, or else text."""
    lowered = text.strip().lower()
    if lowered in ("true", "on", "active"):
        return True
    if lowered in ("false", "off", "inactive"):
        return False
    try:
        return int(lowered)
    except ValueError:
        pass
    try:
        return float(lowered)
    except ValueError:
        return text.strip()


@dataclass(frozen=True)
class InputTrace:
    """Timed input values: each point holds its value until the next sample."""

    samples: tuple[tuple[float, str, Scalar], ...] = ()
    """(seconds from the start, canonical point reference, value), in time order."""

    @property
    def points(self) -> list[str]:
        """Every point the trace sets, in first-appearance order."""
        return list(dict.fromkeys(point for _t, point, _v in self.samples))


def parse_input_csv(text: str) -> InputTrace:
    """A trace from CSV: a ``time`` column (seconds or durations), then one column per point.

    An empty cell leaves the point's value as it was.
    """
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise TraceError("input trace is empty; expected a header 'time,POINT,...'")
    header = [h.strip() for h in rows[0]]
    if header[0].lower() not in ("time", "time_s", "t"):
        raise TraceError(f"input trace's first column must be 'time', not {header[0]!r}")
    points: list[str] = []
    for name in header[1:]:
        try:
            points.append(str(PointRef.parse(name)))
        except PointRefError as err:
            hint = "" if "," in name else " (references hold a comma: quote them in CSV)"
            raise TraceError(f"input trace column: {err}{hint}") from err
    samples: list[tuple[float, str, Scalar]] = []
    for line_no, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise TraceError(f"input trace line {line_no} has more cells than the header")
        try:
            at = parse_duration(row[0])
        except TraceError as err:
            raise TraceError(f"input trace line {line_no}: {err}") from err
        for point, cell in zip(points, row[1:], strict=False):
            if cell.strip():
                samples.append((at, point, parse_value(cell)))
    samples.sort(key=lambda s: s[0])  # stable: same-time samples keep file order
    return InputTrace(tuple(samples))


@dataclass
class OutputTrace:
    """Values over time: one row per tick, one column per written point or watched port."""

    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def to_csv(self) -> str:
        """``time_s`` then the columns; a relinquished command is ``null``."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["time_s", *self.columns])
        for row in self.rows:
            writer.writerow([_cell(v) for v in row])
        return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 9))
    return str(value)
