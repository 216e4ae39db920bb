"""Simulation before deploy: input signals to an input trace, then ``supervisor_engine.simulate``."""

from __future__ import annotations

import math

from bms_schemas import PointRef, PointRefError, Scalar
from bms_schemas.designer import (
    ConstantSignal,
    InputSignal,
    ProjectContent,
    RampSignal,
    RecordedSignal,
    SimulationRequest,
    SimulationResult,
    SineSignal,
    StepSignal,
)
from designer.building import project_bundle
from designer.errors import InvalidInputError, InvalidProjectError
from supervisor_engine import InputTrace, Registry, simulate

MAX_SAMPLES = 200_000
MAX_TICKS = 200_000
"""Most ticks one simulate request may run (about a second or two of CPU for a small flow)."""
"""Generated samples per request: enough for a week at 5 s, small enough to answer fast."""


def _grid(start: float, stop: float, step: float) -> list[float]:
    count = math.floor((stop - start) / step + 1e-9) + 1
    return [start + i * step for i in range(max(count, 1))]


def signal_samples(signal: InputSignal, duration_s: float) -> list[tuple[float, Scalar]]:
    """The (time, value) samples of one signal over the run."""
    if isinstance(signal, ConstantSignal):
        return [(0.0, signal.value)]
    if isinstance(signal, StepSignal):
        return [(0.0, signal.before), (signal.at_s, signal.after)]
    if isinstance(signal, RecordedSignal):
        return [(t, v) for t, v in signal.samples]
    if isinstance(signal, RampSignal):
        end = min(duration_s, signal.start_s + signal.duration_s)
        span = signal.end - signal.start
        samples: list[tuple[float, Scalar]] = [(0.0, signal.start)]
        for t in _grid(signal.start_s, end, signal.sample_s):
            samples.append((t, signal.start + span * (t - signal.start_s) / signal.duration_s))
        samples.append(
            (end, signal.end if end >= signal.start_s + signal.duration_s else samples[-1][1])
        )
        return samples
    assert isinstance(signal, SineSignal)
    return [
        (
            t,
            signal.offset
            + signal.amplitude * math.sin(2 * math.pi * (t + signal.phase_s) / signal.period_s),
        )
        for t in _grid(0.0, duration_s, signal.sample_s)
    ]


def input_trace(request: SimulationRequest) -> InputTrace:
    samples: list[tuple[float, str, Scalar]] = []
    for index, signal in enumerate(request.inputs):
        # one canonical form, as the engine binds its point inputs: "2102/analog-input,1"
        # feeds the same input as "2102/analog-input,1/present-value"
        try:
            point = str(PointRef.parse(signal.point))
        except PointRefError as err:
            raise InvalidInputError(str(err), field=f"inputs.{index}.point") from err
        points = signal_samples(signal, request.duration_s)
        samples += [(t, point, v) for t, v in points]
        if len(samples) > MAX_SAMPLES:
            raise InvalidInputError(
                f"the inputs make more than {MAX_SAMPLES} samples; use a larger sampleS",
                field=f"inputs.{index}.sampleS",
            )
    samples.sort(key=lambda s: s[0])
    return InputTrace(tuple(samples))


def run(
    content: ProjectContent, request: SimulationRequest, registry: Registry
) -> SimulationResult:
    """Simulate the project (or one of its flows) on the virtual clock."""
    if request.flow is not None:
        flow_ids = {f.id for f in content.graph.flows}
        if request.flow not in flow_ids:
            raise InvalidInputError(f"the project has no flow {request.flow!r}", field="flow")
        graph = content.graph
        nodes = tuple(n for n in graph.nodes if n.flow == request.flow)
        kept = {n.id for n in nodes}
        graph = graph.model_copy(
            update={
                "flows": tuple(f for f in graph.flows if f.id == request.flow),
                "nodes": nodes,
                "edges": tuple(e for e in graph.edges if e.source in kept and e.target in kept),
            }
        )
        bindings = {k: v for k, v in content.bindings.items() if k in kept}
        content = content.model_copy(update={"graph": graph, "bindings": bindings})
    bundle, issues = project_bundle(
        content, registry, version="0.0.0-simulation", created_by="simulation"
    )
    if issues:
        raise InvalidProjectError(
            f"the project does not validate: {issues[0].message}",
            field="content.graph",
            details={"issues": [i.model_dump(mode="json") for i in issues]},
        )
    ticks = sum(request.duration_s * 1000 / f.schedule.period_ms + 1 for f in bundle.graph.flows)
    if ticks > MAX_TICKS:
        # the simulation runs inside a request: bound its work, whatever the duration allows
        raise InvalidInputError(
            f"a {request.duration_s:g} s simulation would run {ticks:,.0f} ticks; at most "
            f"{MAX_TICKS:,} per request (shorten durationS or lengthen the flow's period)",
            field="durationS",
        )
    trace = simulate(
        bundle, registry, input_trace(request), request.duration_s, watch=request.watch
    )
    return SimulationResult(
        columns=("time_s", *trace.columns), rows=tuple(tuple(r) for r in trace.rows)
    )
