"""The application factory: ``create_app(settings, bacnet=None)``.

The lifespan builds everything that needs the running event loop (bacpypes3
binds its sockets from it): the optional simulator, the protocol, the store
and the supervisor. Domain errors become an ErrorEnvelope with their status;
request validation errors become a 422 envelope, and on ``/points/write`` they
are also recorded as refusals in the audit log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from bms_service import install_error_handlers
from bms_service.memory import release_free_memory_periodically
from iot_supervisor.api import caller, public, router, websocket_twin
from iot_supervisor.auth import TokenRegistry, load_or_create_token
from iot_supervisor.bacnet.client import BacnetClient
from iot_supervisor.metrics import Metrics
from iot_supervisor.plugins import load_protocols
from iot_supervisor.protocol import PointProtocol
from iot_supervisor.router import ProtocolRouter
from iot_supervisor.service import VERSION, Supervisor
from iot_supervisor.settings import Settings
from iot_supervisor.simulator_api import simulator_router
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
                # imported only here: a service without --simulate never loads the simulator
                from iot_supervisor.simulator import Simulator, SimulatorConfig

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
            trimming = asyncio.create_task(release_free_memory_periodically())
            stack.callback(trimming.cancel)
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
    app.include_router(simulator_router)
    app.add_api_websocket_route("/ws", websocket_twin)

    install_error_handlers(app, service="IoT service", on_invalid=_audit_invalid_write)
    return app


def _audit_invalid_write(request: Request, err: RequestValidationError, message: str) -> None:
    """A write refused because its body does not validate is audited like any other refusal."""
    if request.url.path == "/points/write" and hasattr(request.app.state, "supervisor"):
        _audit_refused_body(request, err.body, message)


def docs_urls(enabled: bool) -> dict[str, Any]:
    """FastAPI's documentation routes, or none of them (a service exposed on the LAN)."""
    if enabled:
        return {}
    return {"docs_url": None, "redoc_url": None, "openapi_url": None}


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
