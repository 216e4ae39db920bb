"""The IoT service through the Designer: devices, points, live values, manual overrides.

Every call goes to the one IoT service of the Designer's settings, never to an
address taken from a project: a project could otherwise send the Designer's
token anywhere. Manual writes and releases carry the reason in the write's own
``reason`` field and the signed-in user in ``X-On-Behalf-Of``, which the IoT
service trusts only on the Designer's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from bms_schemas import PointRef, PointRefError
from bms_schemas.designer import ManualRelease, ManualWrite
from bms_schemas.history import HistoryResponse
from bms_schemas.iot import (
    AuditLog,
    DeviceInfo,
    DiscoverRequest,
    DiscoverResponse,
    OverrideList,
    PointInfo,
    PriorityArray,
    ReadRequest,
    ReadResponse,
    SubscriptionInfo,
    SubscriptionRequest,
    WriteItem,
    WriteRequest,
    WriteResponse,
)
from designer.errors import InvalidInputError
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.streams import SSE_RESPONSES, relay

router = APIRouter(prefix="/api/iot", tags=["iot"], responses=ERRORS)


@router.post("/discover", response_model=DiscoverResponse)
async def iot_discover(services: Svc, _user: User, body: DiscoverRequest | None = None) -> Any:
    """Ask the IoT service to discover devices now (Who-Is, then describe each one)."""
    request = (body or DiscoverRequest()).model_dump(mode="json", exclude_none=True)
    return await services.iot.json("POST", "/discover", json=request)


@router.get("/devices", response_model=list[DeviceInfo])
async def iot_devices(services: Svc, _user: User) -> Any:
    """Devices the IoT service knows."""
    return await services.iot.json("GET", "/devices")


@router.get("/devices/{instance}/points", response_model=list[PointInfo])
async def iot_device_points(services: Svc, _user: User, instance: int) -> Any:
    """A device's points."""
    return await services.iot.json("GET", f"/devices/{instance}/points")


@router.post("/points/read", response_model=ReadResponse)
async def iot_read(services: Svc, _user: User, body: ReadRequest) -> Any:
    """Read points now."""
    return await services.iot.json("POST", "/points/read", json=body.model_dump(mode="json"))


@router.get("/points/history", response_model=HistoryResponse)
async def iot_history(
    services: Svc,
    _user: User,
    point: Annotated[list[str], Query(min_length=1, max_length=20, description="Points.")],
    start: Annotated[datetime | None, Query(description="Start; an hour before end.")] = None,
    end: Annotated[datetime | None, Query(description="End; now if unset.")] = None,
    buckets: Annotated[int, Query(ge=1, le=2000, description="Buckets to downsample to.")] = 200,
) -> Any:
    """Points' value history over a range, downsampled by the IoT service (min/max/avg)."""
    params: dict[str, Any] = {"point": point, "buckets": buckets}
    if start is not None:
        params["start"] = start.isoformat()
    if end is not None:
        params["end"] = end.isoformat()
    return await services.iot.json("GET", "/points/history", params=params)


@router.post("/subscriptions", response_model=SubscriptionInfo, status_code=201)
async def iot_subscribe(services: Svc, _user: User, body: SubscriptionRequest) -> Any:
    """Watch points; their changes arrive on the stream."""
    return await services.iot.json("POST", "/subscriptions", json=body.model_dump(mode="json"))


@router.get("/stream", response_class=StreamingResponse, responses=SSE_RESPONSES)
async def iot_stream(
    services: Svc,
    _user: User,
    subscription: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """Live values (server-sent events), relayed from the IoT service."""
    params = {"subscription": subscription} if subscription else None
    return await relay(services.iot, "/stream", params)


@router.post("/points/write", response_model=WriteResponse)
async def iot_manual_write(services: Svc, user: User, body: ManualWrite) -> Any:
    """An operator override at a priority, audited with the user and the reason."""
    # Every manual write is an operator override: listed in /overrides, ended after durationS.
    write = WriteItem(
        point=body.point, value=body.value, priority=body.priority,
        reason=body.reason, override=True, duration_s=body.duration_s,
    )  # fmt: skip
    request = WriteRequest(writes=(write,)).model_dump(mode="json")
    return await services.iot.model(
        WriteResponse, "POST", "/points/write", json=request, on_behalf_of=user.username
    )


@router.post("/points/release", response_model=WriteResponse)
async def iot_manual_release(services: Svc, user: User, body: ManualRelease) -> Any:
    """Release an override: null at its priority, audited with the user and the reason."""
    write = WriteItem(point=body.point, value=None, priority=body.priority, reason=body.reason)
    request = WriteRequest(writes=(write,)).model_dump(mode="json")
    return await services.iot.model(
        WriteResponse, "POST", "/points/write", json=request, on_behalf_of=user.username
    )


@router.get("/writes", response_model=AuditLog)
async def iot_audit_log(
    services: Svc,
    _user: User,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    outcome: Annotated[str | None, Query(pattern="^(written|failed|refused)$")] = None,
    point: Annotated[PointRef | None, Depends(optional_point)] = None,
    device: Annotated[int | None, Query(ge=0, le=4_194_302)] = None,
    caller: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[datetime | None, Query()] = None,
    until: Annotated[datetime | None, Query()] = None,
) -> Any:
    """The IoT service's write audit log, newest first: filter by outcome, point, device,
    operator ('alice' or 'designer:alice', 'engine') and time."""
    params: dict[str, Any] = {"limit": limit}
    for name, value in (("outcome", outcome), ("device", device), ("caller", caller)):
        if value is not None:
            params[name] = value
    if point is not None:
        params["point"] = str(point)
    for name, moment in (("since", since), ("until", until)):
        if moment is not None:
            params[name] = moment.isoformat()
    return await services.iot.json("GET", "/writes", params=params)


@router.get("/overrides", response_model=OverrideList)
async def iot_overrides(services: Svc, _user: User) -> Any:
    """Operator overrides active now, with who, why and when each ends."""
    return await services.iot.json("GET", "/overrides")


@router.get("/points/priority-array", response_model=PriorityArray)
async def iot_priority_array(
    services: Svc, _user: User, point: Annotated[PointRef, Depends(required_point)]
) -> Any:
    """A commandable point's 16 priority slots, with who holds each one the service wrote."""
    return await services.iot.json("GET", "/points/priority-array", params={"point": str(point)})


def _parse_point(text: str) -> PointRef:
    try:
        return PointRef.parse(text)
    except PointRefError as err:
        raise InvalidInputError(str(err), field="query.point") from err


def required_point(
    point: Annotated[
        str, Query(max_length=200, description="A point, e.g. '1001/analog-value,3'.")
    ],
) -> PointRef:
    return _parse_point(point)


def optional_point(
    point: Annotated[str | None, Query(max_length=200, description="Only this point.")] = None,
) -> PointRef | None:
    return None if point is None else _parse_point(point)
