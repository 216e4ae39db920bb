"""Psychrometric blocks against tabulated values of the 2017 ASHRAE Handbook - Fundamentals, ch. 1.

Tolerances, and why:

- saturation pressure, Table 3: 300 ppm, the accuracy ASHRAE states for eqs. 5 and 6;
- saturation humidity ratio and enthalpy, Table 2: 0.5 % (1 % at 50 degC) for W and 1 % for h.
  The table includes the enhancement factor of real moist air, which the ideal-gas
  relations of eqs. 20 and 24 (used in practice and here) leave out;
- Example 1 (40 degC dry bulb, 20 degC wet bulb; 100 degF / 65 degF in IP): the handbook
  rounds its answers (W 0.0065, dew point 7 degC, RH 14 %, h 56.7 kJ/kg), so the tolerances
  are half its last digit, plus what feeding the rounded RH back in moves the result;
- standard atmosphere, Table 1: 1 Pa at 500 m; 0.03 % for 1000 ft (the IP table's rounding
  and eq. 3's fit).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bms_schemas import IssueCode, PointValue, Quality
from supervisor_engine import default_registry, validate_graph
from supervisor_engine.blocks.psychro import (
    humidity_ratio_from_wet_bulb,
    sat_vapor_pressure,
    standard_pressure,
    wet_bulb,
)
from supervisor_engine.testing import BlockHarness, GraphBuilder

T0 = datetime(2025, 1, 6, tzinfo=UTC)


def value(block: str, temp: Any, rh: Any, **params: Any) -> Any:
    h = BlockHarness(f"hvac.{block}", **params)
    return h.step(1.0, temp=temp, rh=rh)["out"]


@pytest.mark.parametrize(
    ("t", "pws"),
    [(-20, 103.24), (-5, 401.74), (5, 872.6), (25, 3169.7), (50, 12351.3), (100, 101418.0)],
)
def test_saturation_pressure_table_3(t: float, pws: float):
    assert sat_vapor_pressure(t) == pytest.approx(pws, rel=3e-4)


@pytest.mark.parametrize(
    ("t", "ws", "rel"),
    [
        (-20, 0.0006373, 0.005),
        (-5, 0.0024863, 0.005),
        (5, 0.005425, 0.005),
        (25, 0.020173, 0.005),
        (50, 0.086863, 0.01),
    ],
)
def test_saturation_humidity_ratio_table_2(t: float, ws: float, rel: float):
    assert value("humidity-ratio", float(t), 100.0) == pytest.approx(ws, rel=rel)


@pytest.mark.parametrize(("t", "hs"), [(-20, -18.542), (5, 18.639), (25, 76.504), (50, 275.353)])
def test_saturation_enthalpy_table_2(t: float, hs: float):
    assert value("enthalpy", float(t), 100.0) == pytest.approx(hs, rel=0.01)


@pytest.mark.parametrize(("t_f", "hs"), [(41.0, 15.699), (77.0, 40.576)])
def test_saturation_enthalpy_table_2_ip(t_f: float, hs: float):
    assert value("enthalpy", t_f, 100.0, units="IP") == pytest.approx(hs, rel=0.01)


def test_saturation_humidity_ratio_ip():
    # Table 2 (IP): 77 degF at 14.696 psia, W = 0.020173 lb/lb.
    assert value("humidity-ratio", 77.0, 100.0, units="IP", pressure=14.696) == pytest.approx(
        0.020173, rel=0.005
    )


@pytest.mark.parametrize("t", [-10.0, 5.0, 25.0, 40.0])
def test_at_saturation_dew_point_and_wet_bulb_equal_dry_bulb(t: float):
    assert value("dew-point", t, 100.0) == pytest.approx(t, abs=1e-4)
    assert value("wet-bulb", t, 100.0) == pytest.approx(t, abs=1e-4)


def test_handbook_example_1_si():
    # 40 degC dry bulb, 20 degC wet bulb, 101.325 kPa: W = 0.0065, dew point 7 degC,
    # RH 14 %, h = 56.7 kJ/kg.
    assert value("humidity-ratio", 40.0, 14.0) == pytest.approx(0.0065, abs=2e-4)
    assert value("wet-bulb", 40.0, 14.0) == pytest.approx(20.0, abs=0.15)
    assert value("dew-point", 40.0, 14.0) == pytest.approx(7.0, abs=0.5)
    assert value("enthalpy", 40.0, 14.0) == pytest.approx(56.7, abs=0.2)


def test_handbook_example_1_ip():
    # 100 degF dry bulb, 65 degF wet bulb, 14.696 psia: W = 0.00523, dew point 40 degF,
    # RH 13 %, h = 29.80 Btu/lb.
    assert value("humidity-ratio", 100.0, 13.0, units="IP") == pytest.approx(0.00523, abs=2e-4)
    assert value("wet-bulb", 100.0, 13.0, units="IP") == pytest.approx(65.0, abs=0.5)
    assert value("dew-point", 100.0, 13.0, units="IP") == pytest.approx(40.0, abs=1.0)
    assert value("enthalpy", 100.0, 13.0, units="IP") == pytest.approx(29.80, abs=0.15)


def test_wet_bulb_inverts_the_wet_bulb_equation_above_and_below_freezing():
    p = standard_pressure(500.0)
    assert p == pytest.approx(95461.0, abs=1.0)  # Table 1, 500 m
    for t, t_wb in ((30.0, 25.0), (-1.0, -5.0), (35.0, 12.0)):
        assert wet_bulb(t, humidity_ratio_from_wet_bulb(t, t_wb, p), p) == pytest.approx(
            t_wb, abs=1e-4
        )


def test_altitude_and_pressure_parameters():
    # Less pressure, more water per kg of dry air at the same RH.
    sea = value("humidity-ratio", 25.0, 50.0)
    high = value("humidity-ratio", 25.0, 50.0, altitude=1500)
    p_high = standard_pressure(1500.0)
    assert high == pytest.approx(sea * (101325 - 1585) / (p_high - 1585), rel=1e-3)
    assert value("humidity-ratio", 25.0, 50.0, pressure=101.325) == pytest.approx(sea, rel=1e-6)
    # IP altitude in feet: 1000 ft (304.8 m) is 14.175 psia in Table 1; eq. 3 gives it to 0.03 %.
    assert standard_pressure(304.8) == pytest.approx(14.175 * 6894.757, rel=3e-4)
    ip = value("humidity-ratio", 77.0, 50.0, units="IP", altitude=1000)
    assert ip == pytest.approx(value("humidity-ratio", 25.0, 50.0, altitude=304.8), rel=1e-9)


def test_out_of_range_and_invalid_inputs():
    h = BlockHarness("hvac.enthalpy")
    assert h.step(1.0, temp=20.0, rh=120.0) == {"out": None}
    assert h.qualities()["out"] is Quality.FAULT
    assert h.step(1.0, temp=250.0, rh=50.0) == {"out": None}
    assert h.qualities()["out"] is Quality.FAULT
    h.step(1.0, temp=PointValue(value=None, quality=Quality.STALE, timestamp=T0), rh=50.0)
    assert h.outputs() == {"out": None}
    assert h.qualities()["out"] is Quality.STALE
    # A stale but present reading still computes, flagged stale.
    h.step(1.0, temp=PointValue(value=20.0, quality=Quality.STALE, timestamp=T0), rh=50.0)
    assert h.outputs()["out"] == pytest.approx(38.6, abs=0.2)
    assert h.qualities()["out"] is Quality.STALE


def test_psychro_parameters():
    g = GraphBuilder()
    g.node("hvac.dew-point", "a", units="metric")
    g.node("hvac.dew-point", "b", pressure=0)
    fields = [
        i.field for i in validate_graph(g.build(), default_registry())
        if i.code is IssueCode.INVALID_PARAMETER
    ]  # fmt: skip
    assert fields == ["params.units", "params.pressure"]
