"""Engine evaluation speed: microseconds per tick and nanoseconds per block.

Generated graphs of 100, 1,000 and 10,000 blocks (a realistic mix, see
``graphs.py``), 1,000 ticks each, with input values changing every tick so
that outputs really write. Each size runs in its own process so that the
peak RSS figure belongs to that size alone.

    uv run python bench/engine_eval.py            # a table
    uv run python bench/engine_eval.py --json     # {"results": [...]}
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from graphs import input_points, realistic_graph

SIZES = (100, 1_000, 10_000)
TICKS = 1_000


def measure(blocks: int, ticks: int) -> dict[str, float]:
    """Run one size in this process and return its figures."""
    from bms_schemas import PointValue, Quality
    from supervisor_engine import compile_graph, default_registry

    graph = realistic_graph(blocks)
    flow = compile_graph(graph, default_registry()).flows["main"]
    points = input_points(graph)
    start = datetime(2025, 1, 6, tzinfo=UTC)
    # Inputs are prepared up front: the figure is evaluation, not building PointValues.
    snapshots = []
    for k in range(8):
        wall = start + timedelta(seconds=k)
        snapshots.append(
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
    writes = 0
    began = time.perf_counter()
    for k in range(ticks):
        snapshot = snapshots[k % 8]
        result = flow.tick(float(k), start + timedelta(seconds=k % 8), 1.0, snapshot)
        writes += len(result.writes)
    elapsed = time.perf_counter() - began
    actual_blocks = len(graph.nodes)
    us_per_tick = elapsed / ticks * 1e6
    return {
        "blocks": actual_blocks,
        "ticks": ticks,
        "us_per_tick": round(us_per_tick, 2),
        "ns_per_block": round(us_per_tick * 1000 / actual_blocks, 1),
        "writes_per_tick": round(writes / ticks, 1),
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
    print(
        f"{'blocks':>8} {'ticks':>6} {'us/tick':>10} {'ns/block':>9} {'writes/tick':>11} {'peak RSS MB':>11}"
    )
    for r in results:
        print(
            f"{r['blocks']:>8} {r['ticks']:>6} {r['us_per_tick']:>10.1f} {r['ns_per_block']:>9.1f} "
            f"{r['writes_per_tick']:>11.1f} {r['peak_rss_mb']:>11.1f}"
        )


if __name__ == "__main__":
    main()
