"""The demo building's plant model: steady states worked out by hand, first-order responses."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from iot_supervisor.simulator.building import (
    RHO_CP_AIR,
    BuildingModel,
    BuildingParams,
    ZoneParams,
    command_names,
    measurement_names,
)

MONDAY = datetime(2025, 1, 6, tzinfo=UTC)


def one_zone(**params: object) -> BuildingModel:
    """One default zone (C 4e5 J/K, UA 50 W/K, 300 L/s, base gain 150 W), 10 degC all day, nobody in."""
    base = {"oat_mean_c": 10.0, "oat_amplitude_k": 0.0, "occupied_weekdays": ()}
    return BuildingModel(
        BuildingParams(zones=(ZoneParams(),), **(base | params)),  # type: ignore[arg-type]
        start=MONDAY,
    )


def test_free_floating_zone_settles_at_outdoor_plus_gains_over_ua() -> None:
    # No fan: 50 (T - 10) = 150  ->  T = 13.0
    model = one_zone()
    assert model.step(20 * 8000.0)["zone1.temp"] == pytest.approx(13.0, abs=1e-6)


def test_free_floating_zone_is_first_order_with_tau_c_over_ua() -> None:
    # tau = 4e5 / 50 = 8000 s; from 20 towards 13: after one tau, 13 + 7 / e.
    model = one_zone()
    assert model.step(8000.0)["zone1.temp"] == pytest.approx(13.0 + 7.0 / math.e, abs=1e-9)
    # ...and half of the remaining gap after tau * ln 2.
    before = model.zone_temps[0]
    after = model.step(8000.0 * math.log(2))["zone1.temp"]
    assert after - 13.0 == pytest.approx((before - 13.0) / 2, abs=1e-9)


def test_one_large_step_equals_many_small_ones() -> None:
    a, b = one_zone(), one_zone()
    a.step(3600.0, {"ahu.fan_cmd": True, "zone1.damper": 60.0})
    for _ in range(3600):
        b.step(1.0, {"ahu.fan_cmd": True, "zone1.damper": 60.0})
    assert a.zone_temps[0] == pytest.approx(b.zone_temps[0], abs=0.05)


def test_fan_status_follows_the_command_after_the_delay() -> None:
    model = one_zone()
    assert model.step(4.0, {"ahu.fan_cmd": True})["ahu.fan_status"] is False
    assert model.step(1.0)["ahu.fan_status"] is True
    assert model.step(4.0, {"ahu.fan_cmd": False})["ahu.fan_status"] is True
    assert model.step(1.0)["ahu.fan_status"] is False
    model.fan_failed = True
    assert model.step(60.0, {"ahu.fan_cmd": True})["ahu.fan_status"] is False


def test_static_pressure_and_airflow_from_fan_and_dampers() -> None:
    model = one_zone()
    assert model.step(60.0, {"zone1.damper": 100.0})["ahu.static_pressure"] == 0.0
    # Fan on, damper open: 400 * (1 - 0.5) = 200 Pa, the design pressure: 300 L/s.
    m = model.step(60.0, {"ahu.fan_cmd": True})
    assert m["ahu.static_pressure"] == pytest.approx(200.0, abs=1e-3)
    assert m["zone1.airflow"] == pytest.approx(300.0, abs=1e-2)
    # Half open: 400 * 0.75 = 300 Pa, 300 * 0.5 * sqrt(300 / 200) = 183.7 L/s.
    m = model.step(60.0, {"zone1.damper": 50.0})
    assert m["ahu.static_pressure"] == pytest.approx(300.0, abs=1e-3)
    assert m["zone1.airflow"] == pytest.approx(183.71, abs=1e-2)
    # Static pressure is first order with tau 3 s.
    m = model.step(3.0, {"zone1.damper": 100.0})
    assert m["ahu.static_pressure"] == pytest.approx(200.0 + 100.0 / math.e, abs=1e-3)


def test_mixed_air_from_the_outdoor_air_damper() -> None:
    model = one_zone()
    model.zone_temps[0] = 20.0
    model.commands["ahu.oa_damper"] = 100.0
    assert model.measure()["ahu.mat"] == pytest.approx(10.0)
    model.commands["ahu.oa_damper"] = 0.0
    # Minimum outdoor air 15 %: 0.15 * 10 + 0.85 * 20 = 18.5
    assert model.measure()["ahu.mat"] == pytest.approx(18.5)


def test_supply_air_from_the_coils() -> None:
    model = one_zone()
    model.commands["ahu.oa_damper"] = 100.0  # mixed air = outdoor air = 10
    assert model.step(3600.0, {"ahu.heating_valve": 100.0})["ahu.sat"] == pytest.approx(35.0)
    # Cooling from 10 with 7 degC water, effectiveness 0.85: 10 - 0.85 * 3 = 7.45
    m = model.step(3600.0, {"ahu.heating_valve": 0.0, "ahu.cooling_valve": 100.0})
    assert m["ahu.sat"] == pytest.approx(7.45)
    # The sensor lags with tau 60 s: from 7.45 towards 10 after 60 s.
    m = model.step(60.0, {"ahu.cooling_valve": 0.0})
    assert m["ahu.sat"] == pytest.approx(10.0 - 2.55 / math.e, abs=1e-6)


def test_ventilated_zone_steady_state() -> None:
    # All outdoor air at 10, heating valve 40 %: supply 10 + 0.4 * 25 = 20 degC.
    # Damper open: 300 L/s carry G = 1206 * 0.3 = 361.8 W/K.
    # 50 (10 - T) + 361.8 (20 - T) + 150 = 0  ->  T = 7886 / 411.8 = 19.150
    model = one_zone()
    commands = {"ahu.fan_cmd": True, "ahu.oa_damper": 100.0, "ahu.heating_valve": 40.0}
    m = model.step(20 * 3600.0, commands | {"zone1.damper": 100.0})
    assert pytest.approx(361.8) == RHO_CP_AIR * 0.3
    assert m["zone1.temp"] == pytest.approx(7886.0 / 411.8, abs=1e-3)
    # Reheat 50 %: discharge 20 + 10 = 30  ->  T = (500 + 361.8 * 30 + 150) / 411.8 = 27.935
    m = model.step(20 * 3600.0, {"zone1.reheat": 50.0})
    assert m["zone1.temp"] == pytest.approx((650.0 + 361.8 * 30) / 411.8, abs=1e-3)


def test_occupants_add_their_gains_on_weekdays_in_office_hours() -> None:
    # Occupied: 50 (T - 10) = 150 + 1200  ->  T = 37 (no ventilation, a hot closed room)
    model = one_zone(occupied_weekdays=(0, 1, 2, 3, 4), occupied_from_h=0.0, occupied_to_h=24.0)
    model.step(3 * 8000.0)  # Monday, 06:40
    assert model.measure()["zone1.occupancy"] is True
    assert model.zone_temps[0] == pytest.approx(37.0 + (20.0 - 37.0) * math.exp(-3), abs=1e-6)
    assert model.occupied(MONDAY.replace(day=12)) is False  # Sunday


def test_outdoor_air_follows_the_daily_curve() -> None:
    model = BuildingModel(start=MONDAY)  # mean 14, amplitude 6, warmest at 15:00
    assert model.outdoor_temp(MONDAY.replace(hour=15)) == pytest.approx(20.0)
    assert model.outdoor_temp(MONDAY.replace(hour=3)) == pytest.approx(8.0)
    assert model.outdoor_temp(MONDAY.replace(hour=9)) == pytest.approx(14.0)
    assert model.occupied(MONDAY.replace(hour=7)) is True
    assert model.occupied(MONDAY.replace(hour=6, minute=59)) is False
    assert model.occupied(MONDAY.replace(day=11, hour=10)) is False  # Saturday


def test_signals_and_unknown_commands() -> None:
    model = BuildingModel()
    assert set(model.step(1.0)) == set(measurement_names(4))
    assert set(model.commands) == set(command_names(4))
    with pytest.raises(KeyError, match=r"zone9\.damper"):
        model.step(1.0, {"zone9.damper": 10.0})
    with pytest.raises(ValueError, match="negative"):
        model.step(-1.0)
