"""``headless-engine start`` runs the engine in the CLI's own process: what the CLI imports,
the engine keeps. rich and pygments (the CLI's tables, structlog's console renderer) and
httpx's command-line client are ~6 MB of resident memory that no engine needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

START_PATH = """
import json, sys
from pathlib import Path
import uvicorn
import headless_engine.cli
from headless_engine.app import create_app
from headless_engine.cli import configure_logging, start_settings
configure_logging(Path(sys.argv[1]) / "logs")
create_app(start_settings(Path(sys.argv[1]), allow_unsigned=False))
cli = getattr(sys.modules.get("httpx._main"), "__file__", None)  # the placeholder has none
print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules} | set(sys.modules)),
                  "httpx_cli_file": cli}))
"""


def test_the_start_path_loads_no_rich_pygments_or_httpx_cli(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", START_PATH, str(tmp_path / "state")],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    result = json.loads(out.stdout)
    loaded = set(result["modules"])
    assert "headless_engine.app" in loaded  # the check looks at the right process
    assert "httpx" in loaded
    assert loaded & {"rich", "pygments", "structlog"} == set()
    assert result["httpx_cli_file"] is None


def test_the_cli_still_prints_with_rich() -> None:
    from typer.testing import CliRunner

    from headless_engine.cli import app

    result = CliRunner().invoke(app, ["status", "--url", "http://127.0.0.1:9", "--token", "t"])
    assert result.exit_code != 0
    assert "the engine does not answer" in result.output
