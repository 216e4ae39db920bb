"""The Designer's FastAPI app: ``create_app(settings, ...)`` wires storage, keys, clients, routes.

On creation it migrates the database, creates the admin on first start and
loads (or generates) the signing key, so a started app is ready to serve.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from bms_schemas import ErrorEnvelope
from designer.auth import Accounts
from designer.bundles import Bundles
from designer.db import make_engine, migrate, session_factory
from designer.deployments import Deployments
from designer.errors import DesignerError
from designer.exchange import MAX_ARCHIVE_BYTES
from designer.limits import BodyLimit
from designer.projects import Projects
from designer.routes import (
    auth,
    engine,
    engineering,
    health,
    iot,
    projects,
    releases,
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
    sessions = session_factory(database)
    accounts = Accounts(sessions, session_hours=settings.session_hours, hasher=password_hasher)
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
    bundles = Bundles(sessions, key, reg)
    return Services(
        settings=settings,
        database=database,
        accounts=accounts,
        projects=Projects(sessions),
        bundles=bundles,
        deployments=Deployments(sessions, bundles, engine_client, reg),
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
        try:
            yield
        finally:
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
    for module in (health, auth, projects, engineering, releases, iot, engine, templates):
        app.include_router(module.router)
    install_error_handlers(app)
    mount_web(app, settings.web_dir)
    return app


def _envelope(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    body = ErrorEnvelope(code=code, message=message, details=details)
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _plain(message: object) -> str:
    """Pydantic's message without its 'Value error, ' prefix: the words a user can act on."""
    text = str(message or "invalid")
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def install_error_handlers(app: FastAPI) -> None:
    """One mapping from errors to ``{code, message, details}``."""

    @app.exception_handler(DesignerError)
    async def designer_error(_request: Request, err: DesignerError) -> JSONResponse:
        return _envelope(err.status, err.code, str(err), err.details)

    @app.exception_handler(GraphValidationError)
    async def invalid_graph(_request: Request, err: GraphValidationError) -> JSONResponse:
        issues = [i.model_dump(mode="json") for i in err.issues]
        first = err.issues[0].message if err.issues else "invalid graph"
        return _envelope(
            422, err.code, f"the graph does not validate: {first}",
            {"field": "content.graph", "issues": issues},
        )  # fmt: skip

    @app.exception_handler(CompositeError)
    async def bad_composite(_request: Request, err: CompositeError) -> JSONResponse:
        return _envelope(422, err.code, str(err), {"field": "nodes"})

    @app.exception_handler(TemplateError)
    async def bad_template(_request: Request, err: TemplateError) -> JSONResponse:
        return _envelope(
            422, err.code, str(err), {"field": f"template.{err.field or ''}".rstrip(".")}
        )

    @app.exception_handler(TraceError)
    async def bad_trace(_request: Request, err: TraceError) -> JSONResponse:
        return _envelope(422, err.code, str(err), {"field": "watch"})

    @app.exception_handler(RequestValidationError)
    async def bad_request(_request: Request, err: RequestValidationError) -> JSONResponse:
        errors = err.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        details = {
            "field": where,
            "errors": [
                {
                    "field": ".".join(str(p) for p in e.get("loc", ())),
                    "message": _plain(e.get("msg")),
                }
                for e in errors
            ],
        }
        return _envelope(422, "invalid_request", f"{where}: {_plain(first.get('msg'))}", details)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=err)
        return _envelope(500, "internal_error", "unexpected error; see the Designer's log")
