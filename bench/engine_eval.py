"""Engine evaluation speed: the interpreter and the compiled flows side by side.

Generated graphs of 100, 1,000 and 10,000 blocks (a realistic mix, see
``graphs.py``), 1,000 ticks each, with input values changing every tick so
that outputs really write. Each size runs in its own process (so that the peak
RSS figure belongs to that size; it holds both forms of the flow). Inside it
the two forms run in alternating rounds, so that a machine whose load changes
during the run weighs on both alike; each figure is the median of the rounds.
Both must produce the same writes, or the bench fails.

The ``*_ns_per_block`` figures are CPU time of the evaluating thread, which a
busy machine (other processes taking turns on the cores) inflates far less
than wall-clock time; the wall-clock figures are printed beside them
(``*_wall_ns_per_block``).

    uv run python bench/engine_eval.py            # a table
    uv run python bench/engine_eval.py --json     # {"results": [{"blocks", ...}]}

Each entry has ``interpreted_ns_per_block`` and ``compiled_ns_per_block``;
``ns_per_block`` and ``us_per_tick`` are the compiled form's (what the engine runs).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graphs import input_points, realistic_graph

SIZES = (100, 1_000, 10_000)
TICKS = 1_000


ROUNDS = 7


def measure(blocks: int, ticks: int) -> dict[str, float]:
    """Run one size in this process and return its figures."""
    from bms_schemas import PointValue, Quality
    from supervisor_engine import compile_graph, default_registry
    from supervisor_engine.readings import Readings

    graph = realistic_graph(blocks)
    registry = default_registry()
    interpreted = compile_graph(graph, registry, engine="interpreted").flows["main"]
    began = time.perf_counter()
    compiled = compile_graph(graph, registry).flows["main"]
    compile_s = time.perf_counter() - began
    points = input_points(graph)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    # Inputs are prepared up front: the figure is evaluation, not building PointValues.
    # They are held as the engine's adapter holds them (a Readings, which digests each
    # value as it arrives, once, rather than once per reader per tick).
    snapshots = []
    for k in range(8):
        wall = start + timedelta(seconds=k)
        snapshots.append(
            Readings(
                {
                    point: PointValue.model_construct(
                        value=(k % 2 == 0) if is_bool else 20.0 + k * 0.5,
                        quality=Quality.OK,
                        timestamp=wall,
                        units=None,
                    )
                    for point, is_bool in points
                }
            )
        )
    walls = [start + timedelta(seconds=k) for k in range(8)]
    per_round = max(1, ticks // ROUNDS)
    elapsed: dict[str, list[float]] = {"interpreted": [], "compiled": []}
    cpu: dict[str, list[float]] = {"interpreted": [], "compiled": []}
    writes: dict[str, list[tuple[str, object]]] = {"interpreted": [], "compiled": []}
    clock = {"interpreted": 0, "compiled": 0}
    for _round in range(ROUNDS):
        for name, flow in (("interpreted", interpreted), ("compiled", compiled)):
            log = writes[name]
            k0 = clock[name]
            began, began_cpu = time.perf_counter(), time.thread_time()
            for k in range(k0, k0 + per_round):
                result = flow.tick(float(k), walls[k % 8], 1.0, snapshots[k % 8])
                log += [(w.point, w.value) for w in result.writes]
            cpu[name].append(time.thread_time() - began_cpu)
            elapsed[name].append(time.perf_counter() - began)
            clock[name] = k0 + per_round
    if writes["interpreted"] != writes["compiled"]:
        raise SystemExit("the compiled flow wrote something else than the interpreter")
    actual_blocks = len(graph.nodes)

    def ns_per_block(times: list[float]) -> float:
        return statistics.median(times) / per_round * 1e9 / actual_blocks

    interp_ns, compiled_ns = ns_per_block(cpu["interpreted"]), ns_per_block(cpu["compiled"])
    return {
        "blocks": actual_blocks,
        "ticks": per_round * ROUNDS,
        "us_per_tick": round(compiled_ns * actual_blocks / 1000, 2),
        "ns_per_block": round(compiled_ns, 1),
        "interpreted_ns_per_block": round(interp_ns, 1),
        "compiled_ns_per_block": round(compiled_ns, 1),
        "speedup": round(interp_ns / compiled_ns, 2),
        "interpreted_wall_ns_per_block": round(ns_per_block(elapsed["interpreted"]), 1),
        "compiled_wall_ns_per_block": round(ns_per_block(elapsed["compiled"]), 1),
        "compile_s": round(compile_s, 2),
        "writes_per_tick": round(len(writes["compiled"]) / (per_round * ROUNDS), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--ticks", type=int, default=TICKS)
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child-process mode
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.ticks)))
        return
    results = []
    for size in args.sizes:
        child = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--ticks", str(args.ticks)],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(child.stdout))
    if args.json:
        print(json.dumps({"results": results}))
        return
    print("ns per block: CPU time of the evaluating thread (wall clock in brackets)")
    print(
        f"{'blocks':>8} {'ticks':>6} {'interpreted':>20} {'compiled':>20} {'speedup':>7} "
        f"{'compiled us/tick':>16} {'compile s':>9} {'writes/tick':>11} {'peak RSS MB':>11}"
    )
    for r in results:
        interp = f"{r['interpreted_ns_per_block']:.1f} ({r['interpreted_wall_ns_per_block']:.0f})"
        comp = f"{r['compiled_ns_per_block']:.1f} ({r['compiled_wall_ns_per_block']:.0f})"
        print(
            f"{r['blocks']:>8} {r['ticks']:>6} {interp:>20} {comp:>20} {r['speedup']:>6.2f}x "
            f"{r['us_per_tick']:>16.1f} {r['compile_s']:>9.2f} {r['writes_per_tick']:>11.1f} "
            f"{r['peak_rss_mb']:>11.1f}"
        )


if __name__ == "__main__":
    main()
