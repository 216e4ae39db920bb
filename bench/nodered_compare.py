"""Node-RED against our engine on the same chain logic: microseconds per block, and the ratio.

The chain is the one of ``/work/shared/research/nodered-anchor.md`` (a BMS scan cycle
as Node-RED users build it): N nodes cycling through a range node (scale 0..100 to
0..101), a switch (payload < 1e12 passes), a function node (``x * 1.01 + 0.5``) and a
change node. Our engine runs the same arithmetic as N blocks: linear reset (0..100 to
0..101), limiter (+-1e12, which passes the value as the switch does), expression
(``in1 * 1.01 + 0.5``) and offset 0 (the change node's stand-in: a block that passes
the value on). A ``function``-only chain (function nodes against expression blocks)
runs too.

Node-RED (4.x, from npm) is installed at bench time into ``bench/.nodered/``
(git-ignored; not a project dependency). It runs headless (no HTTP listener) with a
closed loop of one message in flight: a driver function node sends a start value
through the chain, checks what comes back against the same arithmetic replayed in
JavaScript, counts it and sends the next; after a warm-up it counts for ``--seconds``
and writes the count to a file. Our figure is the compiled flow's tick time divided
by its blocks (CPU time of the thread, as in ``engine_eval.py``), its last output
checked against the arithmetic replayed in Python. Node-RED's figure is wall-clock
time, so ``ratio`` divides it by our wall-clock figure (``engine_wall_us_per_block``);
``ratio_cpu`` uses our thread's CPU time instead. Without npm the bench says so and
stops.

    uv run python bench/nodered_compare.py            # a table
    uv run python bench/nodered_compare.py --json     # {"results": [...]}
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bms_service.testing import free_port

HERE = Path(__file__).resolve().parent
NODERED_DIR = HERE / ".nodered"
NODERED_VERSION = "4"
RED_JS = NODERED_DIR / "node_modules" / "node-red" / "red.js"
KINDS = {"mixed": ("range", "switch", "function", "change"), "function": ("function",)}


def install_nodered() -> str:
    """Install Node-RED into bench/.nodered (once); returns its version."""
    if not RED_JS.exists():
        NODERED_DIR.mkdir(exist_ok=True)
        (NODERED_DIR / "package.json").write_text('{"name": "nodered-bench", "private": true}\n')
        print(f"installing node-red@{NODERED_VERSION} into {NODERED_DIR} ...", file=sys.stderr)
        subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--omit=dev",
                f"node-red@{NODERED_VERSION}",
            ],
            cwd=NODERED_DIR,
            check=True,
            capture_output=True,
        )
    package = json.loads((RED_JS.parent / "package.json").read_text())
    return str(package["version"])


# ---- Node-RED side ----------------------------------------------------------------------


def _replay_js(kinds: tuple[str, ...], n: int) -> str:
    """JavaScript that replays the chain's arithmetic on ``x``."""
    steps = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind == "range":
            steps.append("x = ((x - 0) / (100 - 0) * (101 - 0)) + 0;")
        elif kind == "function":
            steps.append("x = x * 1.01 + 0.5;")
    return "\n".join(steps)


def nodered_flow(
    kinds: tuple[str, ...], n: int, result_file: Path, warm_ms: int, meas_ms: int
) -> list[dict[str, Any]]:
    """The flow file: inject -> driver -> chain of n nodes -> driver; driver -> file (result)."""
    tab = {"id": "tab", "type": "tab", "label": "bench"}
    chain_ids = [f"n{i}" for i in range(n)]
    driver_code = f"""
const st = context.get('st');
if (msg.topic === 'start') {{
    st.start = Date.now();
}} else {{
    let x = st.sent;
    {_replay_js(kinds, n)}
    if (msg.payload !== x) {{ st.bad += 1; }}
    st.n += 1;
}}
const t = Date.now();
if (st.phase === 'warm' && t - st.start >= {warm_ms}) {{ st.phase = 'meas'; st.t0 = t; st.n = 0; st.bad = 0; }}
else if (st.phase === 'meas' && t - st.t0 >= {meas_ms}) {{
    st.phase = 'done';
    return [null, {{payload: JSON.stringify({{messages: st.n, ms: t - st.t0, bad: st.bad}})}}];
}}
if (st.phase === 'done') {{ return [null, null]; }}
st.sent = (st.seq % 1000) * 0.1;
st.seq += 1;
return [{{payload: st.sent, topic: 'x'}}, null];
"""
    nodes: list[dict[str, Any]] = [
        tab,
        {
            "id": "inject", "type": "inject", "z": "tab", "once": True, "onceDelay": 0.5,
            "props": [{"p": "payload"}, {"p": "topic", "vt": "str"}], "topic": "start", "payload": "", "payloadType": "str", "repeat": "",
            "wires": [["driver"]],
        },
        {
            "id": "driver", "type": "function", "z": "tab", "name": "driver",
            "func": driver_code, "outputs": 2,
            "initialize": "context.set('st', {phase: 'warm', n: 0, bad: 0, seq: 0, sent: 0});",
            "wires": [[chain_ids[0]], ["result"]],
        },
        {
            "id": "result", "type": "file", "z": "tab", "filename": str(result_file),
            "filenameType": "str", "appendNewline": True, "createDir": False,
            "overwriteFile": "true", "encoding": "none", "wires": [],
        },
    ]  # fmt: skip
    for i, node_id in enumerate(chain_ids):
        nxt = [chain_ids[i + 1]] if i + 1 < n else ["driver"]
        kind = kinds[i % len(kinds)]
        if kind == "range":
            node = {
                "type": "range", "minin": "0", "maxin": "100", "minout": "0", "maxout": "101",
                "action": "scale", "round": False, "property": "payload",
            }  # fmt: skip
        elif kind == "switch":
            node = {
                "type": "switch", "property": "payload", "propertyType": "msg",
                "rules": [{"t": "lt", "v": "1e12", "vt": "num"}, {"t": "else"}],
                "checkall": "true", "repair": False, "outputs": 2,
            }  # fmt: skip
            nodes.append({"id": node_id, "z": "tab", **node, "wires": [nxt, []]})
            continue
        elif kind == "function":
            node = {
                "type": "function",
                "func": "msg.payload = msg.payload * 1.01 + 0.5;\nreturn msg;",
                "outputs": 1,
            }
        else:
            node = {
                "type": "change",
                "rules": [{"t": "set", "p": "topic", "pt": "msg", "to": f"zone/{i}", "tot": "str"}],
            }
        nodes.append({"id": node_id, "z": "tab", **node, "wires": [nxt]})
    for i, node in enumerate(nodes[1:]):  # Node-RED takes a node without x/y for a config node
        node.update(x=100 + 10 * i, y=100)
    return nodes


def run_nodered(kinds: tuple[str, ...], n: int, seconds: float, warm_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="nodered-bench-") as tmp:
        user_dir = Path(tmp)
        result = user_dir / "result.json"
        flows = user_dir / "flows.json"
        flows.write_text(
            json.dumps(nodered_flow(kinds, n, result, int(warm_s * 1000), int(seconds * 1000)))
        )
        settings = user_dir / "settings.js"
        # a port nobody listens on: the bench runs beside a stack or another bench
        settings.write_text(
            "module.exports = { httpAdminRoot: false, httpNodeRoot: false, uiHost: '127.0.0.1',"
            f" uiPort: {free_port()}, logging: {{ console: {{ level: 'warn' }} }}, editorTheme: {{}} }};\n"
        )
        proc = subprocess.Popen(
            [
                "node",
                str(RED_JS),
                "--settings",
                str(settings),
                "--userDir",
                str(user_dir),
                str(flows),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            deadline = time.monotonic() + warm_s + seconds + 60
            rss_kb = 0
            while not (result.exists() and result.read_text().strip()):
                # peak RSS so far; Node-RED exits by itself once the loop stops (it has
                # no listener keeping it alive), so it is read while it runs
                rss_kb = max(rss_kb, _peak_rss_kb(proc.pid))
                if proc.poll() is not None:
                    raise SystemExit(
                        f"Node-RED exited: {proc.stderr.read() if proc.stderr else ''}"
                    )
                if time.monotonic() > deadline:
                    raise SystemExit("Node-RED gave no result in time")
                time.sleep(0.2)
            time.sleep(0.1)
            figures = json.loads(result.read_text().strip().splitlines()[0])
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    if figures["bad"] or not figures["messages"]:
        raise SystemExit(f"Node-RED computed wrong values: {figures}")
    us_per_block = figures["ms"] * 1000 / figures["messages"] / n
    return {
        "us_per_block": us_per_block,
        "messages": figures["messages"],
        "peak_rss_mb": rss_kb / 1024,
    }


def _peak_rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    hwm = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")]
    return int(hwm[0]) if hwm else 0  # a process that already exited has none


# ---- our engine --------------------------------------------------------------------------

OUR_BLOCKS = {
    "range": ("math.linear-reset", {"x1": 0, "y1": 0, "x2": 100, "y2": 101, "clamp": False}),
    "switch": ("math.limiter", {"min": -1e12, "max": 1e12}),
    "function": ("math.expression", {"expression": "in1 * 1.01 + 0.5", "inputs": 1}),
    "change": ("math.offset", {"offset": 0.0}),
}


def run_engine(kinds: tuple[str, ...], n: int, seconds: float) -> dict[str, float]:
    from bms_schemas import PointValue, Quality
    from supervisor_engine import compile_graph, default_registry
    from supervisor_engine.testing import GraphBuilder

    g = GraphBuilder()
    previous, port = g.node("io.point-input", "start", point="1/analog-value,1"), "value"
    for i in range(n):
        type_, params = OUR_BLOCKS[kinds[i % len(kinds)]]
        node = g.node(type_, f"b{i}", **params)
        g.wire(previous, port, node, "in1" if type_ == "math.expression" else "in")
        previous, port = node, "out"
    flow = compile_graph(g.build(), default_registry()).flows["main"]
    t0 = datetime(2025, 1, 6, tzinfo=UTC)
    snaps = [
        {
            "1/analog-value,1/present-value": PointValue.model_construct(
                value=(k % 1000) * 0.1, quality=Quality.OK, timestamp=t0, units=None
            )
        }
        for k in range(1000)
    ]
    last = f"b{n - 1}"

    def replay(x: float) -> float:
        for i in range(n):
            kind = kinds[i % len(kinds)]
            if kind == "range":
                x = ((x - 0) / (100 - 0) * (101 - 0)) + 0
            elif kind == "function":
                x = x * 1.01 + 0.5
        return x

    ticks, began_cpu, began = 0, time.thread_time(), time.perf_counter()
    while time.perf_counter() - began < seconds:
        for k in range(100):
            flow.tick(float(ticks), t0 + timedelta(seconds=ticks), 1.0, snaps[k * 7 % 1000])
            ticks += 1
    cpu = time.thread_time() - began_cpu
    wall = time.perf_counter() - began
    value, _quality = flow.output(last, "out")
    expected = replay(((99 * 7) % 1000) * 0.1)
    if not math.isclose(value, expected, rel_tol=1e-9):
        raise SystemExit(f"our chain computed {value}, the arithmetic gives {expected}")
    # per chain block, the point input that starts the chain (as Node-RED's driver) not counted
    return {"us_per_block": cpu / ticks / n * 1e6, "wall_us_per_block": wall / ticks / n * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per run")
    parser.add_argument("--warm", type=float, default=5.0, help="Node-RED warm-up per run")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100, 1000])
    parser.add_argument("--chains", nargs="*", default=["mixed", "function"], choices=list(KINDS))
    args = parser.parse_args()
    if shutil.which("npm") is None or shutil.which("node") is None:
        message = "npm/node not found: the Node-RED comparison is skipped"
        print(json.dumps({"skipped": message}) if args.json else message)
        return
    version = install_nodered()
    results = []
    for chain in args.chains:
        for n in args.sizes:
            kinds = KINDS[chain]
            red = run_nodered(kinds, n, args.seconds, args.warm)
            ours = run_engine(kinds, n, args.seconds)
            results.append(
                {
                    "chain": chain,
                    "blocks": n,
                    "nodered_us_per_block": round(red["us_per_block"], 3),
                    "engine_us_per_block": round(ours["us_per_block"], 4),
                    "engine_wall_us_per_block": round(ours["wall_us_per_block"], 4),
                    # wall clock on both sides (Node-RED's figure is wall clock), so that a
                    # loaded machine weighs on both alike
                    "ratio": round(red["us_per_block"] / ours["wall_us_per_block"], 1),
                    "ratio_cpu": round(red["us_per_block"] / ours["us_per_block"], 1),
                    "nodered_messages": red["messages"],
                    "nodered_peak_rss_mb": round(red["peak_rss_mb"], 1),
                }
            )
    if args.json:
        print(json.dumps({"nodered_version": version, "results": results}))
        return
    print(
        f"Node-RED {version} (node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}) vs our compiled engine"
    )
    print(
        f"{'chain':>9} {'blocks':>6} {'Node-RED us/block':>18} {'ours us/block':>14} {'ratio':>7} "
        f"{'ours CPU us/block':>18} {'ratio CPU':>9} {'NR peak RSS MB':>15}"
    )
    for r in results:
        print(
            f"{r['chain']:>9} {r['blocks']:>6} {r['nodered_us_per_block']:>18.2f} "
            f"{r['engine_wall_us_per_block']:>14.3f} {r['ratio']:>6.1f}x "
            f"{r['engine_us_per_block']:>18.3f} {r['ratio_cpu']:>8.1f}x {r['nodered_peak_rss_mb']:>15.1f}"
        )


if __name__ == "__main__":
    main()
