"""Trim and respond, request sum and economizer enable on the virtual clock.

The trim-and-respond traces are worked out by hand from ASHRAE Guideline 36
section 5.1.14.3: SP0 while off; hold SP0 for Td after proven on; then every T,
R <= I -> +SPtrim, R > I -> SPres * (R - I) limited to SPres-max; within
[SPmin, SPmax].
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bms_schemas import IssueCode, PointValue, Quality
from supervisor_engine import default_registry, validate_graph
from supervisor_engine.testing import BlockHarness, GraphBuilder

REGISTRY = default_registry()
T0 = datetime(2025, 1, 6, tzinfo=UTC)


def param_issues(block_type: str, **params: Any) -> list[str]:
    g = GraphBuilder()
    g.node(block_type, "n", **params)
    return [
        i.field or ""
        for i in validate_graph(g.build(), REGISTRY)
        if i.code is IssueCode.INVALID_PARAMETER
    ]


def bad(value: Any, quality: Quality = Quality.STALE) -> PointValue:
    return PointValue(value=value, quality=quality, timestamp=T0)


# G36's example for duct static pressure, in Pa.
STATIC = {
    "sp0": 120.0, "spMin": 25.0, "spMax": 400.0, "delayS": 600, "stepS": 120,
    "ignoredRequests": 2, "spTrim": -12.0, "spRes": 15.0, "spResMax": 32.0,
}  # fmt: skip


def test_trim_and_respond_g36_static_pressure_trace():
    h = BlockHarness("hvac.trim-respond", **STATIC)
    inputs = {  # t -> inputs changed at that tick (ticks every 60 s)
        60: {"device_on": True, "requests": 0},  # proven on: hold SP0 until 660, steps from 780
        1020: {"requests": 3},
        1140: {"requests": 5},
        1260: {"requests": 2},
        1320: {"device_on": False, "requests": 0},
        1380: {"device_on": True},  # on again: next step at 1380 + 600 + 120 = 2100
    }
    expected = dict.fromkeys(range(60, 780, 60), 120.0)
    expected |= {780: 108.0, 840: 108.0}  # R=0 <= I: trim -12
    expected |= {900: 96.0, 960: 96.0}  # trim again
    expected |= {1020: 111.0, 1080: 111.0}  # R=3: +15 * (3 - 2)
    expected |= {1140: 143.0, 1200: 143.0}  # R=5: +15 * 3 = 45, limited to +32
    expected |= {1260: 131.0}  # R=2 <= I: trim
    expected |= dict.fromkeys(range(1320, 2100, 60), 120.0)  # off: SP0; on again: hold SP0
    expected |= {2100: 108.0}
    got = {}
    for t in range(60, 2160, 60):
        got[t] = h.step(60.0, **inputs.get(t, {}))["setpoint"]
    assert got == expected


def test_trim_and_respond_limits_and_a_negative_response():
    h = BlockHarness(
        "hvac.trim-respond", sp0=50.0, spMin=45.0, spMax=60.0, delayS=0, stepS=60,
        ignoredRequests=0, spTrim=-3.0, spRes=4.0, spResMax=10.0,
    )  # fmt: skip
    rows = [
        (True, 0, 50.0),  # t=60: on, first step at 120
        (True, 0, 47.0),
        (True, 0, 45.0),  # 44 -> SPmin
        (True, 0, 45.0),
        (True, 1, 49.0),  # +4
        (True, 5, 59.0),  # +20 limited to +10
        (True, 5, 60.0),  # 69 -> SPmax
    ]
    assert [h.step(60.0, device_on=on, requests=r)["setpoint"] for on, r, _ in rows] == [
        sp for *_, sp in rows
    ]
    # Supply-air temperature reset: trim up, respond down.
    h = BlockHarness(
        "hvac.trim-respond", sp0=18.0, spMin=12.0, spMax=18.0, delayS=0, stepS=60,
        ignoredRequests=2, spTrim=0.2, spRes=-0.3, spResMax=-1.0,
    )  # fmt: skip
    assert h.step(60.0, device_on=True, requests=0)["setpoint"] == 18.0
    assert h.step(60.0)["setpoint"] == 18.0  # 18.2 -> SPmax
    assert h.step(60.0, requests=6)["setpoint"] == pytest.approx(17.0)  # -1.2 limited to -1.0
    assert h.step(60.0, requests=3)["setpoint"] == pytest.approx(16.7)


def test_trim_and_respond_restart_in_the_delay_and_after_a_long_outage():
    h = BlockHarness("hvac.trim-respond", **STATIC)
    h.step(60.0, device_on=True, requests=0)  # t=60: first step at 780
    h.run(240.0, dt=60.0)  # t=300
    h.restart(downtime=60.0)  # t=360
    h.run(360.0, dt=60.0)  # t=720
    assert h.outputs()["setpoint"] == 120.0
    assert h.step(60.0)["setpoint"] == 108.0  # t=780, as if never restarted
    h.restart(downtime=3600.0)  # t=4380: 30 steps missed
    assert h.step(60.0)["setpoint"] == 96.0  # one step, not a burst of 30
    assert h.step(60.0)["setpoint"] == 96.0  # the next one T later
    assert h.step(60.0)["setpoint"] == 84.0


def test_trim_and_respond_invalid_inputs():
    h = BlockHarness("hvac.trim-respond", **{**STATIC, "delayS": 0, "stepS": 60})
    h.step(60.0, device_on=True, requests=5)  # t=60: next step at 120
    assert h.step(60.0)["setpoint"] == 152.0  # +32
    # Unknown device state: hold, flagged stale.
    assert h.step(60.0, device_on=bad(None))["setpoint"] == 152.0
    assert h.qualities()["setpoint"] is Quality.STALE
    # Requests lost: trim as if none.
    assert h.step(60.0, device_on=True, requests=bad(7))["setpoint"] == 140.0
    assert h.qualities()["setpoint"] is Quality.STALE


def test_trim_and_respond_parameters():
    assert param_issues("hvac.trim-respond", **STATIC) == []
    assert param_issues("hvac.trim-respond", **{**STATIC, "sp0": 500.0}) == ["params"]
    assert param_issues("hvac.trim-respond", **{**STATIC, "spTrim": 12.0}) == ["params"]
    assert param_issues("hvac.trim-respond", **{**STATIC, "spResMax": -32.0}) == ["params"]
    assert param_issues("hvac.trim-respond", **{**STATIC, "stepS": 0}) == ["params.stepS"]
    assert param_issues("hvac.trim-respond", **{**STATIC, "ignoredRequests": -1}) == [
        "params.ignoredRequests"
    ]


# --------------------------------------------------------------------------- request sum


def test_request_sum_with_importance_multipliers():
    h = BlockHarness("hvac.request-sum", inputs=3, multipliers=[1, 2, 0])
    assert h.step(1.0, in1=1, in2=2, in3=5) == {"out": 5}  # 1 + 4 + 0
    h = BlockHarness("hvac.request-sum", inputs=2, multipliers=[1.5, 1])
    assert h.step(1.0, in1=1, in2=1) == {"out": 3}  # 2.5 rounds half up
    h = BlockHarness("hvac.request-sum", inputs=3)
    assert h.step(1.0, in1=2, in2=0, in3=3) == {"out": 5}


def test_request_sum_ignores_offline_zones():
    h = BlockHarness("hvac.request-sum", inputs=3)
    assert h.step(1.0, in1=2, in2=bad(3), in3=1) == {"out": 3}
    assert h.qualities()["out"] is Quality.OK
    assert h.step(1.0, in1=bad(None), in3=bad(2, Quality.FAULT)) == {"out": 0}
    assert h.qualities()["out"] is Quality.STALE


def test_request_sum_parameters():
    assert param_issues("hvac.request-sum", inputs=3, multipliers=[1, 2]) == ["params"]
    assert param_issues("hvac.request-sum", inputs=2, multipliers=[1, -1]) == ["params"]
    assert param_issues("hvac.request-sum", inputs=1) == ["params.inputs"]


# --------------------------------------------------------------------------- economizer

DRY_ONLY = ("rat", "oa_enthalpy", "ra_enthalpy")


def test_economizer_fixed_dry_bulb_high_limit_hysteresis():
    h = BlockHarness("hvac.economizer-enable", unwired=DRY_ONLY, highLimit=24, hysteresis=1)
    oats = [20.0, 24.0, 24.5, 23.5, 23.0, 22.9, 24.0]
    # Off above 24; back on only below 23.
    assert [h.step(1.0, oat=t)["enable"] for t in oats] == [
        True, True, False, False, False, True, True,
    ]  # fmt: skip


def test_economizer_low_temperature_lockout():
    h = BlockHarness(
        "hvac.economizer-enable", unwired=DRY_ONLY, highLimit=24, hysteresis=1, lowLockout=5
    )
    oats = [6.0, 5.0, 4.9, 5.5, 6.0, 6.1, 5.2]
    # Locked out below 5; released only above 6.
    assert [h.step(1.0, oat=t)["enable"] for t in oats] == [
        True, True, False, False, False, True, True,
    ]  # fmt: skip


def test_economizer_differential_dry_bulb():
    h = BlockHarness(
        "hvac.economizer-enable", unwired=("oa_enthalpy", "ra_enthalpy"),
        mode="differential-dry-bulb", highLimit=30, hysteresis=1,
    )  # fmt: skip
    rows = [(20.0, 22.0, True), (22.5, 22.0, False), (21.5, 22.0, False), (20.9, 22.0, True)]
    assert [h.step(1.0, oat=o, rat=r)["enable"] for o, r, _ in rows] == [e for *_, e in rows]
    # The high limit still applies.
    assert h.step(1.0, oat=31.0, rat=35.0)["enable"] is False


def test_economizer_enthalpy_modes():
    h = BlockHarness(
        "hvac.economizer-enable", unwired=("rat", "ra_enthalpy"), mode="fixed-enthalpy",
        highLimit=24, enthalpyLimit=47, enthalpyHysteresis=1,
    )  # fmt: skip
    rows = [
        (20.0, 45.0, True),
        (20.0, 50.0, False),  # humid outdoor air
        (20.0, 46.5, False),  # not yet below 46
        (20.0, 45.9, True),
        (25.0, 40.0, False),  # dry but above the dry-bulb high limit
    ]
    assert [h.step(1.0, oat=o, oa_enthalpy=e)["enable"] for o, e, _ in rows] == [
        x for *_, x in rows
    ]
    h = BlockHarness(
        "hvac.economizer-enable", unwired=("rat",), mode="differential-enthalpy",
        highLimit=24, enthalpyHysteresis=2,
    )  # fmt: skip
    rows = [(40.0, 50.0, True), (51.0, 50.0, False), (48.5, 50.0, False), (47.9, 50.0, True)]
    assert [
        h.step(1.0, oat=18.0, oa_enthalpy=oa, ra_enthalpy=ra)["enable"] for oa, ra, _ in rows
    ] == [x for *_, x in rows]


def test_economizer_off_on_invalid_or_missing_inputs():
    h = BlockHarness("hvac.economizer-enable", unwired=DRY_ONLY)
    assert h.step(1.0, oat=bad(15.0)) == {"enable": False}
    assert h.qualities()["enable"] is Quality.STALE
    assert h.step(1.0, oat=15.0) == {"enable": True}
    # Differential mode with no return-air temperature wired: never enabled.
    h = BlockHarness("hvac.economizer-enable", unwired=DRY_ONLY, mode="differential-dry-bulb")
    assert h.step(1.0, oat=15.0) == {"enable": False}
    assert h.qualities()["enable"] is Quality.STALE


def test_economizer_parameters():
    assert param_issues("hvac.economizer-enable", hysteresis=-1) == ["params.hysteresis"]
    assert param_issues("hvac.economizer-enable", mode="wet-bulb") == ["params.mode"]
