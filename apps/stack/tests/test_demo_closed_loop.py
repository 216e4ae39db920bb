"""The demo project controlling the demo building's plant model, closed loop on the virtual clock.

No processes: the engine library's scheduler and evaluator run the compiled demo
bundle; each tick the plant's measurements are the input snapshot (quality ok)
and the tick's writes are the plant's commands for the next ``dt``.

The test lives with the stack, which owns the demo project and may import both the
plant model (``iot_supervisor.simulator.building``) and the engine library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bms_stack.demo_loop import DemoLoop
from bms_stack.demo_project import (
    OCCUPIED_COOLING_SP,
    OCCUPIED_HEATING_SP,
    UNOCCUPIED_HEATING_SP,
    demo_graph,
)
from iot_supervisor.simulator.building import BuildingModel, measurement_names
from supervisor_engine import (
    FlowTiming,
    Scheduler,
    TickCall,
    VirtualClock,
    default_registry,
    validate_graph,
)

MONDAY = datetime(2025, 1, 6, tzinfo=UTC)
OCCUPANCY_START_S = 7 * 3600.0
RUN_UNTIL_S = 18 * 3600.0
TOLERANCE_K = 0.5
BAND = (OCCUPIED_HEATING_SP - TOLERANCE_K, OCCUPIED_COOLING_SP + TOLERANCE_K)


@dataclass
class LoopRun:
    """What a closed-loop run recorded, once a minute."""

    times: list[float] = field(default_factory=list)
    temps: list[list[float]] = field(default_factory=list)
    dampers: list[list[float]] = field(default_factory=list)
    fan_alarm: bool = False
    faults: dict[str, str] = field(default_factory=dict)
    final: dict[str, object] = field(default_factory=dict)


def run_closed_loop(plant: BuildingModel, until_s: float) -> LoopRun:
    """Run from the plant's time to ``until_s`` seconds after Monday 00:00; times are from then too."""
    offset = (plant.time - MONDAY).total_seconds()
    measured = measurement_names(plant.zones)
    loop = DemoLoop(demo_graph())
    run = LoopRun()
    measurements = plant.measure()

    def tick(call: TickCall) -> None:
        nonlocal measurements
        read = {name: measurements[name] for name in measured}
        commands, faults = loop.tick(call.due, call.wall, call.dt, read)
        run.faults.update(faults)
        measurements = plant.step(call.dt, commands)
        run.fan_alarm |= loop.output("fan__alarm", "active") is True
        if call.due % 60 == 0:
            run.times.append(offset + call.due)
            run.temps.append([float(measurements[f"zone{i}.temp"]) for i in range(1, 5)])
            run.dampers.append([float(plant.commands[f"zone{i}.damper"]) for i in range(1, 5)])

    clock = VirtualClock(start=0.0, wall_start=plant.time)
    Scheduler(clock, [FlowTiming("demo", 1.0, 0.0)], tick, start=0.0).run_until(until_s - offset)
    run.final = dict(measurements)
    return run


def settling_time_s(run: LoopRun, zone: int, after_s: float) -> float | None:
    """Seconds after ``after_s`` from which the zone stays inside the band to the end."""
    inside_since: float | None = None
    for t, temps in zip(run.times, run.temps, strict=True):
        if t < after_s:
            continue
        if BAND[0] <= temps[zone] <= BAND[1]:
            inside_since = t if inside_since is None else inside_since
        else:
            inside_since = None
    return None if inside_since is None else inside_since - after_s


def reversals(values: list[float], threshold: float) -> int:
    """Direction changes of a signal, each counted once it has moved ``threshold`` back."""
    count, direction, extreme = 0, 0, values[0]
    for v in values[1:]:
        if (direction >= 0 and v > extreme) or (direction <= 0 and v < extreme):
            extreme = v
            if direction == 0 and abs(v - values[0]) > threshold:
                direction = 1 if v > values[0] else -1
        elif abs(v - extreme) > threshold:
            direction = -1 if v < extreme else 1
            extreme = v
            count += 1
    return count


def test_demo_graph_validates() -> None:
    assert validate_graph(demo_graph(), default_registry()) == []


@pytest.fixture(scope="module")
def monday() -> LoopRun:
    """Monday from 05:00, the zones at their night setback, to 18:00 when people leave."""
    plant = BuildingModel(start=MONDAY.replace(hour=5))
    plant.zone_temps = [UNOCCUPIED_HEATING_SP + 0.5] * plant.zones
    return run_closed_loop(plant, RUN_UNTIL_S)


def test_the_night_low_limit_keeps_the_zones_warm(monday: LoopRun) -> None:
    night = [temps for t, temps in zip(monday.times, monday.temps, strict=True) if t < 7 * 3600]
    assert min(min(temps) for temps in night) >= UNOCCUPIED_HEATING_SP - 1.0


@pytest.mark.parametrize("zone", range(4))
def test_every_zone_reaches_its_occupied_setpoint_within_30_minutes_and_holds_it(
    monday: LoopRun, zone: int
) -> None:
    assert monday.faults == {}
    assert not monday.fan_alarm
    settled = settling_time_s(monday, zone, OCCUPANCY_START_S)
    assert settled is not None, f"zone {zone + 1} never settled in {BAND}"
    # ...and then stays inside the band to the end of the occupied day.
    assert settled <= 30 * 60, f"zone {zone + 1} took {settled / 60:.0f} min"


@pytest.mark.parametrize("zone", range(4))
def test_no_sustained_oscillation_once_settled(monday: LoopRun, zone: int) -> None:
    # From 08:00 to 18:00 temperatures and dampers may drift with the load and the
    # weather, but not swing back and forth (the reset hunting counted 16 swings).
    window = [i for i, t in enumerate(monday.times) if 8 * 3600 <= t <= 18 * 3600]
    temps = [monday.temps[i][zone] for i in window]
    dampers = [monday.dampers[i][zone] for i in window]
    assert reversals(temps, 0.05) <= 2, f"zone {zone + 1} temperature swings"
    assert reversals(dampers, 2.0) <= 2, f"zone {zone + 1} damper swings"


def test_a_fan_that_never_proves_raises_the_alarm() -> None:
    plant = BuildingModel(start=MONDAY.replace(hour=6, minute=55))
    plant.fan_failed = True
    run = run_closed_loop(plant, 7 * 3600 + 5 * 60.0)
    assert run.fan_alarm
    assert run.final["ahu.fan_status"] is False


def test_reversals_counts_swings_not_drift() -> None:
    assert reversals([0.0, 0.1, 0.2, 0.3, 0.4], 0.05) == 0
    assert reversals([0.0, 1.0, 0.0, 1.0, 0.0], 0.05) == 3
    assert reversals([0.0, 0.01, 0.0, 0.01], 0.05) == 0
