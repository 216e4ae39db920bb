"""The evaluation benchmark keeps running and keeps its output format (figures are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "engine_eval.py"


def test_engine_eval_prints_its_json_figures():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--json", "--sizes", "100", "--ticks", "20"],
        capture_output=True,
        text=True,
        check=True,
    )
    [row] = json.loads(result.stdout)["results"]
    assert row["blocks"] == 100
    assert set(row) >= {
        "blocks",
        "us_per_tick",
        "ns_per_block",
        "interpreted_ns_per_block",
        "compiled_ns_per_block",
        "peak_rss_mb",
    }
    assert row["us_per_tick"] > 0
    assert row["writes_per_tick"] > 0  # the graph really commands its outputs
