"""Psychrometrics of moist air from dry bulb and relative humidity (ASHRAE Fundamentals, ch. 1).

Formulas of the 2017 ASHRAE Handbook - Fundamentals, chapter 1:

- saturation pressure: Hyland-Wexler, eq. 5 over ice (-100..0 degC) and eq. 6
  over liquid water (0..200 degC);
- humidity ratio: eq. 20, ``W = 0.621945 pw / (p - pw)``, with ``pw = RH * pws(t)`` (eq. 24);
- enthalpy: eq. 32, ``h = 1.006 t + W (2501 + 1.86 t)`` kJ/kg (SI) or
  ``h = 0.240 t + W (1061 + 0.444 t)`` Btu/lb (IP, 0 degF datum);
- dew point: the temperature whose saturation pressure is ``pw`` (eq. 5/6 inverted);
- wet bulb: the thermodynamic wet bulb of eq. 33 (35 below freezing), solved for t*;
- pressure from altitude: eq. 3 when no pressure is given.

Every calculation runs in SI; IP parameters convert degF, psia and ft at the
edges (the IP enthalpy uses its own equation because its datum differs).
Inputs outside the formulas' range (RH outside 0-100 %, temperatures outside
-100..200 degC) give no value with quality ``fault`` rather than a wrong number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import Field

from bms_schemas import PortType, ValueType
from supervisor_engine.block import BlockContext, BlockEnv, BlockType, Params
from supervisor_engine.blocks._ports import port
from supervisor_engine.quality import FAULT, STALE

T_MIN_C, T_MAX_C = -100.0, 200.0
_KPA_PER_PSI = 6.894757293168361
_M_PER_FT = 0.3048


class UnitSystem(StrEnum):
    """Units of a psychrometric block's temperatures, pressure, altitude and enthalpy."""

    SI = "SI"
    """degC, kPa, m, kJ/kg."""
    IP = "IP"
    """degF, psia, ft, Btu/lb."""


def sat_vapor_pressure(t_c: float) -> float:
    """Saturation pressure of water vapour in Pa (over ice below 0 degC), eqs. 5 and 6."""
    t = t_c + 273.15
    if t_c < 0:
        ln_p = (
            -5.6745359e3 / t + 6.3925247 - 9.677843e-3 * t + 6.2215701e-7 * t**2
            + 2.0747825e-9 * t**3 - 9.484024e-13 * t**4 + 4.1635019 * math.log(t)
        )  # fmt: skip
    else:
        ln_p = (
            -5.8002206e3 / t + 1.3914993 - 4.8640239e-2 * t + 4.1764768e-5 * t**2
            - 1.4452093e-8 * t**3 + 6.5459673 * math.log(t)
        )  # fmt: skip
    return math.exp(ln_p)


def humidity_ratio(p_w: float, p: float) -> float:
    """Humidity ratio (kg/kg) from vapour partial pressure and total pressure (Pa), eq. 20."""
    return 0.621945 * p_w / (p - p_w)


def dew_point(p_w: float) -> float:
    """Dew (frost, below 0) point in degC of a vapour partial pressure in Pa."""
    lo, hi = T_MIN_C, T_MAX_C
    # Saturation pressure rises monotonically with temperature: bisect to 1e-6 K.
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        if sat_vapor_pressure(mid) < p_w:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def humidity_ratio_from_wet_bulb(t: float, t_wb: float, p: float) -> float:
    """Humidity ratio (kg/kg) of air at ``t`` degC with wet bulb ``t_wb`` degC, eqs. 33 and 35."""
    w_s = humidity_ratio(sat_vapor_pressure(t_wb), p)
    if t_wb >= 0:  # eq. 33
        return ((2501 - 2.326 * t_wb) * w_s - 1.006 * (t - t_wb)) / (2501 + 1.86 * t - 4.186 * t_wb)
    # eq. 35
    return ((2830 - 0.24 * t_wb) * w_s - 1.006 * (t - t_wb)) / (2830 + 1.86 * t - 2.1 * t_wb)


def wet_bulb(t: float, w: float, p: float) -> float:
    """Thermodynamic wet bulb (degC) of air at ``t`` degC, humidity ratio ``w``, pressure Pa."""
    lo, hi = dew_point(w * p / (0.621945 + w)), t
    # The wet bulb lies between dew point and dry bulb, where W(t*) rises with t*.
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        if humidity_ratio_from_wet_bulb(t, mid, p) > w:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def enthalpy_si(t: float, w: float) -> float:
    """Moist-air enthalpy, kJ per kg dry air, eq. 32."""
    return 1.006 * t + w * (2501 + 1.86 * t)


def enthalpy_ip(t_f: float, w: float) -> float:
    """Moist-air enthalpy, Btu per lb dry air (0 degF datum), eq. 32 in IP."""
    return 0.240 * t_f + w * (1061 + 0.444 * t_f)


def standard_pressure(altitude_m: float) -> float:
    """Standard-atmosphere pressure in Pa at an altitude in m, eq. 3."""
    return 101325.0 * math.pow(1 - 2.25577e-5 * altitude_m, 5.2559)


class PsychroParams(Params):
    """Parameters of the psychrometric blocks."""

    units: UnitSystem = Field(
        default=UnitSystem.SI,
        description="SI (degC, kPa, m, kJ/kg) or IP (degF, psia, ft, Btu/lb).",
    )
    pressure: float | None = Field(
        default=None, gt=0, description="Barometric pressure (kPa or psia); from altitude if unset."
    )
    altitude: float = Field(
        default=0.0,
        ge=-500,
        le=30000,
        description="Site altitude (m or ft) when no pressure is set.",
    )


@dataclass(frozen=True)
class _PsychroBinding:
    ip: bool
    pressure_pa: float


def _bind(params: PsychroParams, _env: BlockEnv) -> _PsychroBinding:
    ip = params.units is UnitSystem.IP
    if params.pressure is not None:
        pa = params.pressure * (_KPA_PER_PSI if ip else 1.0) * 1000.0
    else:
        pa = standard_pressure(params.altitude * (_M_PER_FT if ip else 1.0))
    return _PsychroBinding(ip, pa)


def _to_c(t: float, ip: bool) -> float:
    return (t - 32.0) / 1.8 if ip else t


def _from_c(t: float, ip: bool) -> float:
    return t * 1.8 + 32.0 if ip else t


Property = Callable[[_PsychroBinding, float, float, float], float]
"""(binding, dry bulb in the block's units, dry bulb degC, humidity ratio) -> the property."""

_PROPERTIES: dict[str, Property] = {
    "humidity-ratio": lambda _b, _t, _tc, w: w,
    "enthalpy": lambda b, t, tc, w: enthalpy_ip(t, w) if b.ip else enthalpy_si(tc, w),
    "dew-point": lambda b, _t, _tc, w: _from_c(dew_point(w * b.pressure_pa / (0.621945 + w)), b.ip),
    "wet-bulb": lambda b, _t, tc, w: _from_c(wet_bulb(tc, w, b.pressure_pa), b.ip),
}


def _psychro(prop: Property) -> Callable[..., tuple[Any, int]]:
    def evaluate(
        ctx: BlockContext[PsychroParams, None],
        ins: tuple[float | None, float | None],
        qs: tuple[int, int],
    ) -> tuple[float | None, int]:
        b: _PsychroBinding = ctx.bound
        t, rh = ins
        quality = max(qs)
        if t is None or rh is None:
            return None, max(quality, STALE)
        tc = _to_c(t, b.ip)
        if not (T_MIN_C <= tc <= T_MAX_C and 0.0 <= rh <= 100.0):
            return None, FAULT  # outside the formulas' range: no number beats a wrong one
        p_w = rh / 100.0 * sat_vapor_pressure(tc)
        if p_w >= b.pressure_pa:  # boiling: moist-air relations do not apply
            return None, FAULT
        return prop(b, t, tc, humidity_ratio(p_w, b.pressure_pa)), quality

    return evaluate


_UNITS: dict[str, tuple[str, str]] = {
    "humidity-ratio": ("Humidity ratio", "kg water per kg dry air (lb/lb in IP)"),
    "enthalpy": ("Enthalpy", "kJ/kg dry air (Btu/lb in IP)"),
    "dew-point": ("Dew point", "degC (degF in IP)"),
    "wet-bulb": ("Wet bulb", "degC (degF in IP), thermodynamic"),
}
_NUMBER = PortType(type=ValueType.NUMBER)

PSYCHRO_BLOCKS: tuple[BlockType[Any], ...] = tuple(
    BlockType(
        type=f"hvac.{name}", title=title, category="hvac",
        doc=f"{title} of moist air from dry bulb and RH (ASHRAE Fundamentals ch. 1): {unit}.",
        inputs=(
            port("temp", _NUMBER, doc="Dry-bulb temperature (degC, or degF in IP)."),
            port("rh", _NUMBER, doc="Relative humidity, %."),
        ),
        outputs=(port("out", _NUMBER, doc=f"{title}, {unit}."),),
        params=PsychroParams, evaluate=_psychro(_PROPERTIES[name]), quality_aware=True,
        bind=_bind,
    )
    for name, (title, unit) in _UNITS.items()
)  # fmt: skip
