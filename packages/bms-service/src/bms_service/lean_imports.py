"""Keeping a server from loading what it never runs.

``import httpx`` also imports ``httpx._main``, httpx's own command-line client, whenever
click, rich and pygments are installed, as they are in this workspace for our CLIs: about
3 MB of RSS that a service making HTTP calls keeps for its whole life. A service's entry
point calls :func:`skip_httpx_cli` before anything imports httpx.
"""

from __future__ import annotations

import sys
import types

HTTPX_CLI = "httpx._main"


def _no_httpx_cli() -> None:
    raise SystemExit("the httpx command-line client is not loaded in this process")


def skip_httpx_cli() -> None:
    """Make ``import httpx`` skip its command-line client (a no-op once httpx is imported).

    httpx imports it as ``from ._main import main`` and only binds ``httpx.main``; a
    placeholder module in its place leaves everything else of httpx as it is.
    """
    if "httpx" in sys.modules or HTTPX_CLI in sys.modules:
        return
    placeholder = types.ModuleType(HTTPX_CLI, "httpx's command-line client, not loaded here.")
    placeholder.main = _no_httpx_cli  # type: ignore[attr-defined]
    sys.modules[HTTPX_CLI] = placeholder
