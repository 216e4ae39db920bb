"""A server's httpx without httpx's command-line client (rich, pygments)."""

from __future__ import annotations

import subprocess
import sys


def test_httpx_works_without_loading_its_command_line_client():
    check = """
import sys
from bms_service.lean_imports import skip_httpx_cli
skip_httpx_cli()
import httpx
with httpx.Client(base_url="http://127.0.0.1:9") as client:
    assert str(client.build_request("GET", "/health").url) == "http://127.0.0.1:9/health"
print(sorted({m.split(".")[0] for m in sys.modules} & {"rich", "pygments"}))
try:
    httpx.main()
except SystemExit as stop:
    print(stop)
"""
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "[]",
        "the httpx command-line client is not loaded in this process",
    ]


def test_it_changes_nothing_once_httpx_is_imported():
    import httpx

    from bms_service.lean_imports import skip_httpx_cli

    before = sys.modules.get("httpx._main")
    skip_httpx_cli()
    assert sys.modules.get("httpx._main") is before
    assert httpx.Client is not None
