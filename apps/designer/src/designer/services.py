"""The collaborators the routes use, built once by ``create_app`` and held on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from designer.auth import Accounts
from designer.bundles import Bundles
from designer.deployments import Deployments
from designer.projects import Projects
from designer.settings import Settings
from designer.upstream import Upstream
from supervisor_engine import Registry, SigningKey


@dataclass
class Services:
    settings: Settings
    database: Engine
    accounts: Accounts
    projects: Projects
    bundles: Bundles
    deployments: Deployments
    registry: Registry
    signing_key: SigningKey
    engine: Upstream
    iot: Upstream
