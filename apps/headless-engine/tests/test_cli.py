"""The ``headless-engine`` CLI against an engine served over real HTTP (uvicorn, loopback).

The commands run in-process (typer's runner) but talk to the engine through its HTTP API,
with the token passed the way an operator does.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from headless_engine.app import create_app
from headless_engine.cli import app as cli
from headless_engine.cli import start_settings
from headless_engine.logs import LOG_FILE, configure_logging
from headless_engine.settings import Settings
from supervisor_engine import bundle_document, sign_document
from supervisor_engine.testing import make_bundle

from .conftest import zone_graph

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    # rich wraps at the runner's 80 columns: compare the words, not the line breaks
    return result.exit_code, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def test_deploy_reload_and_stop_through_the_cli(served, settings, signed, zone_graph, tmp_path):
    auth = ("--url", served, "--token", settings.token)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(signed(zone_graph(22.0), "1.1.0")))
    code, stdout, stderr = run("deploy", str(bundle), *auth)
    assert code == 0, stderr
    assert stdout.startswith("deployed 1.1.0 (sha256:")
    assert "running" in stdout
    kept = stdout.rsplit("state kept for ", 1)[1]

    code, stdout, stderr = run("reload", *auth)
    assert code == 0, stderr
    assert stdout.startswith("reloaded 1.1.0 (sha256:")
    assert "running" in stdout
    assert stdout.endswith(f"state kept for {kept}")  # as many as a deploy of the same graph

    code, stdout, stderr = run("stop", *auth)
    assert (code, stdout) == (0, "1.1.0: stopped"), stderr
    # a reload of a stopped engine loads the bundle again and leaves it stopped
    code, stdout, stderr = run("reload", *auth)
    assert code == 0, stderr
    assert "reloaded 1.1.0" in stdout
    assert "stopped" in stdout

    headers = {"authorization": f"Bearer {settings.token}"}
    entries = httpx.get(f"{served}/engine/deployments", headers=headers).json()["entries"]
    actions = [(e["action"], e["version"]) for e in entries]
    assert ("reload", "1.1.0") in actions
    assert ("stop", "1.1.0") in actions
    assert {e["by"] for e in entries if e["action"] == "reload"} == {
        f"cli:{os.getenv('USER', 'unknown')}"
    }


def test_cli_errors_are_one_line_and_a_non_zero_exit(served, settings, tmp_path):
    code, _, stderr = run("deploy", str(tmp_path / "absent.json"), "--url", served,
                          "--token", settings.token)  # fmt: skip
    assert code == 1
    assert "cannot read" in stderr
    code, _, stderr = run("reload", "--url", served, "--token", "wrong")
    assert code == 1
    assert "401" in stderr
    code, _, stderr = run("stop", "--url", "http://127.0.0.1:9", "--token", settings.token)
    assert code == 2
    assert "does not answer" in stderr


def test_rollback_to_another_projects_version_through_the_cli(served, settings, signing_key):
    headers = {"authorization": f"Bearer {settings.token}"}
    for project, name in (("p-hospital", "Hospital"), ("p-school", "School")):
        document = bundle_document(make_bundle(zone_graph().build(), version="0.1.0"))
        document["project"] = {"id": project, "name": name}
        # served runs an unnamed 1.0.0 first: 0.1.0 is lower
        body = {
            "bundle": sign_document(document, signing_key),
            "allowOtherProject": True,
            "allowLowerVersion": True,
        }
        assert httpx.post(f"{served}/engine/deploy", json=body, headers=headers).is_success
    auth = ("--url", served, "--token", settings.token)
    code, _, stderr = run("rollback", "0.1.0", "--project", "p-hospital", *auth)
    assert code == 1
    assert "'School' version 0.1.0" in stderr
    code, stdout, stderr = run(
        "rollback", "0.1.0", "--project", "p-hospital", "--allow-other-project", *auth
    )
    assert code == 0, stderr
    assert stdout.startswith("rolled back to 0.1.0")
    status = httpx.get(f"{served}/engine/status", headers=headers).json()
    assert status["projectName"] == "Hospital"


@pytest.fixture
def json_logs(tmp_path: Path) -> Iterator[Path]:
    """The engine's logging as ``headless-engine start`` configures it; undone afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield configure_logging(tmp_path / "engine" / "logs")
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_json_logs_and_the_logs_command(json_logs, settings: Settings, signed, token):
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as c:
        assert c.post("/engine/deploy", json={"bundle": signed(version="2.0.0")}).is_success
        assert c.post("/engine/reload").is_success
    lines = json_logs.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    deploy = next(r for r in records if r["event"] == "deploy")
    assert deploy["version"] == "2.0.0"
    assert deploy["level"] == "info"
    assert deploy["hash"].startswith("sha256:")
    assert "timestamp" in deploy
    assert any(r["event"] == "reload" and r["version"] == "2.0.0" for r in records)

    assert json_logs == settings.state_dir / "logs" / LOG_FILE
    result = runner.invoke(cli, ["logs", "--state-dir", str(settings.state_dir), "-n", "2"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == lines[-2:]


def test_the_logs_command_names_a_missing_log(tmp_path):
    code, _, stderr = run("logs", "--state-dir", str(tmp_path / "nowhere"))
    assert code == 1
    assert "no log at" in stderr


def test_start_takes_what_the_command_line_leaves_out_from_the_environment(monkeypatch, tmp_path):
    """``start`` used to pass iot_token_file=None and so ignored BMS_ENGINE_IOT_TOKEN_FILE."""
    token_file = tmp_path / "iot-token"
    monkeypatch.setenv("BMS_ENGINE_IOT_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("BMS_ENGINE_IOT_URL", "http://127.0.0.9:8080")
    monkeypatch.setenv("BMS_ENGINE_PORT", "42799")
    monkeypatch.setenv("BMS_ENGINE_ALLOW_UNSIGNED", "true")
    settings = start_settings(tmp_path / "engine")
    assert settings.iot_token_file == token_file
    assert (settings.iot_url, settings.port, settings.allow_unsigned) == (
        "http://127.0.0.9:8080", 42799, True,
    )  # fmt: skip
    # what the command line says wins
    given = start_settings(
        tmp_path / "engine", iot_token_file=tmp_path / "other", iot_url="http://127.0.0.8:1"
    )
    assert (given.iot_token_file, given.iot_url) == (tmp_path / "other", "http://127.0.0.8:1")
