"""The Designer server: projects, validation, signed bundles, deployments, one origin for the UI."""

from designer.app import create_app
from designer.settings import Settings

__all__ = ["Settings", "create_app"]
