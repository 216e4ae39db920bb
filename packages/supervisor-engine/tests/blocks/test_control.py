"""PID (unit traces, bumpless transfer, anti-windup, closed loop), loop deviation alarm, split range.

Expected traces are worked out by hand from the definitions: error e = sp - pv
(reverse action) or pv - sp (direct), P = kp * e, the integral grows by
kp * dt / ti * e per tick, output = clamp(P + I + D). The closed-loop test
derives its bounds from the linearised loop (see ``test_closed_loop_*``).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from bms_schemas import Quality
from supervisor_engine import default_registry
from supervisor_engine.testing import BlockHarness, param_issues
from supervisor_engine.testing import bad_sample as bad

REGISTRY = default_registry()
T, F = True, False
LIMITS = ("low_limit", "high_limit")
AUTO_ONLY = ("enable", "manual", "manual_value", *LIMITS)


def pid(unwired: tuple[str, ...] = AUTO_ONLY, **params: Any) -> BlockHarness:
    return BlockHarness("control.pid", unwired=unwired, **params)


# --------------------------------------------------------------------------- PID: unit traces


@pytest.mark.parametrize("gain", [{"kp": 2.0}, {"proportionalBand": 50.0}])
def test_pid_proportional_only_with_bias_and_limits(gain: dict[str, float]):
    # band 50 over a 0..100 range is kp = 2; out = 10 + 2 * (20 - pv), clamped to 0..100
    h = pid(tiS=0, bias=10.0, **gain)
    outs = [h.step(pv=pv, setpoint=20.0)["out"] for pv in [20.0, 18.0, 15.0, 30.0, -40.0]]
    assert outs == [10.0, 14.0, 20.0, 0.0, 100.0]


def test_pid_direct_action_raises_the_output_above_setpoint():
    h = pid(kp=2.0, tiS=0, bias=50.0, action="direct")
    outs = [h.step(pv=pv, setpoint=20.0)["out"] for pv in [20.0, 22.0, 18.0]]
    assert outs == [50.0, 54.0, 46.0]


def test_pid_integral_uses_the_tick_dt():
    h = pid(kp=1.0, tiS=10.0)
    # cold start: I = bias = 0, out = P = 2; then I grows by 1 * dt / 10 * 2 per tick
    outs = [h.step(1.0, pv=18.0, setpoint=20.0)["out"] for _ in range(4)]
    assert outs == pytest.approx([2.0, 2.2, 2.4, 2.6])
    # a 5 s tick integrates five times as much
    assert h.step(5.0, pv=18.0, setpoint=20.0)["out"] == pytest.approx(3.6)


def test_pid_derivative_acts_on_the_measurement_not_on_setpoint_steps():
    # kp 1, td 5, N 5: D filtered with tf = 1 s, so each tick moves D half-way to
    # raw = -kp * td * dpv/dt.  bias 50, no integral.
    h = pid(kp=1.0, tiS=0, tdS=5.0, derivativeFilter=5.0, bias=50.0)
    trace = [(20.0, 20.0), (21.0, 20.0), (22.0, 20.0), (22.0, 20.0), (22.0, 25.0)]
    outs = [h.step(pv=pv, setpoint=sp)["out"] for pv, sp in trace]
    # t1 transfer: D = 0, out 50.  t2: P -1, raw -5, D -2.5.  t3: P -2, D -3.75.
    # t4: raw 0, D -1.875.  t5: setpoint step: P +3 only (no kick), D -0.9375.
    assert outs == pytest.approx([50.0, 46.5, 44.25, 46.125, 52.0625])


def test_pid_setpoint_weight_scales_the_proportional_setpoint():
    h = pid(kp=2.0, tiS=0, bias=0.0, setpointWeight=0.5)
    # P = 2 * (0.5 * 40 - 10) = 20
    assert h.step(pv=10.0, setpoint=40.0)["out"] == 20.0


# --------------------------------------------------------------------------- PID: transfers


@pytest.mark.parametrize(
    ("action", "disabled_out", "after_enable"),
    [
        # hold: 4.4 held; on enable I = 4.4 - P(4) = 0.4, then +0.2 per tick
        ("hold", 4.4, [4.4, 4.6, 4.8]),
        # zero: 0; on enable I = 0 - 4 = -4 (out 0), then +0.2 per tick
        ("zero", 0.0, [0.0, 0.2, 0.4]),
        # fallback 30: on enable I = 30 - 4 = 26
        ("fallback", 30.0, [30.0, 30.2, 30.4]),
    ],
)
def test_pid_disable_action_and_bumpless_enable(
    action: str, disabled_out: float, after_enable: list[float]
):
    h = pid(("manual", "manual_value", *LIMITS), kp=2.0, tiS=20.0, disableAction=action,
            fallbackValue=30.0)  # fmt: skip
    # e = 2, P = 4; the integral grows 2 * 1 / 20 * 2 = 0.2 per tick
    outs = [h.step(pv=18.0, setpoint=20.0, enable=True)["out"] for _ in range(3)]
    assert outs == pytest.approx([4.0, 4.2, 4.4])
    assert [h.step(enable=False)["out"] for _ in range(2)] == pytest.approx([disabled_out] * 2)
    assert h.qualities()["out"] is Quality.OK
    outs = [h.step(enable=True)["out"] for _ in range(3)]
    assert outs == pytest.approx(after_enable)


def test_pid_manual_to_auto_is_bumpless():
    h = pid(("enable", *LIMITS), kp=2.0, tiS=20.0)
    h.set(pv=18.0, setpoint=20.0, manual_value=30.0)
    assert h.step(manual=True)["out"] == 30.0
    assert h.qualities()["out"] is Quality.OVERRIDDEN
    assert h.step(manual_value=130.0)["out"] == 100.0  # manual is clamped to the range too
    assert h.step(manual_value=35.0)["out"] == 35.0
    # back to auto: I = 35 - 4 = 31, out stays 35, then +0.2 per tick
    outs = [h.step(manual=False)["out"] for _ in range(3)]
    assert outs == pytest.approx([35.0, 35.2, 35.4])
    assert h.qualities()["out"] is Quality.OK


def test_pid_holds_its_output_without_a_measurement_and_resumes_bumplessly():
    h = pid(kp=2.0, tiS=20.0)
    outs = [h.step(pv=18.0, setpoint=20.0)["out"] for _ in range(3)]
    assert outs == pytest.approx([4.0, 4.2, 4.4])
    assert h.step(pv=bad())["out"] == pytest.approx(4.4)
    assert h.qualities()["out"] is Quality.FAULT
    # stale but present values are not controlled on either
    assert h.step(pv=bad(17.0, Quality.STALE))["out"] == pytest.approx(4.4)
    assert h.qualities()["out"] is Quality.STALE
    # back with pv 16 (P = 8): I = 4.4 - 8 = -3.6, out stays 4.4; then I += 0.4
    assert [h.step(pv=16.0)["out"] for _ in range(2)] == pytest.approx([4.4, 4.8])


def test_pid_restart_keeps_the_integral_and_the_output():
    h = pid(kp=2.0, tiS=20.0)
    h.run(10, pv=18.0, setpoint=20.0)  # out = 4 + 9 * 0.2 = 5.8
    assert h.outputs()["out"] == pytest.approx(5.8)
    h.restart(downtime=30.0)
    # the first tick after a restart is a bumpless transfer from the saved output
    assert [h.step()["out"] for _ in range(2)] == pytest.approx([5.8, 6.0])


def test_pid_unknown_enable_disables():
    h = pid(("manual", "manual_value", *LIMITS), kp=2.0, tiS=20.0, disableAction="fallback",
            fallbackValue=12.0)  # fmt: skip
    assert h.step(pv=18.0, setpoint=20.0, enable=bad())["out"] == 12.0


# --------------------------------------------------------------------------- PID: windup


def test_pid_saturation_and_recovery_without_windup():
    # kp 2, ti 20: a long positive error while saturated at 100 must not grow the integral.
    h = pid(kp=2.0, tiS=20.0)
    h.run(5, pv=18.0, setpoint=20.0)  # I = 0.8
    outs = h.run(600, pv=-40.0)  # e = 60: P = 120, saturated from the first tick
    assert {o["out"] for o in outs} == {100.0}
    assert h.state.integral == pytest.approx(0.8)  # frozen: no integration into saturation
    # The error reverses: the output leaves 100 at once, no unwinding time. P + I =
    # -2 + 0.8 < 0 saturates low, so that tick does not integrate either.
    assert h.step(pv=21.0)["out"] == 0.0
    assert h.state.integral == pytest.approx(0.8)
    assert h.step(pv=19.5)["out"] == pytest.approx(1.0 + 0.8 + 0.05)  # P + I + kp/ti * e


def test_pid_high_limit_input_clamps_output_and_integral():
    h = pid(("enable", "manual", "manual_value", "low_limit"), kp=2.0, tiS=20.0)
    h.run(50, pv=18.0, setpoint=20.0, high_limit=100.0)  # I = 49 * 0.2 = 9.8, out 13.8
    assert h.outputs()["out"] == pytest.approx(13.8)
    outs = h.run(300, high_limit=5.0)
    assert {round(o["out"], 9) for o in outs} == {5.0}
    assert h.state.integral == pytest.approx(5.0)  # pulled into the new range, then frozen


def test_pid_parameters_are_checked():
    assert param_issues("control.pid", kp=1.0, proportionalBand=5.0)[0][0] == "params"
    assert "kp" in param_issues("control.pid")[0][1]
    [(field, message)] = param_issues("control.pid", kp=1.0, outMin=10.0, outMax=10.0)
    assert (field, "outMin" in message) == ("params", True)
    assert [f for f, _m in param_issues("control.pid", kp=1.0, tiS=-1)] == ["params.tiS"]
    assert [f for f, _m in param_issues("control.pid", kp=0)] == ["params.kp"]


# --------------------------------------------------------------------------- PID: closed loop
#
# Plant: tau dT/dt = K u - (T - T_amb), held constant over each tick (exact zero-order-hold
# step). PI with kp = 10 %/K, ti = 120 s, reverse acting, 1 s ticks.
# Linearised closed loop: tau s^2 + (1 + K kp) s + K kp / ti = 0
#   300 s^2 + 6 s + 1/24 = 0  ->  s = -0.01 +- 0.006236j  (zeta 0.85, envelope e^(-0.01 t)).
# The equilibrium at sp = 20 is u = (20 - 10) / 0.5 = 20 %.

TAU, K, T_AMB, SP = 300.0, 0.5, 10.0, 20.0
SIGMA, OMEGA = 0.01, math.sqrt(1 / 7200 - 0.01**2)
BAND = 0.01 * SP  # +-1 % of the setpoint


class Plant:
    def __init__(self, temperature: float) -> None:
        self.t = temperature

    def advance(self, u: float, dt: float) -> None:
        settle = T_AMB + K * u
        self.t = settle + (self.t - settle) * math.exp(-dt / TAU)


def run_loop(
    h: BlockHarness, plant: Plant, seconds: int, sp: float, high_limit: float = 100.0
) -> list[tuple[float, float, float]]:
    """(temperature, output, integral) of each 1 s tick."""
    rows = []
    for _ in range(seconds):
        u = h.step(1.0, pv=plant.t, setpoint=sp, high_limit=high_limit)["out"]
        rows.append((plant.t, u, h.state.integral))
        plant.advance(u, 1.0)
    return rows


def loop_harness() -> BlockHarness:
    return pid(("enable", "manual", "manual_value", "low_limit"), kp=10.0, tiS=120.0)


def linear_bound(x0: float, i0: float) -> tuple[float, float]:
    """Envelope amplitude of x = T - SP from x0 and integral deviation i0, and the time
    after which the envelope is inside the band: x(t) = e^(-sigma t)(A cos wt + B sin wt)."""
    xdot0 = (-(1 + K * 10.0) * x0 + K * i0) / TAU
    amplitude = math.hypot(x0, (xdot0 + SIGMA * x0) / OMEGA)
    return amplitude, math.log(amplitude / BAND) / SIGMA


def assert_settled(rows: list[tuple[float, float, float]]) -> None:
    temps = [t for t, _u, _i in rows]
    outs = [u for _t, u, _i in rows]
    assert all(abs(t - SP) <= BAND for t in temps)
    assert max(temps) - min(temps) < 0.01  # no sustained oscillation
    assert max(outs) - min(outs) < 0.1


def test_closed_loop_settles_to_setpoint_without_oscillation():
    h, plant = loop_harness(), Plant(T_AMB)
    rows = run_loop(h, plant, 3600, SP)
    assert_settled(rows[-600:])
    assert rows[-1][1] == pytest.approx(20.0, abs=0.05)  # the equilibrium output
    assert all(0.0 <= i <= 100.0 for _t, _u, i in rows)  # the integral stayed in range


def test_closed_loop_recovers_after_a_long_high_limit_clamp_without_windup():
    h, plant = loop_harness(), Plant(T_AMB)
    run_loop(h, plant, 3600, SP)
    clamped = run_loop(h, plant, 3600, SP, high_limit=10.0)
    # held at 10 % for an hour: T -> 10 + 0.5 * 10 = 15; the integral never exceeded the clamp
    assert all(u == pytest.approx(10.0) for _t, u, _i in clamped)
    assert all(0.0 <= i <= 10.0 + 1e-9 for _t, _u, i in clamped)
    assert clamped[-1][0] == pytest.approx(15.0, abs=0.01)
    # After the lift the loop is linear from x0 = -5 K, i0 = 10 - 20 = -10 %:
    # amplitude 7.3 K, inside +-0.2 K after ln(7.3 / 0.2) / 0.01 = 360 s. Its first peak
    # (w t + phi = atan(w / sigma)) is 0.47 K above setpoint. A wound-up integral would
    # instead have grown by kp / ti * 5 K * 3600 s = 1500 % and driven T towards 60.
    amplitude, settle_s = linear_bound(-5.0, -10.0)
    assert amplitude == pytest.approx(7.32, abs=0.01)
    assert settle_s == pytest.approx(360, abs=1)
    after = run_loop(h, plant, 1200, SP)
    assert all(abs(t - SP) <= BAND for t, _u, _i in after[math.ceil(settle_s) + 10 :])
    assert max(t for t, _u, _i in after) < SP + 0.5
    assert all(0.0 <= i <= 100.0 for _t, _u, i in after)
    assert_settled(after[-300:])


def test_closed_loop_recovers_after_an_unreachable_setpoint_without_windup():
    h, plant = loop_harness(), Plant(T_AMB)
    run_loop(h, plant, 3600, SP)
    # 70 needs u = 120 %: saturated at 100 for an hour, T -> 60, the integral stays at 20
    saturated = run_loop(h, plant, 3600, 70.0)
    assert all(u == 100.0 for _t, u, _i in saturated)
    assert saturated[-1][2] == pytest.approx(20.0, abs=0.05)
    # Back to 20: P = -400 holds the output at 0 (no integration into saturation) while
    # T falls 10 + 50 e^(-t/300) to 22 K (where P + I = -20 + 20 = 0): 300 ln(50/12) = 428 s;
    # then linear from x0 = 2, i0 = 0: inside the band after ln(3.78 / 0.2) / 0.01 = 294 s.
    _amplitude, linear_s = linear_bound(2.0, 0.0)
    bound = 300 * math.log(50 / 12) + linear_s
    assert bound == pytest.approx(722, abs=1)
    after = run_loop(h, plant, 1800, SP)
    assert all(abs(t - SP) <= BAND for t, _u, _i in after[math.ceil(bound) + 10 :])
    assert all(0.0 <= i <= 100.0 for _t, _u, i in saturated + after)
    assert_settled(after[-300:])


# --------------------------------------------------------------------------- loop deviation alarm


def test_loop_deviation_alarm_needs_the_delay_and_clears_with_deadband():
    h = BlockHarness(
        "control.loop-deviation-alarm", unwired=("enable",), limit=2.0, delayS=3, deadband=0.5
    )
    pvs = [21.0, 22.5, 22.5, 22.5, 22.5, 21.8, 21.4, 22.5, 22.5]
    outs = [h.step(pv=pv, setpoint=20.0) for pv in pvs]
    # t2 exceeds (due 5); t5 alarms; 1.8 is inside the deadband (holds); 1.4 < 1.5 clears;
    # t8 exceeds again (due 11)
    assert [o["alarm"] for o in outs] == [F, F, F, F, T, T, F, F, F]
    assert outs[1]["deviation"] == 2.5


def test_loop_deviation_alarm_is_quiet_while_disabled():
    h = BlockHarness("control.loop-deviation-alarm", limit=2.0, delayS=0, deadband=0.5)
    assert h.step(pv=30.0, setpoint=20.0, enable=True)["alarm"] is True
    assert h.step(enable=False) == {"alarm": False, "deviation": None}
    assert h.step(enable=True)["alarm"] is True


def test_loop_deviation_deadband_below_limit():
    [(field, message)] = param_issues("control.loop-deviation-alarm", limit=1.0, deadband=1.0)
    assert (field, "deadband" in message) == ("params", True)


# --------------------------------------------------------------------------- split range


def test_split_range_sequences_heating_economizer_cooling():
    segments = [
        {"inLow": 0, "inHigh": 30, "outLow": 100, "outHigh": 0},  # heating valve, reverse
        {"inLow": 40, "inHigh": 70, "outLow": 0, "outHigh": 100},  # economizer damper
        {"inLow": 70, "inHigh": 100, "outLow": 0, "outHigh": 100},  # cooling valve
    ]
    h = BlockHarness("control.split-range", outputs=3, segments=segments)
    rows = [h.step(**{"in": u}) for u in [0.0, 15.0, 35.0, 55.0, 85.0, 120.0]]
    assert [(o["out1"], o["out2"], o["out3"]) for o in rows] == [
        (100.0, 0.0, 0.0),
        (50.0, 0.0, 0.0),
        (0.0, 0.0, 0.0),  # the 30..40 gap is a deadband
        (0.0, 50.0, 0.0),
        (0.0, 100.0, 50.0),
        (0.0, 100.0, 100.0),
    ]


def test_split_range_segments_must_match_outputs_and_have_a_span():
    [(field, _m)] = param_issues("control.split-range", outputs=3)
    assert field == "params"
    issues = param_issues(
        "control.split-range", segments=[{"inLow": 0, "inHigh": 0}, {"inLow": 0, "inHigh": 1}]
    )
    assert [f for f, _m in issues] == ["params.segments.0"]


def test_enabling_far_from_setpoint_does_not_carry_a_huge_integral_into_the_next_step():
    # heating loop, kp 50: 10 K below... here 10 K ABOVE setpoint, so P = -500 and the
    # output is pinned at 0 whatever the integral. Enabled there, then the setpoint is
    # raised to 0.5 K above the measurement: P = +25, and the output must follow P
    # (about 25 %), not jump to 100 % on an integral of 500 left over from the transfer.
    h = BlockHarness(
        "control.pid",
        kp=50.0,
        tiS=600.0,
        action="reverse",
        unwired=("manual", "manual_value", "low_limit", "high_limit"),
    )
    h.step(1.0, pv=20.0, setpoint=10.0, enable=False)
    assert h.step(1.0, enable=True)["out"] == 0.0
    out = h.step(1.0, setpoint=20.5)["out"]
    assert 24.0 < out < 27.0, out
