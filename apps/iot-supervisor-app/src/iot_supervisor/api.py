"""HTTP routes. Each one is a thin shell over :class:`~iot_supervisor.service.Supervisor`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from bms_schemas import PointRef, PointRefError
from bms_schemas.history import HistoryResponse
from bms_schemas.iot import (
    AuditLog,
    DeviceDetail,
    DeviceInfo,
    DiscoverRequest,
    DiscoverResponse,
    HealthStatus,
    OverrideList,
    PointInfo,
    PriorityArray,
    ReadRequest,
    ReadResponse,
    SubscriptionInfo,
    SubscriptionRequest,
    WriteRequest,
    WriteResponse,
)
from bms_schemas.points import SCHEMA_PATTERN
from bms_service import error_responses
from iot_supervisor.auth import ON_BEHALF_HEADER, Principal, TokenRegistry
from iot_supervisor.errors import AuthError, InvalidPointError, RequestError
from iot_supervisor.service import Supervisor

_ERRORS: dict[int | str, dict[str, Any]] = error_responses(
    400, 401, 403, 404, 422, 429, 500, 502, 503, 504
)


# The dependencies are coroutines although they never wait: FastAPI runs a plain function
# dependency in its thread pool, so every request hopped to a worker thread and back, and the
# pool's threads (stacks and malloc arenas) stayed in the service's memory.
async def supervisor(request: Request) -> Supervisor:
    sup: Supervisor = request.app.state.supervisor
    return sup


async def require_token(request: Request) -> None:
    tokens: TokenRegistry = request.app.state.tokens
    principal = tokens.principal(request.headers.get("authorization"))
    if principal is None:
        raise AuthError("missing or wrong bearer token")
    request.state.principal = principal


def caller(request: Request) -> str:
    """Who is asking, for the audit log: the authenticated principal, never a free header.

    Only the Designer's token may add the operator it acts for (``X-On-Behalf-Of``).
    """
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        tokens: TokenRegistry = request.app.state.tokens
        principal = tokens.principal(request.headers.get("authorization"))
    if principal is None:
        return "unauthenticated"
    return principal.caller(request.headers.get(ON_BEHALF_HEADER))


Sup = Annotated[Supervisor, Depends(supervisor)]

public = APIRouter()
router = APIRouter(dependencies=[Depends(require_token)], responses=_ERRORS)


@public.get("/health", response_model=HealthStatus, responses={503: {"model": HealthStatus}})
async def health(sup: Sup, response: Response) -> HealthStatus:
    """Liveness and readiness; 503 until the BACnet socket is bound."""
    status = sup.health()
    if status.status != "ok":
        response.status_code = 503
    return status


@router.post("/discover", response_model=DiscoverResponse)
async def discover(sup: Sup, body: DiscoverRequest | None = None) -> DiscoverResponse:
    """Send Who-Is, describe the devices that answer, and cache them in runtime.db."""
    return await sup.discover(body or DiscoverRequest())


@router.get("/devices", response_model=list[DeviceInfo])
async def devices(sup: Sup) -> list[DeviceInfo]:
    """Known devices, from discovery or the runtime.db cache."""
    return sup.devices()


@router.get("/devices/{instance}", response_model=DeviceDetail)
async def device(sup: Sup, instance: int) -> DeviceDetail:
    return sup.device(instance)


@router.get("/devices/{instance}/points", response_model=list[PointInfo])
async def device_points(sup: Sup, instance: int) -> list[PointInfo]:
    return list(sup.device(instance).points)


@router.post("/points/read", response_model=ReadResponse)
async def read_points(sup: Sup, body: ReadRequest) -> ReadResponse:
    """Read a batch of points (ReadPropertyMultiple per device, chunked)."""
    return await sup.read(body)


@router.post("/points/write", response_model=WriteResponse)
async def write_points(sup: Sup, body: WriteRequest, request: Request) -> WriteResponse:
    """Validate the whole batch (refusing it all on any error), then write in order."""
    return await sup.write(body, caller(request))


@router.get("/points/history", response_model=HistoryResponse)
async def point_history(
    sup: Sup,
    point: Annotated[
        list[str],
        Query(min_length=1, max_length=20, description="Points (repeat the parameter, 1 to 20)."),
    ],
    start: Annotated[
        datetime | None, Query(description="Start of the range; an hour before end if unset.")
    ] = None,
    end: Annotated[datetime | None, Query(description="End of the range; now if unset.")] = None,
    buckets: Annotated[
        int, Query(ge=1, le=2000, description="Buckets to downsample the range into.")
    ] = 200,
) -> HistoryResponse:
    """The value log over a range, downsampled server-side to min/max/avg per bucket."""
    refs = []
    for i, text in enumerate(point):
        try:
            refs.append(PointRef.parse(text))
        except PointRefError as err:
            raise InvalidPointError(str(err), details={"field": f"query.point.{i}"}) from err
    end = _aware(end) if end is not None else datetime.now(UTC)
    start = _aware(start) if start is not None else end - timedelta(hours=1)
    if start >= end:
        raise RequestError(
            f"start ({start.isoformat()}) must be before end ({end.isoformat()})",
            details={"field": "query.start"},
        )
    return await sup.history(refs, start, end, buckets)


def _aware(at: datetime) -> datetime:
    """A time without a zone is UTC, as every time the service gives out."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


@router.post("/subscriptions", response_model=SubscriptionInfo, status_code=201)
async def subscribe(sup: Sup, body: SubscriptionRequest) -> SubscriptionInfo:
    """Watch points (COV, with polling as a safety net); their changes go to /stream and /ws."""
    return await sup.subscribe(body)


@router.get("/subscriptions/{sub_id}", response_model=SubscriptionInfo)
async def get_subscription(sup: Sup, sub_id: str) -> SubscriptionInfo:
    return sup.subscription(sub_id)


@router.delete("/subscriptions/{sub_id}", status_code=204)
async def unsubscribe(sup: Sup, sub_id: str) -> Response:
    await sup.unsubscribe(sub_id)
    return Response(status_code=204)


@router.get("/writes", response_model=AuditLog)
async def audit_log(
    sup: Sup,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    outcome: Annotated[str | None, Query(pattern="^(written|failed|refused)$")] = None,
    point: Annotated[
        str | None,
        # The pattern is stated for clients (it uses a look-ahead, which pydantic's regex
        # engine lacks); the reference is parsed below, naming the field when it is wrong.
        Query(
            max_length=200,
            json_schema_extra={"pattern": SCHEMA_PATTERN},
            description="Only this point.",
        ),
    ] = None,
    device: Annotated[
        int | None, Query(ge=0, le=4_194_302, description="Only this device.")
    ] = None,
    caller: Annotated[
        str | None,
        Query(
            max_length=64,
            description="Only this caller, e.g. 'engine' or 'designer:alice' (or 'alice').",
        ),
    ] = None,
    since: Annotated[
        datetime | None, Query(description="Only entries at or after (ISO 8601).")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Only entries at or before (ISO 8601).")
    ] = None,
) -> AuditLog:
    """The write audit log, newest first: every write, failure and refusal, with who and why."""
    entries = await sup.audit_log(
        limit, outcome, point=str(_point(point)) if point else None, device=device, caller=caller,
        since=_aware(since) if since else None, until=_aware(until) if until else None,
    )  # fmt: skip
    return AuditLog(entries=tuple(entries))


def _point(text: str) -> PointRef:
    try:
        return PointRef.parse(text)
    except PointRefError as err:
        raise InvalidPointError(str(err), details={"field": "point"}) from err


@router.get("/overrides", response_model=OverrideList)
async def overrides(sup: Sup) -> OverrideList:
    """Operator overrides active now: point, value, priority, who, why, since, until."""
    return OverrideList(overrides=tuple(sup.active_overrides()))


@router.get("/points/priority-array", response_model=PriorityArray)
async def priority_array(
    sup: Sup,
    point: Annotated[
        str,
        Query(
            max_length=200,
            json_schema_extra={"pattern": SCHEMA_PATTERN},
            description="A commandable point.",
        ),
    ],
) -> PriorityArray:
    """The point's 16 priority slots read from the device, with who wrote each value we wrote."""
    return await sup.priority_array(_point(point))


@router.get("/metrics", response_class=Response)
async def metrics(sup: Sup) -> Response:
    """Prometheus text format."""
    m = sup.metrics
    devices = sup.devices()
    for status in ("online", "offline"):
        m.devices.labels(status).set(sum(d.status.value == status for d in devices))
    m.stream_clients.set(sup.hub.client_count)
    m.subscriptions.set(len(sup.hub.subscriptions))
    stats = getattr(sup.protocol, "stats", {})
    for outcome, count in stats.items():
        m.bacnet_requests.labels(outcome).set(count)
    return Response(m.render(), media_type="text/plain; version=0.0.4")


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    sup: Sup, subscription: Annotated[str | None, Query(max_length=64)] = None
) -> StreamingResponse:
    """Server-sent events: one ``value`` event (a ValueChange) per change of a subscribed point."""
    if subscription is not None:
        sup.subscription(subscription)
    return StreamingResponse(_sse(sup, subscription), media_type="text/event-stream")


async def _sse(sup: Supervisor, subscription: str | None) -> AsyncIterator[str]:
    keepalive = sup.settings.stream_keepalive_s
    async with sup.hub.connect(subscription) as client:
        yield ": connected\n\n"
        for snap in sup.snapshot(subscription):
            yield f"event: value\ndata: {snap.model_dump_json()}\n\n"
        while True:
            try:
                event = await asyncio.wait_for(client.queue.get(), keepalive)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if event is None:  # the service is shutting down
                return
            yield f"event: value\ndata: {event.model_dump_json()}\n\n"


async def websocket_twin(websocket: WebSocket) -> None:
    """``/ws``: the stream's events as JSON messages. Token in the header or ``?token=``."""
    sup: Supervisor = websocket.app.state.supervisor
    header = websocket.headers.get("authorization")
    query = websocket.query_params.get("token")
    tokens: TokenRegistry = websocket.app.state.tokens
    if (
        tokens.principal(header) is None
        and tokens.principal(f"Bearer {query}" if query else None) is None
    ):
        await websocket.close(code=1008, reason="missing or wrong bearer token")
        return
    subscription = websocket.query_params.get("subscription")
    if subscription is not None and subscription not in sup.hub.subscriptions:
        await websocket.close(code=1008, reason=f"no subscription {subscription!r}")
        return
    await websocket.accept()
    async with sup.hub.connect(subscription) as client:
        for snap in sup.snapshot(subscription):
            await websocket.send_text(snap.model_dump_json())
        receiver = asyncio.create_task(_drain(websocket))
        try:
            while not receiver.done():
                getter = asyncio.ensure_future(client.queue.get())
                done, _ = await asyncio.wait(
                    {getter, receiver}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter not in done:
                    getter.cancel()
                    break
                change = getter.result()
                if change is None:  # the service is shutting down: 1001 "going away"
                    await websocket.close(code=1001, reason="the service is shutting down")
                    break
                await websocket.send_text(change.model_dump_json())
        except WebSocketDisconnect:
            pass
        finally:
            receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await receiver


async def _drain(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
