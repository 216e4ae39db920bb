"""The engine's HTTP routes. Everything but ``/engine/health`` needs the bearer token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bms_schemas.alarms import AckRequest, AlarmList, AlarmRecord, AlarmState
from bms_schemas.engine import (
    DeploymentHistory,
    DeployRequest,
    DeployResponse,
    EngineHealth,
    EngineStatus,
    RollbackRequest,
    TrendLog,
)
from bms_service import error_responses
from bms_service.tokens import bearer_matches
from headless_engine.errors import AuthError
from headless_engine.events import EventHub
from headless_engine.metrics import render
from headless_engine.runtime import EngineRuntime

KEEPALIVE_S = 15.0
ERRORS: dict[int | str, dict[str, Any]] = error_responses(401, 403, 404, 409, 500)


def require_token(request: Request) -> None:
    if not bearer_matches(request.headers.get("authorization"), request.app.state.token):
        raise AuthError("missing or wrong bearer token (Authorization: Bearer <token>)")


def get_runtime(request: Request) -> EngineRuntime:
    runtime: EngineRuntime = request.app.state.runtime
    return runtime


def caller(request: Request) -> str:
    return request.headers.get("x-caller", "api")[:64] or "api"


Runtime = Annotated[EngineRuntime, Depends(get_runtime)]
Caller = Annotated[str, Depends(caller)]

public = APIRouter()
router = APIRouter(dependencies=[Depends(require_token)], responses=ERRORS)


@public.get(
    "/engine/health",
    response_model=EngineHealth,
    responses={503: {"model": EngineHealth}},
    operation_id="health",
)
async def health(request: Request) -> Any:
    """Liveness and readiness, separately; 503 while not ready, with the reason."""
    runtime: EngineRuntime | None = getattr(request.app.state, "runtime", None)
    if runtime is None:
        body = EngineHealth(live=True, ready=False, degraded=False, reasons=("starting",))
    else:
        body = runtime.health()
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)


@router.post("/engine/deploy", response_model=DeployResponse, operation_id="deploy")
async def deploy(runtime: Runtime, who: Caller, body: DeployRequest) -> DeployResponse:
    """Verify the signature, validate, persist and activate a bundle at a tick boundary."""
    return runtime.deploy(
        dict(body.bundle), who, allow_other_project=body.allow_other_project,
        allow_lower_version=body.allow_lower_version, note=body.note,
    )  # fmt: skip


@router.post("/engine/rollback", response_model=DeployResponse, operation_id="rollback")
async def rollback(runtime: Runtime, who: Caller, body: RollbackRequest) -> DeployResponse:
    """Make an earlier version active again; another project's only with allowOtherProject."""
    return runtime.rollback(
        body.version, who, project_id=body.project_id,
        allow_other_project=body.allow_other_project,
    )  # fmt: skip


@router.post("/engine/reload", response_model=DeployResponse, operation_id="reload")
async def reload(runtime: Runtime, who: Caller) -> DeployResponse:
    """Load the active bundle again from disk, keeping block state."""
    return runtime.reload(who)


@router.post("/engine/start", response_model=EngineStatus, operation_id="start")
async def start(runtime: Runtime, who: Caller) -> EngineStatus:
    """Run the active bundle."""
    runtime.start(who)
    return runtime.status()


@router.post("/engine/stop", response_model=EngineStatus, operation_id="stop")
async def stop(runtime: Runtime, who: Caller) -> EngineStatus:
    """Stop running flows; commanded points are relinquished as their outputs say."""
    runtime.stop(who)
    return runtime.status()


@router.get("/engine/status", response_model=EngineStatus, operation_id="status")
async def status(runtime: Runtime) -> EngineStatus:
    """Active version and hash, flows with scheduler figures, faults, the IoT link."""
    return runtime.status()


@router.get("/engine/deployments", response_model=DeploymentHistory, operation_id="deployments")
async def deployments(
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=1000, description="Entries per page.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Entries to skip, newest first.")] = 0,
) -> DeploymentHistory:
    """Deployment history, newest first, a page at a time."""
    entries, total = runtime.history(limit, offset)
    return DeploymentHistory(entries=tuple(entries), total=total, offset=offset)


@router.get("/engine/alarms", response_model=AlarmList, operation_id="alarms")
async def alarms(
    runtime: Runtime,
    state: Annotated[
        list[AlarmState] | None,
        Query(description="Only records in these states (repeat the parameter); all if unset."),
    ] = None,
    open_only: Annotated[
        bool, Query(alias="open", description="Only records not yet back to normal.")
    ] = False,
    flow: Annotated[str | None, Query(max_length=64, description="Only this flow's.")] = None,
    max_priority: Annotated[
        int | None,
        Query(alias="maxPriority", ge=1, le=255, description="Only this urgent or more (1 most)."),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Text in the message, label or point.")
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Only records raised or closed since this time.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=2000, description="At most this many.")] = 200,
) -> AlarmList:
    """Alarm records, newest raise first: open ones and history, filtered."""
    states = frozenset(state) if state else None
    if open_only:
        open_states = frozenset(AlarmState) - {AlarmState.NORMAL}
        states = open_states if states is None else states & open_states
    return runtime.alarms.query(
        states=states, flow=flow, max_priority=max_priority, text=q, since=since, limit=limit
    )


@router.get("/engine/alarms/{alarm_id}", response_model=AlarmRecord, operation_id="alarm")
async def alarm(runtime: Runtime, alarm_id: str) -> AlarmRecord:
    """One alarm record with its transitions."""
    return runtime.alarms.get(alarm_id)


@router.post("/engine/alarms/{alarm_id}/ack", response_model=AlarmRecord, operation_id="ackAlarm")
async def ack_alarm(runtime: Runtime, who: Caller, alarm_id: str, body: AckRequest) -> AlarmRecord:
    """Acknowledge an unacknowledged alarm, with a note; 409 if it waits for none."""
    return runtime.ack_alarm(alarm_id, body.by or who, body.note)


@router.get("/engine/trends/{flow}/{node}", response_model=TrendLog, operation_id="trend")
async def trend(runtime: Runtime, flow: str, node: str) -> TrendLog:
    """A trend-log block's samples, read from its persisted state (see docs/history.md)."""
    return runtime.trend(flow, node)


@router.get("/engine/values", operation_id="values")
async def values(runtime: Runtime) -> dict[str, Any]:
    """Every node's current output values and qualities, by flow."""
    if runtime.active is None:
        return {"version": None, "flows": {}}
    return {
        "version": runtime.active.version,
        "flows": {
            flow_id: {
                node: {port: [v, q.value] for port, (v, q) in ports.items()}
                for node, ports in flow.outputs().items()
            }
            for flow_id, flow in runtime.active.program.flows.items()
        },
    }


@router.get(
    "/engine/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    operation_id="stream",
)
async def stream(
    request: Request,
    runtime: Runtime,
    kinds: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^(tick|values|event|alarm)(,(tick|values|event|alarm))*$",
            description="Comma-separated event kinds to receive (all if unset).",
        ),
    ] = None,
) -> StreamingResponse:
    """Server-sent events: ``status`` first, then ``tick``, ``values``, ``event`` and ``alarm``.

    The first ``values`` event of each flow holds every node's outputs; each later one only
    the nodes whose outputs changed in a tick (with all their ports): merge them by node.

    An ``alarm`` event's data is an ``AlarmEvent``: what happened and the whole record.
    """
    wanted = frozenset(kinds.split(",")) if kinds else None
    return StreamingResponse(
        _sse(runtime, request.app.state.hub, wanted), media_type="text/event-stream"
    )


async def _sse(
    runtime: EngineRuntime, hub: EventHub, kinds: frozenset[str] | None
) -> AsyncIterator[str]:
    async with hub.connect(kinds) as queue:
        # taken as the client joins: the values events that follow are changes to these
        values = runtime.values_events() if kinds is None or "values" in kinds else []
        yield f"event: status\ndata: {runtime.status().model_dump_json()}\n\n"
        for event in values:
            yield f"event: values\ndata: {json.dumps(event, default=str)}\n\n"
        while True:
            try:
                kind, data = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            yield f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n"


async def websocket_stream(websocket: WebSocket) -> None:
    """``/engine/ws``: the stream's events as JSON messages; token in the header or ``?token=``."""
    token = websocket.app.state.token
    query = websocket.query_params.get("token")
    if not (
        bearer_matches(websocket.headers.get("authorization"), token)
        or bearer_matches(f"Bearer {query}" if query else None, token)
    ):
        await websocket.close(code=1008, reason="missing or wrong bearer token")
        return
    await websocket.accept()
    runtime: EngineRuntime = websocket.app.state.runtime
    hub: EventHub = websocket.app.state.hub
    async with hub.connect() as queue:
        values = runtime.values_events()  # the values events that follow are changes to these
        await websocket.send_text(
            json.dumps({"kind": "status", "data": runtime.status().model_dump(mode="json")})
        )
        for event in values:
            await websocket.send_text(json.dumps({"kind": "values", "data": event}, default=str))
        try:
            while True:
                kind, data = await queue.get()
                await websocket.send_text(json.dumps({"kind": kind, "data": data}, default=str))
        except WebSocketDisconnect:
            return


@router.get("/metrics", response_class=Response, operation_id="metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    return Response(render(request.app.state.metrics), media_type="text/plain; version=0.0.4")
