"""The demo building's physics: an air handler and VAV zones, pure Python, no I/O.

``BuildingModel.step(dt, commands) -> measurements`` advances the plant by
``dt`` seconds of building time with the commands held constant, and returns
what the sensors read. Signals are named ``ahu.<signal>`` and
``zone<N>.<signal>`` (zones numbered from 1); :func:`command_names` and
:func:`measurement_names` list them. The simulator's runner binds each signal
to a BACnet object; the closed-loop test binds them to the demo project's points.

The model, each piece first order:

- Outdoor air: ``oat = mean + amplitude * cos(2 pi (hour - peak_hour) / 24)``.
- Supply fan: the status follows the command once the command has held for
  ``fan_delay_s`` (a failed fan never proves).
- Duct static pressure: with the fan proven, ``p = shutoff * (1 - 0.5 * mean damper)``,
  reached with time constant ``static_tau_s``; zero with the fan off.
- Zone airflow: ``max_airflow * damper * sqrt(p / design_pressure)``.
- Mixed air: ``x * oat + (1 - x) * rat`` with the outdoor-air fraction
  ``x = min_oa + (1 - min_oa) * oa_damper``; return air is the airflow-weighted
  mean of the zones.
- Supply air: the heating coil adds ``heating_rise_k * valve``, then the cooling
  coil removes ``effectiveness * valve * (t - chilled_water)``; the sensor
  follows with time constant ``sat_tau_s``.
- Zone air: ``C dT/dt = UA (oat - T) + rho cp q (T_discharge - T) + gains``,
  discharge air being supply air plus ``reheat_rise_k * reheat valve``, gains
  being the base load plus the occupants' load while occupied. Integrated
  exactly for inputs held over a sub-step, so large steps stay stable.

Units: degC, K, W, J/K, L/s, Pa, percent for valve and damper commands.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

RHO_CP_AIR = 1.2 * 1005.0
"""Volumetric heat capacity of air, J/(m3 K)."""

MAX_SUBSTEP_S = 5.0
"""Longest step the coupled parts are integrated over at once."""

Signal = float | bool

AHU_COMMANDS = ("fan_cmd", "cooling_valve", "heating_valve", "oa_damper")
AHU_MEASUREMENTS = ("fan_status", "sat", "mat", "oat", "rat", "static_pressure")
ZONE_COMMANDS = ("damper", "reheat")
ZONE_MEASUREMENTS = ("temp", "airflow", "occupancy")


@dataclass(frozen=True)
class ZoneParams:
    """One VAV zone (default: a 50 m2 office for eight people)."""

    capacitance_j_per_k: float = 4.0e5
    """Air and light furnishings."""
    ua_w_per_k: float = 50.0
    """Envelope conductance to outdoors."""
    max_airflow_l_s: float = 300.0
    """Airflow with the damper fully open at the design static pressure."""
    reheat_rise_k: float = 20.0
    """Discharge air temperature rise with the reheat valve fully open."""
    base_gain_w: float = 150.0
    """Internal gains while unoccupied."""
    occupied_gain_w: float = 1200.0
    """Extra gains while occupied (people, lights, equipment)."""
    initial_temp_c: float = 20.0


def _default_zones() -> tuple[ZoneParams, ...]:
    # Four zones that differ, so that they need different commands: an interior
    # zone, a glazed one, a crowded meeting room, a small corner office.
    return (
        ZoneParams(),
        ZoneParams(ua_w_per_k=90.0, occupied_gain_w=900.0),
        ZoneParams(occupied_gain_w=1800.0, capacitance_j_per_k=5.0e5),
        ZoneParams(ua_w_per_k=70.0, max_airflow_l_s=200.0, capacitance_j_per_k=3.0e5),
    )


@dataclass(frozen=True)
class BuildingParams:
    """The air handler, the zones and the weather."""

    zones: tuple[ZoneParams, ...] = field(default_factory=_default_zones)
    oat_mean_c: float = 14.0
    oat_amplitude_k: float = 6.0
    oat_peak_hour: float = 15.0
    """Local hour of the warmest outdoor air."""
    fan_delay_s: float = 5.0
    shutoff_pressure_pa: float = 400.0
    design_pressure_pa: float = 200.0
    static_tau_s: float = 3.0
    min_oa_fraction: float = 0.15
    heating_rise_k: float = 25.0
    chilled_water_c: float = 7.0
    cooling_effectiveness: float = 0.85
    sat_tau_s: float = 60.0
    occupied_from_h: float = 7.0
    occupied_to_h: float = 18.0
    """People are in on weekdays between these local hours (the occupancy sensors)."""
    occupied_weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    utc_offset_h: float = 0.0
    """Local time = UTC + this, for the weather and the occupants."""
    gain_step_w: float = 0.0
    """Extra internal gain in every zone from ``gain_step_from_h`` while occupied (a crowd
    arrives, equipment starts): a step disturbance for the zone loops."""
    gain_step_from_h: float = 11.0


SCENARIOS: dict[str, dict[str, float]] = {
    "hot": {"oat_mean_c": 29.0, "oat_amplitude_k": 6.0},
    "cold": {"oat_mean_c": -12.0, "oat_amplitude_k": 2.0},
    "mild": {"oat_mean_c": 14.0, "oat_amplitude_k": 6.0},
    "gain-step": {"oat_mean_c": 18.0, "oat_amplitude_k": 5.0, "gain_step_w": 800.0},
}
"""Design days as overrides of :class:`BuildingParams`: a hot one (35 degC at 15:00), a cold
one (-10 degC at its warmest), a mild shoulder day, and a step of 800 W more internal gain in
every zone at 11:00 on a warm day."""


def scenario_params(name: str, **overrides: object) -> BuildingParams:
    """The building on design day ``name`` (see :data:`SCENARIOS`), with ``overrides``."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; use one of {sorted(SCENARIOS)}")
    return replace(BuildingParams(), **{**SCENARIOS[name], **overrides})  # type: ignore[arg-type]


def command_names(zones: int) -> tuple[str, ...]:
    """Every command signal of a building with ``zones`` zones."""
    return (
        *(f"ahu.{s}" for s in AHU_COMMANDS),
        *(f"zone{i}.{s}" for i in range(1, zones + 1) for s in ZONE_COMMANDS),
    )


def measurement_names(zones: int) -> tuple[str, ...]:
    """Every measured signal of a building with ``zones`` zones."""
    return (
        *(f"ahu.{s}" for s in AHU_MEASUREMENTS),
        *(f"zone{i}.{s}" for i in range(1, zones + 1) for s in ZONE_MEASUREMENTS),
    )


def _fraction(value: Signal | None) -> float:
    """A percent command as a 0..1 fraction, clamped; None (relinquished) is 0."""
    if value is None:
        return 0.0
    return min(1.0, max(0.0, float(value) / 100.0))


class BuildingModel:
    """The plant's state and its step function."""

    def __init__(self, params: BuildingParams | None = None, *, start: datetime | None = None):
        self.params = params or BuildingParams()
        self.time = (start or datetime(2025, 1, 6, tzinfo=UTC)).astimezone(UTC)
        self.zone_temps = [z.initial_temp_c for z in self.params.zones]
        self.static_pressure = 0.0
        self.fan_status = False
        self.fan_failed = False
        """Set to make the fan never prove (a broken belt), for the proof alarm."""
        self._fan_cmd = False
        self._fan_cmd_held_s = math.inf
        self.sat = self.zone_temps[0] if self.zone_temps else 20.0
        self.commands: dict[str, Signal] = dict.fromkeys(command_names(self.zones), 0.0)
        self.commands["ahu.fan_cmd"] = False

    @property
    def zones(self) -> int:
        return len(self.params.zones)

    # -- what the weather and the occupants do --------------------------------

    def local_hour(self, at: datetime | None = None) -> float:
        local = (at or self.time) + timedelta(hours=self.params.utc_offset_h)
        return local.hour + local.minute / 60 + local.second / 3600 + local.microsecond / 3.6e9

    def outdoor_temp(self, at: datetime | None = None) -> float:
        p = self.params
        phase = 2 * math.pi * (self.local_hour(at) - p.oat_peak_hour) / 24
        return p.oat_mean_c + p.oat_amplitude_k * math.cos(phase)

    def occupied(self, at: datetime | None = None) -> bool:
        p = self.params
        local = (at or self.time) + timedelta(hours=p.utc_offset_h)
        hour = self.local_hour(at)
        return (
            local.weekday() in p.occupied_weekdays and p.occupied_from_h <= hour < p.occupied_to_h
        )

    # -- the algebraic parts ---------------------------------------------------

    def airflows_l_s(self) -> list[float]:
        """Zone airflows at the present static pressure and damper commands."""
        scale = math.sqrt(max(0.0, self.static_pressure) / self.params.design_pressure_pa)
        return [
            z.max_airflow_l_s * _fraction(self.commands[f"zone{i}.damper"]) * scale
            for i, z in enumerate(self.params.zones, start=1)
        ]

    def return_temp(self, flows: list[float]) -> float:
        total = sum(flows)
        if total <= 0:
            return sum(self.zone_temps) / len(self.zone_temps)
        return sum(q * t for q, t in zip(flows, self.zone_temps, strict=True)) / total

    def mixed_temp(self, oat: float, rat: float) -> float:
        p = self.params
        x = p.min_oa_fraction + (1 - p.min_oa_fraction) * _fraction(self.commands["ahu.oa_damper"])
        return x * oat + (1 - x) * rat

    def coil_leaving_temp(self, mat: float) -> float:
        """Supply air temperature the coils settle at, from mixed air."""
        p = self.params
        heated = mat + p.heating_rise_k * _fraction(self.commands["ahu.heating_valve"])
        cooling = p.cooling_effectiveness * _fraction(self.commands["ahu.cooling_valve"])
        return heated - cooling * max(0.0, heated - p.chilled_water_c)

    def static_target(self) -> float:
        if not self.fan_status:
            return 0.0
        dampers = [_fraction(self.commands[f"zone{i}.damper"]) for i in range(1, self.zones + 1)]
        mean = sum(dampers) / len(dampers) if dampers else 0.0
        return self.params.shutoff_pressure_pa * (1 - 0.5 * mean)

    # -- stepping --------------------------------------------------------------

    def step(
        self, dt: float, commands: Mapping[str, Signal | None] | None = None
    ) -> dict[str, Signal]:
        """Apply ``commands`` (unknown names are an error), advance ``dt`` seconds, measure."""
        if dt < 0:
            raise ValueError("dt must not be negative")
        for name, value in (commands or {}).items():
            if name not in self.commands:
                raise KeyError(f"the building has no command {name!r}")
            if value is not None:
                self.commands[name] = value
        remaining = dt
        while remaining > 1e-12:
            h = min(MAX_SUBSTEP_S, remaining)
            self._substep(h)
            remaining -= h
        return self.measure()

    def _substep(self, h: float) -> None:
        p = self.params
        fan_cmd = bool(self.commands["ahu.fan_cmd"])
        if fan_cmd != self._fan_cmd:
            self._fan_cmd, self._fan_cmd_held_s = fan_cmd, 0.0
        self._fan_cmd_held_s += h
        if self._fan_cmd_held_s >= p.fan_delay_s:
            self.fan_status = fan_cmd and not self.fan_failed
        mid = self.time + timedelta(seconds=h / 2)
        oat = self.outdoor_temp(mid)
        self.static_pressure = _relax(self.static_pressure, self.static_target(), h, p.static_tau_s)
        flows = self.airflows_l_s()
        mat = self.mixed_temp(oat, self.return_temp(flows))
        self.sat = _relax(self.sat, self.coil_leaving_temp(mat), h, p.sat_tau_s)
        gains_on = self.occupied(mid)
        for i, (z, q) in enumerate(zip(p.zones, flows, strict=True)):
            g = RHO_CP_AIR * q / 1000.0  # W/K carried by the supply air
            discharge = self.sat + z.reheat_rise_k * _fraction(self.commands[f"zone{i + 1}.reheat"])
            gains = z.base_gain_w + (z.occupied_gain_w if gains_on else 0.0)
            if gains_on and self.local_hour(mid) >= p.gain_step_from_h:
                gains += p.gain_step_w
            conductance = z.ua_w_per_k + g
            steady = (z.ua_w_per_k * oat + g * discharge + gains) / conductance
            self.zone_temps[i] = _relax(
                self.zone_temps[i], steady, h, z.capacitance_j_per_k / conductance
            )
        self.time += timedelta(seconds=h)

    def measure(self) -> dict[str, Signal]:
        """What every sensor reads now."""
        flows = self.airflows_l_s()
        oat = self.outdoor_temp()
        rat = self.return_temp(flows)
        out: dict[str, Signal] = {
            "ahu.fan_status": self.fan_status,
            "ahu.sat": self.sat,
            "ahu.mat": self.mixed_temp(oat, rat),
            "ahu.oat": oat,
            "ahu.rat": rat,
            "ahu.static_pressure": self.static_pressure,
        }
        occupied = self.occupied()
        for i, (t, q) in enumerate(zip(self.zone_temps, flows, strict=True), start=1):
            out[f"zone{i}.temp"] = t
            out[f"zone{i}.airflow"] = q
            out[f"zone{i}.occupancy"] = occupied
        return out


def _relax(value: float, target: float, h: float, tau: float) -> float:
    """Exact first-order step towards ``target`` over ``h`` with time constant ``tau``."""
    if tau <= 0:
        return target
    return target + (value - target) * math.exp(-h / tau)


__all__ = [
    "SCENARIOS",
    "BuildingModel",
    "BuildingParams",
    "ZoneParams",
    "command_names",
    "measurement_names",
    "scenario_params",
]
