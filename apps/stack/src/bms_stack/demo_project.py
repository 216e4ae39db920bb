"""The demo project: control of the simulator's demo building, as a graph.

``bms-stack --demo`` creates it in the Designer on first start and the tests run it in
closed loop; it is an app's content, not engine library code. The points are those
of ``apps/iot-supervisor-app/examples/demo-building.yaml`` (:data:`DEMO_POINTS`);
pass other :class:`DemoPoints` to control the same layout elsewhere.

Two flows, every second, that exchange values through points as the controllers of a
real building do (ASHRAE Guideline 36: the zones send the air handler their requests,
the air handler the zones their occupancy mode):

``ahu`` (Air handler): its points wired to a few composite instances
(:mod:`bms_stack.demo_ahu`), so the flow reads on one screen:

- Occupancy: a weekly schedule (Mon-Fri 07:00-19:00, UTC), commanded to the AHU's
  occupied-mode point for the zones.
- ``fan`` (Supply fan): runs while occupied, or at night while the coldest zone (the air
  handler reads the zone sensors itself) is below its night low limit, an operator
  parameter of this flow (16 °C, as the zones' unoccupied heating setpoint), with
  hysteresis. A proof block compares the fan status with the command; a fault raises an
  alarm.
- ``supply_air`` (Supply air): the setpoint reset by trim and respond from the zones'
  requests (Guideline 36), never above an outdoor-air reset, then held by a PID whose
  output is split into heating valve, outdoor-air damper (only while economizing is
  enabled) and cooling valve. Economizer enable: differential dry bulb, outdoor against
  return air.
- With a supply-fan VFD (Modbus TCP, ``DemoPoints.vfd``), ``vfd`` (Fan VFD): its speed is
  commanded from a speed parameter while the fan runs (0 % otherwise), its feedback
  trended and checked.

``zones`` (Zones): one instance of the zone composite (:func:`zone_composite`) per VAV
box, made by applying :func:`zone_template` to the boxes by the tags their points carry
(:data:`DEMO_TAGS`, naming rules over object names): occupied or unoccupied setpoints
from the shared operator parameters, a heating and a cooling PID, damper and reheat
sequenced (cooling opens the damper from its minimum to fully open; heating opens the
reheat valve first, then the damper up to its heating maximum), a cooling loop near
saturation is one request for colder supply air, a trend log of the zone temperature
and a comfort alarm (above 30 °C or below 12 °C for 30 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bms_schemas import (
    CompositeDefinition,
    DegradedPolicy,
    Graph,
    Node,
    PointConstraint,
    PointRef,
    Position,
)
from bms_schemas.templates import (
    Equipment,
    EquipmentTemplate,
    Placeholder,
    TagFile,
    TaggedPoint,
)
from bms_stack.demo_ahu import (
    AHU_COMPOSITE_VERSION,
    FAN_COMPOSITE,
    SUPPLY_AIR_COMPOSITE,
    VFD_COMPOSITE,
    composite_input,
    fan_composite,
    span,
    supply_air_composite,
    vfd_composite,
    wire,
)
from bms_stack.demo_layout import column_layout, layered_layout, port_rows, zone_grid_layout
from supervisor_engine.graph_builder import GraphBuilder
from supervisor_engine.templates import PORT_SEPARATOR, apply_template, tag_points

AHU_FLOW = "ahu"
ZONES_FLOW = "zones"
FLOW_IDS = (AHU_FLOW, ZONES_FLOW)
"""The demo's flows, in evaluation order."""
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
OUTPUT_DEADBAND = 0.5
COMMAND_PRIORITY = 16

ZONE_COMPOSITE = "demo_zone"
ZONE_COMPOSITE_VERSION = 1
ZONE_TEMPLATE = "zone"
ZONE_ALARM_MESSAGE = "{zone} at {{value:.1f}} {{unit}}, {{condition}} limit {{limit:.0f}} {{unit}}"
"""The comfort alarm's text, per zone: 'Zone 1 at 30.6 °C, high limit 30 °C'."""


@dataclass(frozen=True)
class ZonePoints:
    """The points of one VAV box (canonical point references)."""

    temp: str
    airflow: str
    occupancy: str
    damper: str
    reheat: str
    requests: str
    """The box's cooling requests for colder supply air, read by the air handler."""


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
    occupied_mode: str
    """The AHU's occupancy mode for its zones, commanded by the ``ahu`` flow."""
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

    def exchanged(self) -> dict[str, bool | int]:
        """Points one flow commands and another reads (no plant behind them), at rest."""
        out: dict[str, bool | int] = {self.occupied_mode: False}
        out.update({zone.requests: 0 for zone in self.zones})
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
        occupied_mode=ref(a, "binary-value,1"),
        zones=tuple(
            ZonePoints(
                temp=ref(d, "analog-input,1"),
                airflow=ref(d, "analog-input,2"),
                occupancy=ref(d, "binary-input,1"),
                damper=ref(d, "analog-output,1"),
                reheat=ref(d, "analog-output,2"),
                requests=ref(d, "analog-value,1"),
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


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
ALL_DAYS = (*WEEKDAYS, "saturday", "sunday")

# The VAV boxes' objects as the simulator names them (examples/demo-building.yaml).
VAV_OBJECTS = {
    "temp": ("ZoneTemp", "analog-input"),
    "airflow": ("Airflow", "analog-input"),
    "occupancy": ("Occupancy", "binary-input"),
    "damper": ("DamperCmd", "analog-output"),
    "reheat": ("ReheatValveCmd", "analog-output"),
    "requests": ("CoolingRequests", "analog-value"),
}

DEMO_TAGS = TagFile.model_validate(
    {
        "rules": [
            {"match": "^ZoneTemp$", "objectType": "analog-input",
             "tags": ["zone", "air", "temp", "sensor"]},
            {"match": "^Airflow$", "tags": ["discharge", "air", "flow", "sensor"]},
            {"match": "^Occupancy$", "tags": ["occupied", "sensor"]},
            {"match": "^DamperCmd$", "tags": ["damper", "cmd"]},
            {"match": "^ReheatValveCmd$", "tags": ["reheat", "valve", "cmd"]},
            {"match": "^CoolingRequests$", "tags": ["cool", "request", "cmd"]},
        ]
    }
)  # fmt: skip
"""Tags of the VAV boxes' points by naming rules, as ``examples/vav-20-tags.yaml`` gives them."""


def zone_composite() -> CompositeDefinition:
    """One zone's logic, drawn once and applied to every VAV box (:func:`zone_template`)."""
    degc = {"type": "number", "unit": "degC"}
    pid = {"tiS": 600.0, "disableAction": "zero"}
    return CompositeDefinition.model_validate(
        {
            "name": ZONE_COMPOSITE,
            "version": ZONE_COMPOSITE_VERSION,
            "title": "Zone",
            "doc": "Occupied or unoccupied setpoints; heating and cooling loops on the zone "
            "temperature; damper and reheat sequenced; a starved cooling loop asks for colder "
            "supply air; the zone temperature trended, and a comfort alarm on it.",
            "inputs": [
                composite_input("temp", degc, "Zone air temperature.", ("heat_pid", "pv"),
                       ("cool_pid", "pv"), ("trend", "in"), ("comfort_alarm", "in")),
                composite_input("occupied", {"type": "bool"}, "Occupancy mode of the air handler.",
                       ("heat_sp", "select"), ("cool_sp", "select")),
                composite_input("occ_heat_sp", degc, "Occupied heating setpoint.", ("heat_sp", "on_true")),
                composite_input("unocc_heat_sp", degc, "Unoccupied heating setpoint.",
                       ("heat_sp", "on_false")),
                composite_input("occ_cool_sp", degc, "Occupied cooling setpoint.", ("cool_sp", "on_true")),
                composite_input("unocc_cool_sp", degc, "Unoccupied cooling setpoint.",
                       ("cool_sp", "on_false")),
            ],
            "outputs": [
                {"name": "damper", "type": {"type": "number", "unit": "%"},
                 "doc": "Damper command.", "source": {"node": "damper", "port": "out"}},
                {"name": "reheat", "type": {"type": "number", "unit": "%"},
                 "doc": "Reheat valve command.", "source": {"node": "heat_split", "port": "out1"}},
                {"name": "requests", "type": {"type": "integer"},
                 "doc": "Cooling requests for the supply air temperature reset (0 or 1).",
                 "source": {"node": "request", "port": "out"}},
            ],
            "params": [
                # Cooling is tighter than heating: occupants' gains arrive as a step at occupancy.
                {"name": "heatBand", "type": "number", "unit": "K", "default": 2.0,
                 "minimum": 0.2, "maximum": 10, "doc": "Heating proportional band.",
                 "targets": [{"node": "heat_pid", "param": "proportionalBand"}]},
                {"name": "coolBand", "type": "number", "unit": "K", "default": 1.0,
                 "minimum": 0.2, "maximum": 10, "doc": "Cooling proportional band.",
                 "targets": [{"node": "cool_pid", "param": "proportionalBand"}]},
                {"name": "alarmMessage", "type": "string",
                 "default": ZONE_ALARM_MESSAGE.format(zone="Zone"),
                 "doc": "The comfort alarm's text.",
                 "targets": [{"node": "comfort_alarm", "param": "message"}]},
            ],
            "nodes": [
                {"id": "heat_sp", "type": "logic.switch", "label": "Heating setpoint"},
                {"id": "cool_sp", "type": "logic.switch", "label": "Cooling setpoint"},
                # Always enabled: the PID's bumpless transfer would start the integral far
                # outside the output range if it were enabled (with the fan) far from setpoint,
                # and the next setpoint step would then slam the output. Without airflow the
                # commands do nothing.
                {"id": "heat_pid", "type": "control.pid", "label": "Heating loop",
                 "params": {"action": "reverse", "proportionalBand": 2.0, **pid}},
                {"id": "cool_pid", "type": "control.pid", "label": "Cooling loop",
                 "params": {"action": "direct", "proportionalBand": 1.0, **pid}},
                {"id": "heat_split", "type": "control.split-range", "label": "Reheat, then air",
                 "params": {"outputs": 2, "segments": [
                     span(0, 50, 0, 100), span(50, 100, DAMPER_MIN, DAMPER_HEATING_MAX)]}},
                {"id": "cool_split", "type": "control.split-range", "label": "Cooling air",
                 "params": {"outputs": 1, "segments": [span(0, 100, DAMPER_MIN, 100)]}},
                {"id": "damper", "type": "select.max", "label": "Damper",
                 "params": {"inputs": 2}},
                # A cooling loop near its limit asks for colder supply air.
                {"id": "starved", "type": "timer.hysteresis", "label": "Cooling starved",
                 "params": {"onAbove": 95.0, "offBelow": 85.0}},
                {"id": "one", "type": "io.constant", "params": {"valueType": "integer", "value": 1}},
                {"id": "zero", "type": "io.constant",
                 "params": {"valueType": "integer", "value": 0}},
                {"id": "request", "type": "logic.switch", "label": "Request",
                 "params": {"valueType": "integer"}},
                {"id": "trend", "type": "alarm.trend-log", "label": "Zone temperature trend",
                 "params": {"intervalS": 300.0, "capacity": 2016}},
                # An operator's comfort alarm: a zone far outside any setpoint for half a minute.
                {"id": "comfort_alarm", "type": "alarm.limit", "label": "Comfort alarm",
                 "params": {"highLimit": ZONE_HIGH_LIMIT, "lowLimit": ZONE_LOW_LIMIT,
                            "deadband": 0.5, "onDelayS": 30.0, "offDelayS": 10.0,
                            "priority": 60, "alarmClass": "comfort", "unit": "°C"}},
            ],
            "edges": [
                wire("heat_sp", "out", "heat_pid", "setpoint"),
                wire("cool_sp", "out", "cool_pid", "setpoint"),
                wire("heat_pid", "out", "heat_split", "in"),
                wire("cool_pid", "out", "cool_split", "in"),
                wire("cool_split", "out1", "damper", "in1"),
                wire("heat_split", "out2", "damper", "in2"),
                wire("cool_pid", "out", "starved", "in"),
                wire("starved", "out", "request", "select"),
                wire("one", "value", "request", "on_true"),
                wire("zero", "value", "request", "on_false"),
            ],
            "layout": column_layout(
                [["heat_sp", "cool_sp"], ["heat_pid", "cool_pid"],
                 ["heat_split", "cool_split", "starved", "one", "zero"],
                 ["damper", "request", "trend", "comfort_alarm"]],
                {"heat_pid": 8, "cool_pid": 8, "comfort_alarm": 2, "heat_split": 2,
                 "request": 3, "heat_sp": 3, "cool_sp": 3, "damper": 2, "trend": 2},
            ),
        }
    )  # fmt: skip


def zone_template() -> EquipmentTemplate:
    """The zone composite for every VAV box whose points carry its tags; setpoints shared."""
    return EquipmentTemplate(
        name=ZONE_TEMPLATE,
        composite=f"composite:{ZONE_COMPOSITE}@{ZONE_COMPOSITE_VERSION}",
        flow=ZONES_FLOW,
        placeholders=(
            Placeholder(port="temp", tags=("zone", "air", "temp", "sensor")),
            # The bundle's default priority, as the air handler's commands.
            Placeholder(port="damper", tags=("damper", "cmd"), priority=COMMAND_PRIORITY),
            Placeholder(port="reheat", tags=("reheat", "valve", "cmd"), priority=COMMAND_PRIORITY),
            Placeholder(port="requests", tags=("cool", "request", "cmd"), priority=COMMAND_PRIORITY),
        ),
        links={
            "occupied": "occupied.value",
            **{sp: f"{sp}.out" for sp in ("occ_heat_sp", "unocc_heat_sp", "occ_cool_sp",
                                          "unocc_cool_sp")},
        },
    )  # fmt: skip


def vav_equipment(points: DemoPoints) -> list[Equipment]:
    """The VAV boxes as equipment (``VAV-1`` ...), their points tagged by :data:`DEMO_TAGS`."""
    boxes = []
    for i, zone in enumerate(points.zones, start=1):
        device = PointRef.parse(zone.temp).device
        raw = [
            TaggedPoint(point=str(PointRef.parse(getattr(zone, field))), name=name,
                        object_type=object_type, commandable=object_type != "analog-input")
            for field, (name, object_type) in VAV_OBJECTS.items()
        ]  # fmt: skip
        boxes.append(
            Equipment(id=str(device), name=f"VAV-{i}", points=tuple(tag_points(raw, DEMO_TAGS)))
        )
    return boxes


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
    g = GraphBuilder(flow=AHU_FLOW, period_ms=PERIOD_MS)
    _ahu_flow(g, points, days, occupied_from, occupied_to, timezone, always_occupied)
    g.flow(ZONES_FLOW, period_ms=PERIOD_MS)
    g.node("io.point-input", "occupied", point=points.occupied_mode, valueType="bool")
    for name, value, low, high in (
        ("occ_heat_sp", OCCUPIED_HEATING_SP, 15.0, 30.0),
        ("unocc_heat_sp", UNOCCUPIED_HEATING_SP, 10.0, 35.0),
        ("occ_cool_sp", OCCUPIED_COOLING_SP, 15.0, 30.0),
        ("unocc_cool_sp", UNOCCUPIED_COOLING_SP, 10.0, 35.0),
    ):
        g.node("io.parameter", name, value=value, min=low, max=high, unit="degC")
    built = g.build()
    graph = built.model_copy(
        update={
            "flows": tuple(
                f.model_copy(update={"name": "Air handler" if f.id == AHU_FLOW else "Zones"})
                for f in built.flows
            ),
            "composites": (
                fan_composite(),
                supply_air_composite(),
                *((vfd_composite(),) if points.vfd is not None else ()),
                zone_composite(),
            ),
        }
    )
    graph, preview = apply_template(graph, zone_template(), vav_equipment(points))
    if preview.instantiated != n:
        raise ValueError(f"the zone template bound {preview.instantiated} of {n} VAV boxes")
    graph = layered_layout(
        _named_zones(graph), {AHU_FLOW: _ahu_bands(n)}, row_gap=ROW_GAP, layer_gap=LAYER_GAP
    )
    return graph.model_copy(update={"layout": {**graph.layout, **_zones_layout(graph)}})


ROW_GAP = 10.0
LAYER_GAP = 50.0
"""The demo's blocks closer than the Designer's "Arrange" sets them: each flow is at most 822 px
wide and 700 px high (with 4 zones, blocks drawn with their live values), so it opens at 100 % in
the editor's canvas on a 1440x900 screen (910x764 px, less the editor's margins: 56 px on the left,
clear of the zoom buttons, 32 px elsewhere; demo.spec.ts)."""


def _zones_layout(graph: Graph) -> dict[str, Position]:
    """The zones two by two under their shared setpoints, each beside its points."""
    instance_type = f"composite:{ZONE_COMPOSITE}@{ZONE_COMPOSITE_VERSION}"
    instances = [n.id for n in graph.nodes if n.type == instance_type]
    shared = ["occupied", "occ_heat_sp", "unocc_heat_sp", "occ_cool_sp", "unocc_cool_sp"]
    groups = [
        (i, f"{i}{PORT_SEPARATOR}temp",
         [f"{i}{PORT_SEPARATOR}{port}" for port in ("damper", "reheat", "requests")])
        for i in instances
    ]  # fmt: skip
    return zone_grid_layout(shared, groups, port_rows(graph), row_gap=ROW_GAP, layer_gap=LAYER_GAP)


def _ahu_flow(
    g: GraphBuilder,
    points: DemoPoints,
    days: tuple[str, ...],
    occupied_from: str,
    occupied_to: str,
    timezone: str,
    always_occupied: bool,
) -> None:
    n = len(points.zones)

    def point_in(node_id: str, point: str, value_type: str = "number") -> str:
        return g.node("io.point-input", node_id, point=point, valueType=value_type)

    def point_out(node_id: str, point: str, source: tuple[str, str], **params: Any) -> str:
        node = g.node("io.point-output", node_id, point=point, **params)
        g.wire(*source, node, "value")
        return node

    # Occupancy, for the fan and (through the AHU's occupied-mode point) the zones.
    day = [{"time": occupied_from, "value": True}, {"time": occupied_to, "value": False}]
    g.node(
        "schedule.weekly", "occupancy", valueType="bool", timezone=timezone,
        default=always_occupied, week={} if always_occupied else dict.fromkeys(days, day),
    )  # fmt: skip
    point_out("occupied_mode", points.occupied_mode, ("occupancy", "value"), valueType="bool")

    # Supply fan: schedule or night low limit (the coldest zone, read here), proof, alarm.
    g.node("io.parameter", "night_low_sp", value=UNOCCUPIED_HEATING_SP, min=10.0, max=35.0,
           unit="degC")  # fmt: skip
    g.node("select.min", "coldest_zone", inputs=n)
    for i, zone in enumerate(points.zones, start=1):
        point_in(f"z{i}_temp", zone.temp)
        g.wire(f"z{i}_temp", "value", "coldest_zone", f"in{i}")
    point_in("fan_status", points.fan_status, "bool")
    g.node(f"composite:{FAN_COMPOSITE}@{AHU_COMPOSITE_VERSION}", "fan")
    g.wire("occupancy", "value", "fan", "occupied")
    g.wire("coldest_zone", "out", "fan", "coldest")
    g.wire("night_low_sp", "out", "fan", "night_low")
    g.wire("fan_status", "value", "fan", "status")
    point_out("fan_cmd", points.fan_cmd, ("fan", "run"), valueType="bool")

    # Supply air temperature: the zones' requests, then one loop split over the coils.
    g.node("hvac.request-sum", "sat_requests", inputs=n)
    for i, zone in enumerate(points.zones, start=1):
        point_in(f"z{i}_requests", zone.requests, "integer")
        g.wire(f"z{i}_requests", "value", "sat_requests", f"in{i}")
    point_in("sat", points.sat)
    point_in("oat", points.oat)
    point_in("rat", points.rat)
    g.node(f"composite:{SUPPLY_AIR_COMPOSITE}@{AHU_COMPOSITE_VERSION}", "supply_air")
    g.wire("sat_requests", "out", "supply_air", "requests")
    g.wire("fan", "proven", "supply_air", "proven")
    for port in ("sat", "oat", "rat"):
        g.wire(port, "value", "supply_air", port)
    d = OUTPUT_DEADBAND
    point_out("heating_valve_cmd", points.heating_valve, ("supply_air", "heating"), deadband=d)
    point_out("oa_damper_cmd", points.oa_damper, ("supply_air", "oa_damper"), deadband=d)
    point_out("cooling_valve_cmd", points.cooling_valve, ("supply_air", "cooling"), deadband=d)
    if points.vfd is not None:
        add_vfd(g, points.vfd, run=("fan", "run"))


def _ahu_bands(zones: int) -> list[list[list[str]]]:
    """The air handler in four columns: points read, the AHU's own inputs, logic, commands.

    The fan's inputs and commands above, the supply air's below, the VFD's (if any) last.
    """
    each = range(1, zones + 1)
    return [
        [
            [*(f"z{i}_temp" for i in each), "fan_status", *(f"z{i}_requests" for i in each),
             "vfd_feedback"],
            ["occupancy", "night_low_sp", "coldest_zone", "sat", "oat", "rat", "sat_requests",
             "vfd_speed_sp"],
            ["fan", "supply_air", "vfd"],
            ["occupied_mode", "fan_cmd", "heating_valve_cmd", "oa_damper_cmd",
             "cooling_valve_cmd", "vfd_speed_cmd"],
        ]
    ]  # fmt: skip


def _named_zones(graph: Graph) -> Graph:
    """Each zone's alarm names its zone; its valve and damper commands keep a deadband."""

    def named(node: Node) -> Node:
        if node.type == f"composite:{ZONE_COMPOSITE}@{ZONE_COMPOSITE_VERSION}":
            zone = f"Zone {(node.label or '').removeprefix('VAV-')}"
            message = ZONE_ALARM_MESSAGE.format(zone=zone)
            return node.model_copy(update={"params": {**node.params, "alarmMessage": message},
                                            "label": zone})  # fmt: skip
        port = node.id.rpartition(PORT_SEPARATOR)[2]
        if node.type == "io.point-output" and port in ("damper", "reheat"):
            return node.model_copy(update={"params": {**node.params, "deadband": OUTPUT_DEADBAND}})
        return node

    return graph.model_copy(update={"nodes": tuple(named(n) for n in graph.nodes)})


def add_vfd(g: GraphBuilder, vfd: VfdPoints, *, run: tuple[str, str]) -> None:
    """The supply-fan VFD: speed from a parameter while ``run`` is true; feedback checked.

    An instance of :func:`~bms_stack.demo_ahu.vfd_composite`, which the graph built from
    ``g`` must carry in its ``composites``.
    """
    g.node("io.parameter", "vfd_speed_sp", value=65.0, min=20.0, max=100.0, unit="%")
    g.node("io.point-input", "vfd_feedback", point=vfd.speed_feedback, valueType="number")
    g.node(f"composite:{VFD_COMPOSITE}@{AHU_COMPOSITE_VERSION}", "vfd")
    g.wire(*run, "vfd", "run")
    g.wire("vfd_speed_sp", "out", "vfd", "speed_sp")
    g.wire("vfd_feedback", "value", "vfd", "feedback")
    g.node("io.point-output", "vfd_speed_cmd", point=vfd.speed_cmd, deadband=0.5)
    g.wire("vfd", "speed", "vfd_speed_cmd", "value")


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
    "AHU_FLOW",
    "ALL_DAYS",
    "DEMO_POINTS",
    "DEMO_TAGS",
    "FLOW_IDS",
    "OCCUPIED_COOLING_SP",
    "OCCUPIED_HEATING_SP",
    "UNOCCUPIED_COOLING_SP",
    "UNOCCUPIED_HEATING_SP",
    "WEEKDAYS",
    "ZONES_FLOW",
    "ZONE_COMPOSITE",
    "ZONE_TEMPLATE",
    "DemoPoints",
    "VfdPoints",
    "ZonePoints",
    "add_vfd",
    "demo_constraints",
    "demo_graph",
    "demo_points",
    "vav_equipment",
    "zone_composite",
    "zone_template",
]
