"""The Designer's FastAPI app: ``create_app(settings, ...)`` wires storage, keys, clients, routes.

On creation it migrates the database, creates the admin on first start and
loads (or generates) the signing key, so a started app is ready to serve.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.routing import APIRoute

from bms_schemas import ErrorEnvelope
from bms_service.errors import install_error_handlers as install_error_handlers_for
from bms_service.memory import release_free_memory_periodically
from designer.auth import Accounts
from designer.bundles import Bundles
from designer.db import make_engine, migrate
from designer.deployments import Deployments
from designer.exchange import MAX_ARCHIVE_BYTES
from designer.limits import BodyLimit
from designer.projects import Projects
from designer.routes import (
    auth,
    engine,
    engineering,
    health,
    iot,
    library,
    limits,
    projects,
    releases,
    tags,
    templates,
)
from designer.routes.web import mount_web
from designer.services import Services
from designer.settings import Settings
from designer.signing import load_or_create_key
from designer.upstream import Upstream
from supervisor_engine import (
    CompositeError,
    GraphValidationError,
    Registry,
    TemplateError,
    TraceError,
    default_registry,
)

log = logging.getLogger("designer")


def operation_id(route: APIRoute) -> str:
    """The route function's name: ``listProjects`` reads better than a generated id."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def build_services(
    settings: Settings,
    *,
    registry: Registry | None = None,
    engine_transport: httpx.AsyncBaseTransport | None = None,
    iot_transport: httpx.AsyncBaseTransport | None = None,
    password_hasher: PasswordHasher | None = None,
) -> Services:
    """Storage migrated, admin ensured, key loaded, clients made."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = make_engine(settings.resolved_database_url())
    migrate(database)
    accounts = Accounts(database, session_hours=settings.session_hours, hasher=password_hasher)
    accounts.ensure_admin(settings.admin_username, settings.admin_password, settings.data_dir)
    key = load_or_create_key(settings.data_dir)
    reg = registry or default_registry()
    engine_client = Upstream(
        "engine", settings.engine_url, token=settings.engine_token,
        token_file=settings.engine_token_file, timeout_s=settings.upstream_timeout_s,
        transport=engine_transport,
    )  # fmt: skip
    iot_client = Upstream(
        "IoT service", settings.iot_url, token=settings.iot_token,
        token_file=settings.iot_token_file, timeout_s=settings.upstream_timeout_s,
        transport=iot_transport,
    )  # fmt: skip
    bundles = Bundles(database, key, reg)
    return Services(
        settings=settings,
        database=database,
        accounts=accounts,
        projects=Projects(database),
        bundles=bundles,
        deployments=Deployments(database, bundles, engine_client, reg),
        registry=reg,
        signing_key=key,
        engine=engine_client,
        iot=iot_client,
    )


def create_app(
    settings: Settings,
    *,
    registry: Registry | None = None,
    engine_transport: httpx.AsyncBaseTransport | None = None,
    iot_transport: httpx.AsyncBaseTransport | None = None,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """The Designer app. Tests pass a data dir of their own (and a database URL, for PostgreSQL),
    and may pass a cheaper argon2 hasher."""
    services = build_services(
        settings,
        registry=registry,
        engine_transport=engine_transport,
        iot_transport=iot_transport,
        password_hasher=password_hasher,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        trimming = asyncio.create_task(release_free_memory_periodically())
        try:
            yield
        finally:
            trimming.cancel()
            await services.engine.aclose()
            await services.iot.aclose()
            services.database.dispose()

    docs = settings.docs_enabled()
    app = FastAPI(
        title="BMS Designer",
        version="0.1.0",
        description="Projects, validation, signed bundles, deployments, and one origin for the editor.",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # Off when exposed on the LAN unless asked for: the API map helps an attacker first.
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(
        BodyLimit, json_bytes=settings.max_json_body_bytes, upload_bytes=MAX_ARCHIVE_BYTES
    )
    app.state.services = services
    routers = (
        health, auth, projects, library, engineering, limits, releases, iot, engine, templates,
        tags,
    )  # fmt: skip
    for module in routers:
        app.include_router(module.router)
    install_error_handlers(app)
    mount_web(app, settings.web_dir)
    return app


def _graph_invalid(err: GraphValidationError) -> tuple[int, ErrorEnvelope]:
    issues = [i.model_dump(mode="json") for i in err.issues]
    first = err.issues[0].message if err.issues else "invalid graph"
    details = {"field": "content.graph", "issues": issues}
    return 422, ErrorEnvelope(
        code=err.code, message=f"the graph does not validate: {first}", details=details
    )


def _composite_invalid(err: CompositeError) -> tuple[int, ErrorEnvelope]:
    return 422, ErrorEnvelope(code=err.code, message=str(err), details={"field": "nodes"})


def _template_invalid(err: TemplateError) -> tuple[int, ErrorEnvelope]:
    field = f"template.{err.field or ''}".rstrip(".")
    return 422, ErrorEnvelope(code=err.code, message=str(err), details={"field": field})


def _trace_invalid(err: TraceError) -> tuple[int, ErrorEnvelope]:
    return 422, ErrorEnvelope(code=err.code, message=str(err), details={"field": "watch"})


def install_error_handlers(app: FastAPI) -> None:
    """One mapping from errors to ``{code, message, details}`` (:mod:`bms_service.errors`)."""
    install_error_handlers_for(
        app,
        service="Designer",
        mapped={
            GraphValidationError: _graph_invalid,
            CompositeError: _composite_invalid,
            TemplateError: _template_invalid,
            TraceError: _trace_invalid,
        },
    )
