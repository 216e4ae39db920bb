"""``headless-engine start`` runs the engine in the CLI's own process: what the start path
imports, the engine keeps for its whole life (issue 18's footprint). None of these belongs
there: rich and pygments (the CLI's tables; httpx's own command line) and structlog, ~6 MB;
cryptography's Rust extension, 7-9 MB (bundles are verified with PyNaCl); the MQTT client
(aiomqtt, paho), 5.5 MB, while no broker is configured. A dependency that pulls one back in
must be a choice, not an accident."""

from __future__ import annotations

from pathlib import Path

from bms_service.testing import modules_loaded

START_PATH = """
import sys
from pathlib import Path
import uvicorn
import headless_engine.cli
from headless_engine.app import create_app
from headless_engine.cli import configure_logging, start_settings
configure_logging(Path(sys.argv[1]) / "logs")
create_app(start_settings(Path(sys.argv[1]), allow_unsigned=False))
"""
NOT_ON_THE_START_PATH = {"rich", "pygments", "structlog", "cryptography", "aiomqtt", "paho"}


def test_the_start_path_loads_only_what_the_engine_runs(tmp_path: Path) -> None:
    loaded = modules_loaded(START_PATH, str(tmp_path / "state"))
    assert {"headless_engine.app", "httpx", "nacl.signing"} <= loaded  # the right process
    assert {m.split(".")[0] for m in loaded} & NOT_ON_THE_START_PATH == set()


def test_the_cli_still_prints_with_rich() -> None:
    from typer.testing import CliRunner

    from headless_engine.cli import app

    result = CliRunner().invoke(app, ["status", "--url", "http://127.0.0.1:9", "--token", "t"])
    assert result.exit_code != 0
    assert "the engine does not answer" in result.output
