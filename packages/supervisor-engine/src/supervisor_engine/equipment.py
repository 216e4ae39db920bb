"""Standard equipment logic as composites and tag templates: the VAV zone.

The zone is the demo's zone logic drawn once: a heating and a cooling PID
on the zone temperature; cooling opens the damper from its minimum to fully
open, heating opens the reheat valve first and then the damper up to its
heating maximum; a cooling loop near saturation is one request for colder
supply air (ASHRAE Guideline 36 trim and respond).

:func:`vav_zone_template` binds the zone composite to every VAV box whose
points carry the tags it names (``examples/vav-20-tags.yaml`` in the IoT
app gives them to the simulator's VAV boxes by their object names).
"""

from __future__ import annotations

from typing import Any

from bms_schemas import CompositeDefinition
from bms_schemas.templates import EquipmentTemplate, Placeholder

VAV_ZONE = "vav_zone"
VAV_ZONE_VERSION = 1


def _span(in_low: float, in_high: float, out_low: float, out_high: float) -> dict[str, float]:
    return {"inLow": in_low, "inHigh": in_high, "outLow": out_low, "outHigh": out_high}


def _number(name: str, unit: str, doc: str, node: str, port: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": {"type": "number", "unit": unit},
        "doc": doc,
        "targets": [{"node": node, "port": port}],
    }


def vav_zone_composite(
    *,
    damper_min: float = 20.0,
    damper_heating_max: float = 50.0,
    heat_band_k: float = 2.0,
    cool_band_k: float = 1.0,
    ti_s: float = 600.0,
) -> CompositeDefinition:
    """The VAV zone composite (heating and cooling loops, damper and reheat, SAT request)."""
    pid = {"tiS": ti_s, "disableAction": "zero"}
    temp_targets = [
        {"node": "heat_pid", "port": "pv"},
        {"node": "cool_pid", "port": "pv"},
        {"node": "trend", "port": "in"},
    ]
    return CompositeDefinition.model_validate(
        {
            "name": VAV_ZONE,
            "version": VAV_ZONE_VERSION,
            "title": "VAV zone",
            "doc": "Heating and cooling loops on the zone temperature; damper and reheat "
            "sequenced; a starved cooling loop asks for colder supply air.",
            "inputs": [
                {
                    "name": "temp",
                    "type": {"type": "number", "unit": "degC"},
                    "doc": "Zone air temperature.",
                    "targets": temp_targets,
                },
                _number("heat_sp", "degC", "Heating setpoint.", "heat_pid", "setpoint"),
                _number("cool_sp", "degC", "Cooling setpoint.", "cool_pid", "setpoint"),
            ],
            "outputs": [
                {
                    "name": "damper",
                    "type": {"type": "number", "unit": "%"},
                    "doc": "Damper command.",
                    "source": {"node": "damper", "port": "out"},
                },
                {
                    "name": "reheat",
                    "type": {"type": "number", "unit": "%"},
                    "doc": "Reheat valve command.",
                    "source": {"node": "heat_split", "port": "out1"},
                },
                {
                    "name": "request",
                    "type": {"type": "integer"},
                    "doc": "Cooling requests for the supply air temperature reset (0 or 1).",
                    "source": {"node": "request", "port": "out"},
                },
            ],
            "params": [
                {
                    "name": "heatBand",
                    "type": "number",
                    "unit": "K",
                    "default": heat_band_k,
                    "minimum": 0.2,
                    "maximum": 10,
                    "doc": "Heating proportional band.",
                    "targets": [{"node": "heat_pid", "param": "proportionalBand"}],
                },
                {
                    "name": "coolBand",
                    "type": "number",
                    "unit": "K",
                    "default": cool_band_k,
                    "minimum": 0.2,
                    "maximum": 10,
                    "doc": "Cooling proportional band.",
                    "targets": [{"node": "cool_pid", "param": "proportionalBand"}],
                },
            ],
            "nodes": [
                {
                    "id": "heat_pid",
                    "type": "control.pid",
                    "params": {"action": "reverse", **pid},
                    "label": "Heating loop",
                },
                {
                    "id": "cool_pid",
                    "type": "control.pid",
                    "params": {"action": "direct", **pid},
                    "label": "Cooling loop",
                },
                {
                    "id": "heat_split",
                    "type": "control.split-range",
                    "params": {
                        "outputs": 2,
                        "segments": [
                            _span(0, 50, 0, 100),
                            _span(50, 100, damper_min, damper_heating_max),
                        ],
                    },
                },
                {
                    "id": "cool_split",
                    "type": "control.split-range",
                    "params": {"outputs": 1, "segments": [_span(0, 100, damper_min, 100)]},
                },
                {"id": "damper", "type": "select.max", "params": {"inputs": 2}},
                {
                    "id": "starved",
                    "type": "timer.hysteresis",
                    "params": {"onAbove": 95.0, "offBelow": 85.0},
                },
                {
                    "id": "one",
                    "type": "io.constant",
                    "params": {"valueType": "integer", "value": 1},
                },
                {
                    "id": "zero",
                    "type": "io.constant",
                    "params": {"valueType": "integer", "value": 0},
                },
                {"id": "request", "type": "logic.switch", "params": {"valueType": "integer"}},
                {
                    "id": "trend",
                    "type": "alarm.trend-log",
                    "params": {"intervalS": 300.0, "capacity": 2016},
                },
            ],
            "edges": [
                _edge("heat_pid", "out", "heat_split", "in"),
                _edge("cool_pid", "out", "cool_split", "in"),
                _edge("cool_split", "out1", "damper", "in1"),
                _edge("heat_split", "out2", "damper", "in2"),
                _edge("cool_pid", "out", "starved", "in"),
                _edge("starved", "out", "request", "select"),
                _edge("one", "value", "request", "on_true"),
                _edge("zero", "value", "request", "on_false"),
            ],
            "layout": {
                "heat_pid": {"x": 40, "y": 40},
                "cool_pid": {"x": 40, "y": 220},
                "heat_split": {"x": 320, "y": 40},
                "cool_split": {"x": 320, "y": 220},
                "damper": {"x": 600, "y": 140},
                "starved": {"x": 320, "y": 380},
                "one": {"x": 320, "y": 500},
                "zero": {"x": 320, "y": 580},
                "request": {"x": 600, "y": 420},
                "trend": {"x": 40, "y": 400},
            },
        }
    )


def _edge(source: str, source_port: str, target: str, target_port: str) -> dict[str, str]:
    return {
        "source": source,
        "sourcePort": source_port,
        "target": target,
        "targetPort": target_port,
    }


def vav_zone_template(
    flow: str,
    *,
    heat_sp: str = "heat_sp.out",
    cool_sp: str = "cool_sp.out",
    name: str = "zone",
) -> EquipmentTemplate:
    """The VAV zone composite, bound by tags to every VAV box, setpoints from the flow."""
    return EquipmentTemplate(
        name=name,
        composite=f"composite:{VAV_ZONE}@{VAV_ZONE_VERSION}",
        flow=flow,
        placeholders=(
            Placeholder(port="temp", tags=("zone", "air", "temp", "sensor")),
            Placeholder(port="damper", tags=("damper", "cmd")),
            Placeholder(port="reheat", tags=("reheat", "valve", "cmd")),
        ),
        links={"heat_sp": heat_sp, "cool_sp": cool_sp},
    )


__all__ = [
    "VAV_ZONE",
    "VAV_ZONE_VERSION",
    "vav_zone_composite",
    "vav_zone_template",
]
