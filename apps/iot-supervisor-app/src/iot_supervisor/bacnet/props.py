"""Property references and per-property outcomes of a read."""

from __future__ import annotations

from dataclasses import dataclass

Prop = tuple[str, int | None]
"""A property name and an optional array index."""


@dataclass(frozen=True)
class Failed:
    """A property that could not be read, and why (the device's reason or the stack's)."""

    reason: str


def prop_key(prop: str, index: int | None) -> str:
    """``present-value`` or ``priority-array[8]``: the form RPM takes and keys results by."""
    return prop if index is None else f"{prop}[{index}]"
