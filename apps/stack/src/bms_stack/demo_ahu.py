"""The air handler's logic as composites, so its flow reads as a few instances and its points.

The ``ahu`` flow of the demo (:mod:`bms_stack.demo_project`) wires a supply-fan instance
(:func:`fan_composite`) and a supply-air instance (:func:`supply_air_composite`) to its
points. The engine library flattens them at compile time (``supervisor_engine.composites``):
the flat graph holds the same blocks with the same parameters and wires as when they were
drawn one by one, only their ids change (``fan__proof`` for ``fan_proof``). With the Modbus VFD, a third instance
(:func:`vfd_composite`) commands its speed.

Operator parameters (``io.parameter``) stay in the flow: they are adjusted while running,
by node id, and a composite's parameters are fixed when it is deployed.
"""

from __future__ import annotations

from typing import Any

from bms_schemas import CompositeDefinition

FAN_COMPOSITE = "demo_supply_fan"
SUPPLY_AIR_COMPOSITE = "demo_supply_air"
VFD_COMPOSITE = "demo_fan_vfd"
AHU_COMPOSITE_VERSION = 1
FAN_ALARM_LABEL = "fan_alarm"
"""The fan alarm's label, which its text names: as it was before the fan became a composite."""
VFD_ALARM_LABEL = "vfd_alarm"
"""The VFD alarm's label, likewise."""

DEGC = {"type": "number", "unit": "degC"}
PERCENT = {"type": "number", "unit": "%"}
BOOL = {"type": "bool"}


def span(in_low: float, in_high: float, out_low: float, out_high: float) -> dict[str, float]:
    """One segment of a ``control.split-range``."""
    return {"inLow": in_low, "inHigh": in_high, "outLow": out_low, "outHigh": out_high}


def wire(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    """An edge between two inner nodes of a composite."""
    return {
        "source": source,
        "sourcePort": source_port,
        "target": target,
        "targetPort": target_port,
    }


def composite_input(
    name: str, type_: dict[str, str], doc: str, *targets: tuple[str, str]
) -> dict[str, Any]:
    """A composite's input port driving the inner ports ``targets`` (node, port)."""
    return {
        "name": name,
        "type": type_,
        "doc": doc,
        "targets": [{"node": n, "port": p} for n, p in targets],
    }


def composite_output(
    name: str, type_: dict[str, str], doc: str, node: str, port: str
) -> dict[str, Any]:
    """A composite's output port, from the inner port ``node.port``."""
    return {"name": name, "type": type_, "doc": doc, "source": {"node": node, "port": port}}


def fan_composite() -> CompositeDefinition:
    """Supply fan: runs while occupied or below the night low limit; proof and alarm."""
    return CompositeDefinition.model_validate(
        {
            "name": FAN_COMPOSITE,
            "version": AHU_COMPOSITE_VERSION,
            "title": "Supply fan",
            "doc": "Runs the fan while occupied, or at night while the coldest zone is below the "
            "night low limit (with hysteresis); compares the fan status with the command and "
            "raises an alarm on a fault.",
            "inputs": [
                composite_input("occupied", BOOL, "Occupancy schedule.", ("request", "in1")),
                composite_input("coldest", DEGC, "The coldest zone's temperature.",
                                ("night_deficit", "b")),
                composite_input("night_low", DEGC, "Night low limit.", ("night_deficit", "a")),
                composite_input("status", BOOL, "Fan status.", ("proof", "status")),
            ],
            "outputs": [
                composite_output("run", BOOL, "Fan command.", "request", "out"),
                composite_output("proven", BOOL, "The fan runs as commanded.", "proof", "proven"),
            ],
            "params": [
                {"name": "proofDelayS", "type": "number", "unit": "s", "default": 30.0,
                 "minimum": 0, "maximum": 600,
                 "doc": "How long status may differ from command before it is a fault.",
                 "targets": [{"node": "proof", "param": "delayS"}]},
            ],
            "nodes": [
                {"id": "night_deficit", "type": "math.subtract", "label": "Below night limit"},
                {"id": "night_low_limit", "type": "timer.hysteresis", "label": "Night low limit",
                 "params": {"onAbove": 0.5, "offBelow": -1.0}},
                {"id": "request", "type": "logic.or", "label": "Fan request",
                 "params": {"inputs": 2}},
                {"id": "proof", "type": "control.proof", "label": "Fan proof",
                 "params": {"delayS": 30.0}},
                {"id": "alarm", "type": "alarm.bool", "label": FAN_ALARM_LABEL},
            ],
            "edges": [
                wire("night_deficit", "out", "night_low_limit", "in"),
                wire("night_low_limit", "out", "request", "in2"),
                wire("request", "out", "proof", "command"),
                wire("proof", "fault", "alarm", "in"),
            ],
            "layout": _columns([["night_deficit"], ["night_low_limit"], ["request"],
                                ["proof"], ["alarm"]]),
        }
    )  # fmt: skip


def supply_air_composite() -> CompositeDefinition:
    """Supply air temperature: reset by trim and respond, one loop split over the coils."""
    return CompositeDefinition.model_validate(
        {
            "name": SUPPLY_AIR_COMPOSITE,
            "version": AHU_COMPOSITE_VERSION,
            "title": "Supply air",
            "doc": "Supply air temperature setpoint reset by trim and respond from the zones' "
            "requests (Guideline 36), never above an outdoor-air reset; a PID on it split into "
            "heating valve, outdoor-air damper (only while economizing, by differential dry "
            "bulb) and cooling valve.",
            "inputs": [
                composite_input("requests", {"type": "integer"}, "The zones' cooling requests.",
                                ("reset", "requests")),
                composite_input("proven", BOOL, "The supply fan runs.", ("reset", "device_on"),
                                ("pid", "enable")),
                composite_input("sat", DEGC, "Supply air temperature.", ("pid", "pv")),
                composite_input("oat", DEGC, "Outdoor air temperature.", ("oat_limit", "in"),
                                ("economizer", "oat")),
                composite_input("rat", DEGC, "Return air temperature.", ("economizer", "rat")),
            ],
            "outputs": [
                composite_output("heating", PERCENT, "Heating valve command.", "split", "out1"),
                composite_output("oa_damper", PERCENT, "Outdoor-air damper command.",
                                 "oa_damper", "out"),
                composite_output("cooling", PERCENT, "Cooling valve command.", "split", "out3"),
            ],
            "nodes": [
                # Guideline 36's defaults (I = 2, trim +0.1 K, respond -0.2 K a request, at most
                # -0.6 K): ignoring only one request made the reset hunt all afternoon (a
                # 25-minute sawtooth). The floor is 12 degC, which a hot design day needs
                # (iot-supervisor-app tests/test_design_days.py).
                {"id": "reset", "type": "hvac.trim-respond", "label": "Trim and respond",
                 "params": {"sp0": 16.0, "spMin": 12.0, "spMax": 18.0, "delayS": 300.0,
                            "stepS": 120.0, "ignoredRequests": 2, "spTrim": 0.1, "spRes": -0.2,
                            "spResMax": -0.6}},
                # Guideline 36 also lowers the supply air with the outdoor air (18 degC at 16 degC
                # outdoors, 12 degC from 21 degC): with I = 2 the two starved zones of a hot day,
                # or of a step in gains, are never answered by trim and respond alone.
                {"id": "oat_limit", "type": "math.linear-reset", "label": "Outdoor air limit",
                 "params": {"x1": 16.0, "y1": 18.0, "x2": 21.0, "y2": 12.0}},
                {"id": "setpoint", "type": "select.min", "label": "Setpoint",
                 "params": {"inputs": 2}},
                {"id": "pid", "type": "control.pid", "label": "Supply air loop",
                 "params": {"action": "direct", "proportionalBand": 10.0, "tiS": 120.0,
                            "disableAction": "fallback", "fallbackValue": 32.0}},
                {"id": "split", "type": "control.split-range", "label": "Heat, economize, cool",
                 "params": {"outputs": 3, "segments": [span(0, 30, 100, 0), span(35, 65, 0, 100),
                                                        span(70, 100, 0, 100)]}},
                {"id": "economizer", "type": "hvac.economizer-enable", "label": "Economizer",
                 "params": {"mode": "differential-dry-bulb", "highLimit": 21.0}},
                {"id": "damper_closed", "type": "io.constant", "params": {"value": 0.0}},
                {"id": "oa_damper", "type": "logic.switch", "label": "Outdoor-air damper"},
            ],
            "edges": [
                wire("reset", "setpoint", "setpoint", "in1"),
                wire("oat_limit", "out", "setpoint", "in2"),
                wire("setpoint", "out", "pid", "setpoint"),
                wire("pid", "out", "split", "in"),
                wire("economizer", "enable", "oa_damper", "select"),
                wire("split", "out2", "oa_damper", "on_true"),
                wire("damper_closed", "value", "oa_damper", "on_false"),
            ],
            "layout": _columns([["reset", "oat_limit"], ["setpoint", "economizer"],
                                ["pid", "damper_closed"], ["split"], ["oa_damper"]]),
        }
    )  # fmt: skip


def vfd_composite() -> CompositeDefinition:
    """Supply-fan VFD: the speed setpoint while the fan runs, 0 % otherwise; feedback checked."""
    return CompositeDefinition.model_validate(
        {
            "name": VFD_COMPOSITE,
            "version": AHU_COMPOSITE_VERSION,
            "title": "Fan VFD",
            "doc": "Commands the speed setpoint while the fan runs (0 % otherwise), trends the "
            "speed feedback and raises an alarm when it stays more than 10 % from the command.",
            "inputs": [
                composite_input("run", BOOL, "Fan command.", ("speed", "select")),
                composite_input("speed_sp", PERCENT, "Speed while running.", ("speed", "on_true")),
                composite_input("feedback", PERCENT, "The drive's speed feedback.",
                                ("tracking", "pv"), ("trend", "in")),
            ],
            "outputs": [
                composite_output("speed", PERCENT, "Speed command.", "speed", "out"),
            ],
            "nodes": [
                {"id": "stopped", "type": "io.constant", "params": {"value": 0.0}},
                {"id": "speed", "type": "logic.switch", "label": "Speed"},
                {"id": "tracking", "type": "control.loop-deviation-alarm", "label": "Tracking",
                 "params": {"limit": 10.0, "delayS": 60.0, "deadband": 2.0}},
                {"id": "alarm", "type": "alarm.bool", "label": VFD_ALARM_LABEL},
                {"id": "trend", "type": "alarm.trend-log", "label": "Speed trend",
                 "params": {"intervalS": 60.0, "capacity": 1440}},
            ],
            "edges": [
                wire("stopped", "value", "speed", "on_false"),
                wire("speed", "out", "tracking", "setpoint"),
                wire("tracking", "alarm", "alarm", "in"),
            ],
            "layout": _columns([["stopped", "trend"], ["speed"], ["tracking"], ["alarm"]]),
        }
    )  # fmt: skip


def _columns(columns: list[list[str]]) -> dict[str, dict[str, float]]:
    """The inside's positions (when opened on the canvas): columns left to right."""
    return {
        node: {"x": 20.0 + 230.0 * c, "y": 20.0 + 130.0 * r}
        for c, column in enumerate(columns)
        for r, node in enumerate(column)
    }


__all__ = [
    "AHU_COMPOSITE_VERSION",
    "FAN_ALARM_LABEL",
    "FAN_COMPOSITE",
    "SUPPLY_AIR_COMPOSITE",
    "VFD_ALARM_LABEL",
    "VFD_COMPOSITE",
    "composite_input",
    "composite_output",
    "fan_composite",
    "span",
    "supply_air_composite",
    "vfd_composite",
    "wire",
]
