"""The Designer server: projects, validation, signed bundles, deployments, one origin for the UI.

``create_app`` and ``Settings`` are imported on first use, so that the ``designer`` command
can set up its imports (:func:`bms_service.lean_imports.skip_httpx_cli`) before the app's
modules load.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Settings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from designer.app import create_app

        return create_app
    if name == "Settings":
        from designer.settings import Settings

        return Settings
    raise AttributeError(f"module 'designer' has no attribute {name!r}")
