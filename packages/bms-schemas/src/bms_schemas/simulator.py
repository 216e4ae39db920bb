"""The simulated building's controls on the IoT service (``iot-supervisor serve --simulate``).

A test or a demo holds a simulated object's present value by hand, over the plant model, to
push the building out of range at once: the zone at 35 °C that the physics would take an hour
to reach. The value reaches the service over BACnet like any other, so everything downstream
(the engine's alarms, the history) sees what a real sensor reading 35 °C would give.
"""

from __future__ import annotations

from pydantic import Field

from bms_schemas._base import BmsModel
from bms_schemas.points import PointRef
from bms_schemas.values import WriteValue


class SimulatorHold(BmsModel):
    """A simulated object's present value held by hand, or released (``value`` null)."""

    point: PointRef = Field(
        description="The simulated object, e.g. '2101/analog-input,1/present-value'."
    )
    value: WriteValue = Field(
        description=(
            "The value to hold (a number, true/false for a binary object, or a state number); "
            "null releases the hold, and the simulation drives the object again."
        )
    )


class SimulatorHolds(BmsModel):
    """Every value held by hand now."""

    holds: tuple[SimulatorHold, ...] = Field(description="The holds, by device and object.")
