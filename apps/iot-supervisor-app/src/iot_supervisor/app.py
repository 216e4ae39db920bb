"""The application factory: ``create_app(settings, bacnet=None)``.

The lifespan builds everything that needs the running event loop (bacpypes3
binds its sockets from it): the optional simulator, the protocol, the store
and the supervisor. Domain errors become an ErrorEnvelope with their status;
request validation errors become a 422 envelope, and on ``/points/write`` they
are also recorded as refusals in the audit log.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from bms_schemas import ErrorEnvelope
from iot_supervisor.api import caller, public, router, websocket_twin
from iot_supervisor.auth import TokenRegistry, load_or_create_token
from iot_supervisor.bacnet.client import BacnetClient
from iot_supervisor.errors import IotError
from iot_supervisor.metrics import Metrics
from iot_supervisor.plugins import load_protocols
from iot_supervisor.protocol import PointProtocol
from iot_supervisor.router import ProtocolRouter
from iot_supervisor.service import VERSION, Supervisor
from iot_supervisor.settings import Settings
from iot_supervisor.simulator import Simulator, SimulatorConfig
from iot_supervisor.store import RuntimeStore

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    bacnet: PointProtocol | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Build the service. ``bacnet`` replaces the default BACnet/IP client (another protocol);
    ``clock`` (UTC wall time) lets a test move time past an override's end."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if settings.simulate is not None:
                simulator = Simulator(SimulatorConfig.load(settings.simulate))
                await stack.enter_async_context(simulator)
                app.state.simulator = simulator
            store = RuntimeStore(settings.db_path, retention_s=settings.value_log_retention_s)
            stack.callback(store.close)
            primary = bacnet if bacnet is not None else BacnetClient(settings)
            protocol = ProtocolRouter(primary, load_protocols(settings))
            sup = (
                Supervisor(settings, protocol, store, Metrics())
                if clock is None
                else Supervisor(settings, protocol, store, Metrics(), clock=clock)
            )
            await sup.start()
            stack.push_async_callback(sup.stop)
            app.state.supervisor = sup
            if settings.mqtt is not None:
                from iot_supervisor.telemetry import IotTelemetry

                telemetry = IotTelemetry(settings.mqtt, sup, settings.data_dir)
                await telemetry.start(settings.mqtt.points)
                stack.push_async_callback(telemetry.stop)
                app.state.telemetry = telemetry
            yield

    app = FastAPI(
        title="IoT Supervisor Service",
        version=VERSION,
        description="The only path between the BMS supervisor and BACnet/IP devices.",
        lifespan=lifespan,
        **docs_urls(settings.docs_enabled()),
    )
    app.state.settings = settings
    app.state.token = load_or_create_token(settings)
    app.state.tokens = TokenRegistry.from_settings(settings)
    app.include_router(public)
    app.include_router(router)
    app.add_api_websocket_route("/ws", websocket_twin)

    @app.exception_handler(IotError)
    async def domain_error(request: Request, exc: IotError) -> JSONResponse:
        return _envelope(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = jsonable_encoder(exc.errors(), custom_encoder={Exception: str})
        message = "; ".join(_describe(e) for e in errors[:5]) or "invalid request"
        if request.url.path == "/points/write" and hasattr(request.app.state, "supervisor"):
            _audit_refused_body(request, exc.body, message)
        return _envelope(422, "invalid_request", message, errors)

    return app


def docs_urls(enabled: bool) -> dict[str, Any]:
    """FastAPI's documentation routes, or none of them (a service exposed on the LAN)."""
    if enabled:
        return {}
    return {"docs_url": None, "redoc_url": None, "openapi_url": None}


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as strings: an error about a NaN must still be JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _envelope(status: int, code: str, message: str, details: Any) -> JSONResponse:
    body = ErrorEnvelope(code=code, message=message, details=_json_safe(jsonable_encoder(details)))
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


def _describe(error: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
    return f"{loc}: {error.get('msg', 'invalid')}" if loc else str(error.get("msg", "invalid"))


def _audit_refused_body(request: Request, body: Any, message: str) -> None:
    sup: Supervisor = request.app.state.supervisor
    writes = body.get("writes") if isinstance(body, dict) else None
    if not isinstance(writes, list) or not writes:
        sup.refuse(caller(request), json.dumps(body, default=str)[:200], None, None, message)
        return
    for item in writes:
        item = item if isinstance(item, dict) else {}
        point = item.get("point")
        sup.refuse(
            caller(request),
            point if isinstance(point, str) else json.dumps(point, default=str)[:200],
            item.get("value"),
            item.get("priority"),
            message,
            item.get("reason"),
        )
