"""The demo project: control of the simulator's demo building, as a graph.

``bms-stack --demo`` creates it in the Designer on first start and the tests run it in
closed loop; it is an app's content, not engine library code. The points are those
of ``apps/iot-supervisor-app/examples/demo-building.yaml`` (:data:`DEMO_POINTS`);
pass other :class:`DemoPoints` to control the same layout elsewhere.

One flow, ``demo``, every second:

- Occupancy: a weekly schedule (Mon-Fri 07:00-19:00, UTC) switches the zone
  heating and cooling setpoints between occupied and unoccupied values, each an
  operator parameter.
- Supply fan: runs while occupied, or at night while the coldest zone is below
  the unoccupied heating setpoint (night low limit, with hysteresis). A proof
  block compares the fan status with the command; a fault raises an alarm.
- Each VAV zone: a heating PID and a cooling PID. Cooling opens the damper from
  its minimum to fully open; heating opens the reheat valve first, then the
  damper up to its heating maximum. A cooling loop near saturation is one
  request for colder supply air.
- Supply air temperature: reset by trim and respond from the zones' requests
  (ASHRAE Guideline 36), never above an outdoor-air reset, then held by a PID whose output is split into heating
  valve, outdoor-air damper (only while economizing is enabled) and cooling valve.
- Economizer enable: differential dry bulb, outdoor against return air.
- A trend log of every zone temperature, and a comfort alarm on each (above
  30 °C or below 12 °C for 30 s).
- With a supply-fan VFD (Modbus TCP, ``DemoPoints.vfd``): its speed is commanded
  from a speed parameter while the fan runs (0 % otherwise), its speed feedback
  is read back and trended, and a deviation alarm trips when the feedback stays
  more than 10 % off the command for a minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bms_schemas import DegradedPolicy, Graph, PointConstraint, PointRef
from supervisor_engine.graph_builder import GraphBuilder

FLOW_ID = "demo"
ZONE_HIGH_LIMIT = 30.0
ZONE_LOW_LIMIT = 12.0
PERIOD_MS = 1000

OCCUPIED_HEATING_SP = 21.5
OCCUPIED_COOLING_SP = 22.5
UNOCCUPIED_HEATING_SP = 16.0
UNOCCUPIED_COOLING_SP = 28.0
OCCUPIED_FROM = "07:00"
OCCUPIED_TO = "19:00"
SCHEDULE_TIMEZONE = "UTC"
DAMPER_MIN = 20.0
DAMPER_HEATING_MAX = 50.0


@dataclass(frozen=True)
class ZonePoints:
    """The points of one VAV box (canonical point references)."""

    temp: str
    airflow: str
    occupancy: str
    damper: str
    reheat: str


@dataclass(frozen=True)
class VfdPoints:
    """The supply-fan VFD's points (Modbus TCP, canonical point references)."""

    speed_cmd: str
    speed_feedback: str


@dataclass(frozen=True)
class DemoPoints:
    """The points of the demo building (canonical point references)."""

    fan_cmd: str
    fan_status: str
    sat: str
    mat: str
    oat: str
    rat: str
    static_pressure: str
    cooling_valve: str
    heating_valve: str
    oa_damper: str
    zones: tuple[ZonePoints, ...]
    vfd: VfdPoints | None = None

    def signals(self) -> dict[str, str]:
        """Point reference by plant signal name (``ahu.sat``, ``zone1.temp``, ...)."""
        out = {
            f"ahu.{name}": getattr(self, name)
            for name in (
                "fan_cmd", "fan_status", "sat", "mat", "oat", "rat", "static_pressure",
                "cooling_valve", "heating_valve", "oa_damper",
            )
        }  # fmt: skip
        for i, zone in enumerate(self.zones, start=1):
            for name in ("temp", "airflow", "occupancy", "damper", "reheat"):
                out[f"zone{i}.{name}"] = getattr(zone, name)
        return out


def demo_points(
    *,
    ahu_device: int = 2001,
    first_vav_device: int = 2101,
    zones: int = 4,
    modbus_vfd: int | None = None,
) -> DemoPoints:
    """The demo building's point layout: one AHU device and one device per VAV box.

    ``modbus_vfd`` adds the supply-fan VFD of that Modbus device number
    (``examples/demo-modbus.yaml``: 9002).
    """

    def ref(device: int, obj: str) -> str:
        return f"{device}/{obj}/present-value"

    a = ahu_device
    return DemoPoints(
        fan_cmd=ref(a, "binary-output,1"),
        fan_status=ref(a, "binary-input,1"),
        sat=ref(a, "analog-input,1"),
        mat=ref(a, "analog-input,2"),
        oat=ref(a, "analog-input,3"),
        rat=ref(a, "analog-input,4"),
        static_pressure=ref(a, "analog-input,5"),
        cooling_valve=ref(a, "analog-output,1"),
        heating_valve=ref(a, "analog-output,2"),
        oa_damper=ref(a, "analog-output,3"),
        zones=tuple(
            ZonePoints(
                temp=ref(d, "analog-input,1"),
                airflow=ref(d, "analog-input,2"),
                occupancy=ref(d, "binary-input,1"),
                damper=ref(d, "analog-output,1"),
                reheat=ref(d, "analog-output,2"),
            )
            for d in range(first_vav_device, first_vav_device + zones)
        ),
        vfd=None
        if modbus_vfd is None
        else VfdPoints(
            speed_cmd=f"modbus:{modbus_vfd}/holding-register,0/present-value",
            speed_feedback=f"modbus:{modbus_vfd}/input-register,0/present-value",
        ),
    )


DEMO_POINTS = demo_points()
"""The points of ``examples/demo-building.yaml``."""


def _span(in_low: float, in_high: float, out_low: float, out_high: float) -> dict[str, float]:
    return {"inLow": in_low, "inHigh": in_high, "outLow": out_low, "outHigh": out_high}


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
ALL_DAYS = (*WEEKDAYS, "saturday", "sunday")


def demo_graph(
    points: DemoPoints = DEMO_POINTS,
    *,
    days: tuple[str, ...] = WEEKDAYS,
    occupied_from: str = OCCUPIED_FROM,
    occupied_to: str = OCCUPIED_TO,
    timezone: str = SCHEDULE_TIMEZONE,
    always_occupied: bool = False,
) -> Graph:
    """The demo project's graph for ``points`` (2 to 16 zones).

    The schedule is occupied on ``days`` from ``occupied_from`` to ``occupied_to``
    (local 'HH:MM' in ``timezone``); ``always_occupied`` makes it occupied at every
    hour, for a demo that should be seen controlling whenever it is started.
    """
    n = len(points.zones)
    if not 2 <= n <= 16:
        raise ValueError(f"the demo controls 2 to 16 zones, not {n}")
    unknown = set(days) - set(ALL_DAYS)
    if unknown:
        raise ValueError(f"unknown days {sorted(unknown)}; use {ALL_DAYS}")
    g = GraphBuilder(flow=FLOW_ID, period_ms=PERIOD_MS)

    def point_in(node_id: str, point: str, value_type: str = "number") -> str:
        return g.node("io.point-input", node_id, point=point, valueType=value_type)

    def point_out(node_id: str, point: str, source: tuple[str, str], **params: Any) -> str:
        node = g.node("io.point-output", node_id, point=point, **params)
        g.wire(*source, node, "value")
        return node

    # Occupancy and setpoints.
    day = [{"time": occupied_from, "value": True}, {"time": occupied_to, "value": False}]
    g.node(
        "schedule.weekly", "occupancy", valueType="bool", timezone=timezone,
        default=always_occupied, week={} if always_occupied else dict.fromkeys(days, day),
    )  # fmt: skip
    for name, occupied, unoccupied in (
        ("heat_sp", OCCUPIED_HEATING_SP, UNOCCUPIED_HEATING_SP),
        ("cool_sp", OCCUPIED_COOLING_SP, UNOCCUPIED_COOLING_SP),
    ):
        g.node("io.parameter", f"occ_{name}", value=occupied, min=15.0, max=30.0, unit="degC")
        g.node("io.parameter", f"unocc_{name}", value=unoccupied, min=10.0, max=35.0, unit="degC")
        g.node("logic.switch", name)
        g.wire("occupancy", "value", name, "select")
        g.wire(f"occ_{name}", "out", name, "on_true")
        g.wire(f"unocc_{name}", "out", name, "on_false")

    # Supply fan: schedule or night low limit; proof and alarm.
    g.node("select.min", "coldest_zone", inputs=n)
    g.node("math.subtract", "night_deficit")
    g.wire("unocc_heat_sp", "out", "night_deficit", "a").wire(
        "coldest_zone", "out", "night_deficit", "b"
    )
    g.node("timer.hysteresis", "night_low_limit", onAbove=0.5, offBelow=-1.0)
    g.wire("night_deficit", "out", "night_low_limit", "in")
    g.node("logic.or", "fan_request", inputs=2)
    g.wire("occupancy", "value", "fan_request", "in1")
    g.wire("night_low_limit", "out", "fan_request", "in2")
    point_out("fan_cmd", points.fan_cmd, ("fan_request", "out"), valueType="bool")
    point_in("fan_status", points.fan_status, "bool")
    g.node("control.proof", "fan_proof", delayS=30.0)
    g.wire("fan_request", "out", "fan_proof", "command")
    g.wire("fan_status", "value", "fan_proof", "status")
    g.node("alarm.bool", "fan_alarm")
    g.wire("fan_proof", "fault", "fan_alarm", "in")

    # The zones.
    g.node("hvac.request-sum", "sat_requests", inputs=n)
    g.node("io.constant", "one_request", valueType="integer", value=1)
    g.node("io.constant", "no_request", valueType="integer", value=0)
    for i, zone in enumerate(points.zones, start=1):
        z = f"z{i}"
        point_in(f"{z}_temp", zone.temp)
        g.wire(f"{z}_temp", "value", "coldest_zone", f"in{i}")
        # Cooling is tighter than heating: occupants' gains arrive as a step at occupancy.
        for loop, action, sp, band in (
            ("heat", "reverse", "heat_sp", 2.0),
            ("cool", "direct", "cool_sp", 1.0),
        ):
            pid = g.node(
                "control.pid", f"{z}_{loop}_pid", action=action, proportionalBand=band,
                tiS=600.0, disableAction="zero",
            )  # fmt: skip
            # Always enabled: the PID's bumpless transfer would start the integral far outside
            # the output range if it were enabled (with the fan) far from setpoint, and the next
            # setpoint step would then slam the output. Without airflow the commands do nothing.
            g.wire(f"{z}_temp", "value", pid, "pv").wire(sp, "out", pid, "setpoint")
        g.node(
            "control.split-range", f"{z}_heat_split", outputs=2,
            segments=[_span(0, 50, 0, 100), _span(50, 100, DAMPER_MIN, DAMPER_HEATING_MAX)],
        )  # fmt: skip
        g.wire(f"{z}_heat_pid", "out", f"{z}_heat_split", "in")
        g.node(
            "control.split-range", f"{z}_cool_split", outputs=1,
            segments=[_span(0, 100, DAMPER_MIN, 100)],
        )  # fmt: skip
        g.wire(f"{z}_cool_pid", "out", f"{z}_cool_split", "in")
        g.node("select.max", f"{z}_damper", inputs=2)
        g.wire(f"{z}_cool_split", "out1", f"{z}_damper", "in1")
        g.wire(f"{z}_heat_split", "out2", f"{z}_damper", "in2")
        point_out(f"{z}_damper_cmd", zone.damper, (f"{z}_damper", "out"), deadband=0.5)
        point_out(f"{z}_reheat_cmd", zone.reheat, (f"{z}_heat_split", "out1"), deadband=0.5)
        # A cooling loop near its limit asks for colder supply air.
        g.node("timer.hysteresis", f"{z}_starved", onAbove=95.0, offBelow=85.0)
        g.wire(f"{z}_cool_pid", "out", f"{z}_starved", "in")
        g.node("logic.switch", f"{z}_request", valueType="integer")
        g.wire(f"{z}_starved", "out", f"{z}_request", "select")
        g.wire("one_request", "value", f"{z}_request", "on_true")
        g.wire("no_request", "value", f"{z}_request", "on_false")
        g.wire(f"{z}_request", "out", "sat_requests", f"in{i}")
        g.node("alarm.trend-log", f"{z}_trend", intervalS=300.0, capacity=2016)
        g.wire(f"{z}_temp", "value", f"{z}_trend", "in")
        # An operator's comfort alarm: a zone far outside any setpoint for half a minute.
        g.node(
            "alarm.limit", f"{z}_comfort_alarm", highLimit=ZONE_HIGH_LIMIT, lowLimit=ZONE_LOW_LIMIT,
            deadband=0.5, onDelayS=30.0, offDelayS=10.0, priority=60, alarmClass="comfort",
            unit="°C", message=f"Zone {i} at {{value:.1f}} {{unit}}, {{condition}} limit {{limit:.0f}} {{unit}}",
        )  # fmt: skip
        g.wire(f"{z}_temp", "value", f"{z}_comfort_alarm", "in")

    # Supply air temperature: trim and respond, then one loop split over the coils.
    point_in("sat", points.sat)
    point_in("oat", points.oat)
    point_in("rat", points.rat)
    # Guideline 36's defaults (I = 2, trim +0.1 K, respond -0.2 K a request, at most -0.6 K):
    # ignoring only one request made the reset hunt all afternoon (a 25-minute sawtooth).
    # The floor is 12 degC, which a hot design day needs (tests/test_design_days.py).
    g.node(
        "hvac.trim-respond", "sat_reset", sp0=16.0, spMin=12.0, spMax=18.0, delayS=300.0,
        stepS=120.0, ignoredRequests=2, spTrim=0.1, spRes=-0.2, spResMax=-0.6,
    )  # fmt: skip
    g.wire("fan_proof", "proven", "sat_reset", "device_on")
    g.wire("sat_requests", "out", "sat_reset", "requests")
    # Guideline 36 also lowers the supply air with the outdoor air (18 degC at 16 degC outdoors,
    # 12 degC from 21 degC): with I = 2 the two starved zones of a hot day, or of a step in
    # gains, are never answered by trim and respond alone.
    g.node("math.linear-reset", "sat_oat_limit", x1=16.0, y1=18.0, x2=21.0, y2=12.0)
    g.wire("oat", "value", "sat_oat_limit", "in")
    g.node("select.min", "sat_setpoint", inputs=2)
    g.wire("sat_reset", "setpoint", "sat_setpoint", "in1")
    g.wire("sat_oat_limit", "out", "sat_setpoint", "in2")
    g.node(
        "control.pid", "sat_pid", action="direct", proportionalBand=10.0, tiS=120.0,
        disableAction="fallback", fallbackValue=32.0,
    )  # fmt: skip
    g.wire("sat", "value", "sat_pid", "pv").wire("sat_setpoint", "out", "sat_pid", "setpoint")
    g.wire("fan_proof", "proven", "sat_pid", "enable")
    g.node(
        "control.split-range", "sat_split", outputs=3,
        segments=[_span(0, 30, 100, 0), _span(35, 65, 0, 100), _span(70, 100, 0, 100)],
    )  # fmt: skip
    g.wire("sat_pid", "out", "sat_split", "in")
    g.node("hvac.economizer-enable", "economizer", mode="differential-dry-bulb", highLimit=21.0)
    g.wire("oat", "value", "economizer", "oat").wire("rat", "value", "economizer", "rat")
    g.node("io.constant", "damper_closed", value=0.0)
    g.node("logic.switch", "oa_damper")
    g.wire("economizer", "enable", "oa_damper", "select")
    g.wire("sat_split", "out2", "oa_damper", "on_true")
    g.wire("damper_closed", "value", "oa_damper", "on_false")
    point_out("heating_valve_cmd", points.heating_valve, ("sat_split", "out1"), deadband=0.5)
    point_out("oa_damper_cmd", points.oa_damper, ("oa_damper", "out"), deadband=0.5)
    point_out("cooling_valve_cmd", points.cooling_valve, ("sat_split", "out3"), deadband=0.5)
    if points.vfd is not None:
        add_vfd(g, points.vfd, run=("fan_request", "out"))
    return g.build()


def add_vfd(g: GraphBuilder, vfd: VfdPoints, *, run: tuple[str, str]) -> None:
    """The supply-fan VFD: speed from a parameter while ``run`` is true; feedback checked."""
    g.node("io.parameter", "vfd_speed_sp", value=65.0, min=20.0, max=100.0, unit="%")
    g.node("io.constant", "vfd_stopped", value=0.0)
    g.node("logic.switch", "vfd_speed")
    g.wire(*run, "vfd_speed", "select")
    g.wire("vfd_speed_sp", "out", "vfd_speed", "on_true")
    g.wire("vfd_stopped", "value", "vfd_speed", "on_false")
    g.node("io.point-output", "vfd_speed_cmd", point=vfd.speed_cmd, deadband=0.5)
    g.wire("vfd_speed", "out", "vfd_speed_cmd", "value")
    g.node("io.point-input", "vfd_feedback", point=vfd.speed_feedback, valueType="number")
    g.node("control.loop-deviation-alarm", "vfd_tracking", limit=10.0, delayS=60.0, deadband=2.0)
    g.wire("vfd_feedback", "value", "vfd_tracking", "pv")
    g.wire("vfd_speed", "out", "vfd_tracking", "setpoint")
    g.node("alarm.bool", "vfd_alarm")
    g.wire("vfd_tracking", "alarm", "vfd_alarm", "in")
    g.node("alarm.trend-log", "vfd_trend", intervalS=60.0, capacity=1440)
    g.wire("vfd_feedback", "value", "vfd_trend", "in")


def demo_constraints(graph: Graph) -> tuple[PointConstraint, ...]:
    """Limits on every point the demo commands, as a controls engineer would author them.

    Valves, dampers and the VFD speed are 0-100 %; the outdoor-air damper falls back to
    closed when its inputs go bad, the others hold their last command.
    Priorities stay in the engine's range (10-16), below the operator's 8.
    """
    constraints = []
    for node in graph.nodes:
        if node.type != "io.point-output":
            continue
        point = PointRef.parse(str(node.params["point"]))
        if node.params.get("valueType") == "bool":
            constraints.append(PointConstraint(point=point, min_priority=10))
            continue
        fallback = node.id.startswith("oa_damper")
        constraints.append(
            PointConstraint(
                point=point, min=0.0, max=100.0, min_priority=10,
                degraded=DegradedPolicy.FALLBACK if fallback else DegradedPolicy.HOLD,
                fallback=0.0 if fallback else None,
            )
        )  # fmt: skip
    return tuple(constraints)


__all__ = [
    "ALL_DAYS",
    "DEMO_POINTS",
    "FLOW_ID",
    "OCCUPIED_COOLING_SP",
    "OCCUPIED_HEATING_SP",
    "UNOCCUPIED_COOLING_SP",
    "UNOCCUPIED_HEATING_SP",
    "WEEKDAYS",
    "DemoPoints",
    "VfdPoints",
    "ZonePoints",
    "add_vfd",
    "demo_constraints",
    "demo_graph",
    "demo_points",
]
