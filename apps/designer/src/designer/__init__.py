"""The Designer server: projects, validation, signed bundles, deployments, one origin for the UI.

``create_app`` and ``Settings`` are imported on first use, so that the ``designer`` command
can set up its imports (:func:`bms_service.lean_imports.skip_httpx_cli`) before the app's
modules load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bms_schemas.lazy import lazy_exports

if TYPE_CHECKING:
    from designer.app import create_app
    from designer.settings import Settings

__all__ = ["Settings", "create_app"]

__getattr__ = lazy_exports(
    __name__, {"Settings": "designer.settings", "create_app": "designer.app"}, globals()
)
