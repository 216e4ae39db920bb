"""Batched reads: adjacent points of one kind in one request, within the protocol's limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from iot_supervisor.modbus.registers import Kind, RegisterMap, RegisterPoint


@dataclass
class Batch:
    """One read request: ``count`` registers (or bits) of ``kind`` from ``address``."""

    kind: Kind
    address: int
    count: int
    points: list[RegisterPoint] = field(default_factory=list)


def plan(register_map: RegisterMap, points: list[RegisterPoint]) -> list[Batch]:
    """Group ``points`` into as few reads as the map's limits and gap allow.

    Points of one kind are sorted by address; the next point joins the current
    batch when it starts at most ``max_gap`` registers after the batch's end and
    the batch stays within ``max_registers_per_read`` (``max_bits_per_read``).
    """
    batches: list[Batch] = []
    for kind in Kind:
        of_kind = sorted(
            {p.name: p for p in points if p.kind is kind}.values(), key=lambda p: p.address
        )
        limit = register_map.max_bits_per_read if kind.bits else register_map.max_registers_per_read
        current: Batch | None = None
        for point in of_kind:
            end = point.address + point.count
            if (
                current is not None
                and point.address - (current.address + current.count) <= register_map.max_gap
                and end - current.address <= limit
            ):
                current.count = max(current.count, end - current.address)
                current.points.append(point)
                continue
            current = Batch(kind, point.address, point.count, [point])
            batches.append(current)
    return batches


__all__ = ["Batch", "plan"]
