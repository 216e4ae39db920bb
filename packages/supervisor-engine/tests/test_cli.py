"""The CLI as a user runs it: real files in a temp dir, exit codes, messages, no tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supervisor_engine import bundle_document
from supervisor_engine.cli import app
from supervisor_engine.testing import GraphBuilder, make_bundle

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def write_bundle(path: Path, builder: GraphBuilder) -> Path:
    path.write_text(json.dumps(bundle_document(make_bundle(builder.build())), indent=2))
    return path


def zone_graph() -> GraphBuilder:
    g = GraphBuilder(period_ms=60_000)
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    sp = g.node("io.constant", "sp", value=21.0)
    hot = g.node("logic.compare", "hot", op=">")
    o = g.node("io.point-output", "fan", point="1/binary-output,1", valueType="bool", priority=8)
    g.wire(t, "value", hot, "a").wire(sp, "value", hot, "b").wire(hot, "out", o, "value")
    return g


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "k.pem", tmp_path / "k.pub"
    result = run("keygen", "--private", private, "--public", public)
    assert result.exit_code == 0, result.output
    return private, public


def test_keygen_writes_a_private_key_only_its_owner_can_read(keys):
    private, public = keys
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    again = run("keygen", "--private", private, "--public", public)
    assert again.exit_code != 0
    assert "exists" in again.output


def test_validate_accepts_a_good_bundle(tmp_path):
    result = run("validate", write_bundle(tmp_path / "b.json", zone_graph()))
    assert result.exit_code == 0
    assert "valid bundle 1.0.0" in result.output


def test_validate_prints_the_cycles_node_ids_and_fails(tmp_path):
    g = GraphBuilder()
    k = g.node("io.constant", "k", value=1.0)
    g.node("math.add", "mix")
    g.node("math.multiply", "gain")
    g.wire(k, "value", "mix", "in1").wire("gain", "out", "mix", "in2")
    g.wire("mix", "out", "gain", "in1").wire(k, "value", "gain", "in2")
    result = run("validate", write_bundle(tmp_path / "b.json", g))
    assert result.exit_code == 1
    assert "[cycle]" in result.output
    assert "nodes: gain mix" in result.output or "nodes: mix gain" in result.output


def test_sign_then_verify_then_one_changed_byte_fails(tmp_path, keys):
    private, public = keys
    unsigned = write_bundle(tmp_path / "b.json", zone_graph())
    signed = tmp_path / "signed.json"
    assert run("sign", unsigned, "--key", private, "-o", signed).exit_code == 0
    ok = run("verify", signed, "--public-key", public)
    assert ok.exit_code == 0
    assert "signature OK" in ok.output
    data = bytearray(signed.read_bytes())
    at = data.index(b'"value": 21.0') + len(b'"value": 2')
    data[at : at + 1] = b"2"  # 21.0 -> 22.0: still valid JSON, one byte changed
    signed.write_bytes(bytes(data))
    bad = run("verify", signed, "--public-key", public)
    assert bad.exit_code == 1
    assert "signature does not match" in bad.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["validate", "missing.json"], "cannot read"),
        (["verify", "notjson.txt", "--public-key", "k.pub"], "not valid JSON"),
        (["sign", "b.json", "--key", "notjson.txt"], "not a readable unencrypted PEM private key"),
        (["simulate", "b.json", "--duration", "soon"], "not a duration"),
        (["simulate", "b.json", "--watch", "nope.out"], "cannot watch"),
    ],
)
def test_user_mistakes_give_one_clear_line_and_a_non_zero_exit(
    tmp_path, keys, args, message, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_bundle(tmp_path / "b.json", zone_graph())
    (tmp_path / "notjson.txt").write_text("hello")
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_simulate_writes_the_output_trace_as_csv(tmp_path):
    bundle = write_bundle(tmp_path / "b.json", zone_graph())
    trace = tmp_path / "in.csv"
    trace.write_text('time,"1/analog-input,1/present-value"\n0,20\n5m,22\n10m,20.5\n')
    out = tmp_path / "out.csv"
    result = run(
        "simulate", bundle, "--inputs", trace, "--duration", "15m", "--watch", "hot.out", "-o", out
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["time_s", "1/binary-output,1/present-value", "hot.out"]
    assert len(rows) == 1 + 16  # a tick a minute, 0 to 15 min inclusive
    by_time = {float(r[0]): r[1] for r in rows[1:]}
    assert by_time[240.0] == "false"
    assert by_time[300.0] == "true"  # 22 > 21 from the 5 min sample on
    assert by_time[600.0] == "false"


def test_compile_show_prints_each_flows_generated_python(tmp_path):
    path = write_bundle(tmp_path / "b.json", zone_graph())
    result = run("compile", path, "--show")
    assert result.exit_code == 0, result.output
    assert "# flow 'main': 4 node(s)" in result.output
    assert "def tick(values, ranks, rget, wall):" in result.output
    assert "# 0: node 't' (io.point-input)" in result.output
    compile(result.output, "shown", "exec")  # what is shown is the code that runs
    assert "4 node(s)" in run("compile", path).output
    missing = run("compile", path, "--flow", "nope")
    assert missing.exit_code == 1
    assert "no flow 'nope'" in missing.output


def test_catalogue_lists_every_block_with_its_parameter_schema():
    result = run("catalogue")
    catalogue = json.loads(result.output)
    types = {b["type"] for b in catalogue["blocks"]}
    assert {"io.constant", "io.point-input", "io.point-output", "math.add", "math.subtract",
            "math.multiply", "math.divide", "logic.compare", "logic.and", "logic.or", "logic.not",
            "logic.switch", "math.unit-delay"} <= types  # fmt: skip
    for block in catalogue["blocks"]:
        assert block["paramsSchema"]["type"] == "object"


def test_the_installed_console_script_exits_non_zero_without_traceback(tmp_path):
    script = Path(sys.executable).parent / "supervisor-engine"
    result = subprocess.run(
        [script, "verify", str(tmp_path / "nothing.json"), "--public-key", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "error: cannot read" in result.stderr
    assert "Traceback" not in result.stderr
