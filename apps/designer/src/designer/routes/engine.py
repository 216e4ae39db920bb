"""The engine through the Designer: status, control, alarms, live stream, deployment history.

Control and acknowledgements name the signed-in user to the engine (``X-Caller``
and the acknowledgement's ``by``), so the engine's own records say who did it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from bms_schemas.alarms import AckRequest, AlarmList, AlarmRecord, AlarmState
from bms_schemas.engine import DeploymentHistory, DeployResponse, EngineStatus
from bms_schemas.engine_events import EngineStreamMessage
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.streams import relay

router = APIRouter(prefix="/api/engine", tags=["engine"], responses=ERRORS)


def _who(username: str) -> str:
    """The user as the engine's records name them (as deployments do): printable ASCII."""
    return "".join(c if " " <= c <= "~" else "?" for c in username)[:64]


@router.get("/status", response_model=EngineStatus)
async def engine_status(services: Svc, _user: User) -> Any:
    """The engine's active version, flows and link to the IoT service."""
    return await services.engine.model(EngineStatus, "GET", "/engine/status")


@router.post("/start", response_model=EngineStatus)
async def engine_start(services: Svc, user: User) -> Any:
    """Run the engine's active bundle."""
    return await services.engine.model(
        EngineStatus, "POST", "/engine/start", caller=_who(user.username)
    )


@router.post("/stop", response_model=EngineStatus)
async def engine_stop(services: Svc, user: User) -> Any:
    """Stop the engine's flows; their commands are relinquished as their outputs say."""
    return await services.engine.model(
        EngineStatus, "POST", "/engine/stop", caller=_who(user.username)
    )


@router.post("/reload", response_model=DeployResponse)
async def engine_reload(services: Svc, user: User) -> Any:
    """Load the engine's active bundle again from its disk, keeping block state."""
    return await services.engine.model(
        DeployResponse, "POST", "/engine/reload", caller=_who(user.username)
    )


@router.get("/alarms", response_model=AlarmList)
async def engine_alarms(
    services: Svc,
    _user: User,
    state: Annotated[list[AlarmState] | None, Query(description="Only these states.")] = None,
    open_only: Annotated[bool, Query(alias="open", description="Only open records.")] = False,
    flow: Annotated[str | None, Query(max_length=64, description="Only this flow's.")] = None,
    max_priority: Annotated[
        int | None, Query(alias="maxPriority", ge=1, le=255, description="This urgent or more.")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text to look for.")] = None,
    since: Annotated[datetime | None, Query(description="Raised or closed since.")] = None,
    limit: Annotated[int, Query(ge=1, le=2000, description="At most this many.")] = 200,
) -> Any:
    """The engine's alarm records, newest first: open ones and history."""
    params: dict[str, Any] = {"limit": limit, "open": str(open_only).lower()}
    if state:
        params["state"] = [s.value for s in state]
    for key, value in (("flow", flow), ("maxPriority", max_priority), ("q", q)):
        if value is not None:
            params[key] = value
    if since is not None:
        params["since"] = since.isoformat()
    return await services.engine.model(AlarmList, "GET", "/engine/alarms", params=params)


@router.post("/alarms/{alarm_id}/ack", response_model=AlarmRecord)
async def engine_ack_alarm(services: Svc, user: User, alarm_id: str, body: AckRequest) -> Any:
    """Acknowledge an alarm as the signed-in user, with a note."""
    ack = AckRequest(by=user.username[:64], note=body.note)
    # One path segment, whatever the id holds ('/', '..', control characters).
    path = f"/engine/alarms/{quote(alarm_id, safe='')}/ack"
    return await services.engine.model(
        AlarmRecord, "POST", path, json=ack.model_dump(mode="json"), caller=_who(user.username)
    )


@router.get("/deployments", response_model=DeploymentHistory)
async def engine_deployments(services: Svc, _user: User) -> Any:
    """The engine's own deployment history, newest first."""
    return await services.engine.model(DeploymentHistory, "GET", "/engine/deployments")


# Each server-sent event is one EngineStreamMessage: ``event: <kind>``, ``data: <its data>``.
# Documented as the model, so that the browser's types for the stream are generated.
STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": EngineStreamMessage, "content": {"text/event-stream": {}}}
}


@router.get("/stream", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def engine_stream(
    services: Svc,
    _user: User,
    kinds: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=r"^(tick|values|event|alarm)(,(tick|values|event|alarm))*$",
            description="Comma-separated event kinds to receive (all if unset).",
        ),
    ] = None,
) -> StreamingResponse:
    """The engine's events (server-sent events), relayed: each an ``EngineStreamMessage``."""
    return await relay(services.engine, "/engine/stream", {"kinds": kinds} if kinds else None)
