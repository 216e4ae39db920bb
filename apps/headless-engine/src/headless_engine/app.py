"""The engine's FastAPI app: ``create_app(settings, ...)`` wires store, adapter, runtime and routes."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from bms_schemas import ErrorEnvelope
from bms_service import install_error_handlers
from bms_service.memory import release_free_memory_periodically
from bms_service.tokens import read_token
from headless_engine.api import public, router, websocket_stream
from headless_engine.events import EventHub
from headless_engine.metrics import metrics_registry
from headless_engine.runtime import EngineRuntime
from headless_engine.settings import Settings
from headless_engine.store import StateStore
from supervisor_engine import (
    BundleError,
    Clock,
    EngineError,
    GraphValidationError,
    KeyFileError,
    Registry,
    SignatureError,
    VerifyKey,
    default_registry,
    load_public_key,
)
from supervisor_engine.adapter import IoAdapter
from supervisor_engine.clock import LoopClock
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings

log = logging.getLogger("headless_engine")

AdapterFactory = Callable[[Clock], IoAdapter]


def trusted_keys(settings: Settings, store: StateStore) -> list[VerifyKey]:
    """Every trusted public key: the configured files and ``state_dir/trusted/*.pub``."""
    paths = [*settings.trusted_keys, *sorted((store.root / "trusted").glob("*.pub"))]
    keys = []
    for path in paths:
        try:
            keys.append(load_public_key(path))
        except KeyFileError as err:
            log.error("ignoring trusted key %s: %s", path, err)
    return keys


def iot_token(settings: Settings) -> str | None:
    if settings.iot_token:
        return settings.iot_token
    if settings.iot_token_file is not None:
        token = read_token(settings.iot_token_file)
        if token is None:
            log.warning("cannot read a token from the IoT token file %s", settings.iot_token_file)
        return token
    return None


def create_app(
    settings: Settings,
    *,
    adapter_factory: AdapterFactory | None = None,
    clock: Clock | None = None,
    registry: Registry | None = None,
    store: StateStore | None = None,
) -> FastAPI:
    """The engine app. Tests pass a state dir of their own and, if they need one, an adapter
    (or a store whose disk fails)."""
    store = store or StateStore(Path(settings.state_dir))
    hub = EventHub()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine_clock = clock or LoopClock()
        telemetry = None
        if settings.mqtt is not None:
            from headless_engine.telemetry import EngineTelemetry

            telemetry = EngineTelemetry(settings.mqtt, hub, Path(settings.state_dir))
            await telemetry.start()  # before boot, so the boot event is published too
        if adapter_factory is not None:
            adapter = adapter_factory(engine_clock)
        else:
            adapter = HttpIoAdapter(
                IotClientSettings(
                    base_url=settings.iot_url,
                    token=iot_token(settings),
                    poll_interval_s=settings.poll_interval_s,
                    write_min_interval_s=settings.write_min_interval_s,
                    backoff_max_s=settings.backoff_max_s,
                    device_check_s=settings.device_check_s,
                    command_retry_max_s=settings.command_retry_max_s,
                ),
                engine_clock,
                on_event=hub.publish,
                token_source=lambda: iot_token(settings),
            )
        runtime = EngineRuntime(
            store=store,
            adapter=adapter,
            clock=engine_clock,
            registry=registry or default_registry(),
            hub=hub,
            trusted_keys=lambda: trusted_keys(settings, store),
            allow_unsigned=settings.allow_unsigned,
            state_save_interval_s=settings.state_save_interval_s,
            iot_url=settings.iot_url,
            tick_lead_s=settings.tick_lead_s,
            values_interval_s=settings.values_interval_s,
        )
        adapter.on_value = runtime.value_changed
        if telemetry is not None:
            telemetry.status = lambda: runtime.status().model_dump(mode="json", by_alias=True)
            app.state.telemetry = telemetry
        if settings.allow_unsigned:
            log.warning(
                "this engine accepts UNSIGNED bundles (allow_unsigned); never in production"
            )
        runtime.boot()
        # What is loaded by now (modules, schemas, the app, the booted bundle) lives as long as
        # the process: out of the collector's sight, a full collection no longer walks it,
        # which on the event loop would hold up a tick for tens of milliseconds. (No collection
        # first: that would cost a test process with many apps; shutdown unfreezes.)
        gc.freeze()
        if not settings.autostart and runtime.running:
            runtime.stop("settings", record=False)
        app.state.runtime = runtime
        app.state.metrics = metrics_registry(runtime)
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop), name="engine")
        trimming = asyncio.create_task(release_free_memory_periodically(), name="memory-trim")
        try:
            yield
        finally:
            trimming.cancel()
            stop.set()
            await task
            gc.unfreeze()
            await adapter.aclose()
            if telemetry is not None:
                await telemetry.stop()

    app = FastAPI(
        title="BMS headless engine",
        version="0.1.0",
        description="The one executor of BMS supervisor flows.",
        lifespan=lifespan,
    )
    app.state.token = store.token(settings.token)
    app.state.hub = hub
    app.state.store = store
    app.include_router(public)
    app.include_router(router)
    app.add_api_websocket_route("/engine/ws", websocket_stream)
    _install_error_handlers(app)
    return app


def _graph_invalid(err: GraphValidationError) -> tuple[int, ErrorEnvelope]:
    issues = [i.model_dump(mode="json") for i in err.issues]
    first = err.issues[0].message if err.issues else "invalid"
    message = f"bundle does not validate: {first}"
    return 422, ErrorEnvelope(code=err.code, message=message, details={"issues": issues})


def _install_error_handlers(app: FastAPI) -> None:
    def status(code: int) -> Callable[[EngineError], tuple[int, ErrorEnvelope]]:
        return lambda err: (code, ErrorEnvelope(code=err.code, message=str(err)))

    install_error_handlers(
        app,
        service="engine",
        mapped={
            GraphValidationError: _graph_invalid,
            SignatureError: status(403),
            BundleError: status(400),
        },
    )
