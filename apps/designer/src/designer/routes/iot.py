"""The IoT service through the Designer: devices, points, live values, manual overrides.

Manual writes and releases name the signed-in user and the reason in the
``X-Caller`` header, which the IoT service records in its write audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from bms_schemas.designer import ManualRelease, ManualWrite
from bms_schemas.history import HistoryResponse
from bms_schemas.iot import (
    AuditLog,
    DeviceInfo,
    DiscoverRequest,
    DiscoverResponse,
    PointInfo,
    ReadRequest,
    ReadResponse,
    SubscriptionInfo,
    SubscriptionRequest,
    WriteItem,
    WriteRequest,
    WriteResponse,
)
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.streams import SSE_RESPONSES, relay

router = APIRouter(prefix="/api/iot", tags=["iot"], responses=ERRORS)


@dataclass(frozen=True)
class IotTarget:
    """Where to send a call: a project's IoT service, or the Designer's (both None)."""

    base_url: str | None = None
    token: str | None = None


def iot_target(
    services: Svc,
    _user: User,
    project: Annotated[
        str | None, Query(description="Use this project's device configuration (IoT URL, token).")
    ] = None,
) -> IotTarget:
    if project is None:
        return IotTarget()
    devices = services.projects.get(project).content.devices
    return IotTarget(devices.iot_url, devices.iot_token)


Target = Annotated[IotTarget, Depends(iot_target)]


def audit_caller(username: str, reason: str) -> str:
    """``designer:<user>: <reason>``, cut to the 64 characters the service keeps.

    A header holds printable ASCII only: anything else (accents, control characters, a
    newline that would forge a header) becomes ``?``.
    """
    text = f"designer:{username}: {reason}"
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:64]


@router.post("/discover", response_model=DiscoverResponse)
async def iot_discover(
    services: Svc, _user: User, target: Target, body: DiscoverRequest | None = None
) -> Any:
    """Ask the IoT service to discover devices now (Who-Is, then describe each one)."""
    request = (body or DiscoverRequest()).model_dump(mode="json", exclude_none=True)
    return await services.iot.json("POST", "/discover", json=request, **vars(target))


@router.get("/devices", response_model=list[DeviceInfo])
async def iot_devices(services: Svc, _user: User, target: Target) -> Any:
    """Devices the IoT service knows."""
    return await services.iot.json("GET", "/devices", **vars(target))


@router.get("/devices/{instance}/points", response_model=list[PointInfo])
async def iot_device_points(services: Svc, _user: User, target: Target, instance: int) -> Any:
    """A device's points."""
    return await services.iot.json("GET", f"/devices/{instance}/points", **vars(target))


@router.post("/points/read", response_model=ReadResponse)
async def iot_read(services: Svc, _user: User, target: Target, body: ReadRequest) -> Any:
    """Read points now."""
    return await services.iot.model(
        ReadResponse, "POST", "/points/read", json=body.model_dump(mode="json"), **vars(target)
    )


@router.get("/points/history", response_model=HistoryResponse)
async def iot_history(
    services: Svc,
    _user: User,
    target: Target,
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
    return await services.iot.model(
        HistoryResponse, "GET", "/points/history", params=params, **vars(target)
    )


@router.post("/subscriptions", response_model=SubscriptionInfo, status_code=201)
async def iot_subscribe(
    services: Svc, _user: User, target: Target, body: SubscriptionRequest
) -> Any:
    """Watch points; their changes arrive on the stream."""
    return await services.iot.model(
        SubscriptionInfo,
        "POST",
        "/subscriptions",
        json=body.model_dump(mode="json"),
        **vars(target),
    )


@router.get("/stream", response_class=StreamingResponse, responses=SSE_RESPONSES)
async def iot_stream(
    services: Svc,
    _user: User,
    target: Target,
    subscription: Annotated[str | None, Query(max_length=64)] = None,
) -> StreamingResponse:
    """Live values (server-sent events), relayed from the IoT service."""
    params = {"subscription": subscription} if subscription else None
    return await relay(services.iot, "/stream", params, **vars(target))


@router.post("/points/write", response_model=WriteResponse)
async def iot_manual_write(services: Svc, user: User, target: Target, body: ManualWrite) -> Any:
    """An operator override at a priority, audited with the user and the reason."""
    request = WriteRequest(
        writes=(WriteItem(point=body.point, value=body.value, priority=body.priority),)
    )
    return await services.iot.model(
        WriteResponse,
        "POST",
        "/points/write",
        json=request.model_dump(mode="json"),
        caller=audit_caller(user.username, body.reason),
        **vars(target),
    )


@router.post("/points/release", response_model=WriteResponse)
async def iot_manual_release(services: Svc, user: User, target: Target, body: ManualRelease) -> Any:
    """Release an override: null at its priority, audited with the user and the reason."""
    request = WriteRequest(
        writes=(WriteItem(point=body.point, value=None, priority=body.priority),)
    )
    return await services.iot.model(
        WriteResponse,
        "POST",
        "/points/write",
        json=request.model_dump(mode="json"),
        caller=audit_caller(user.username, body.reason),
        **vars(target),
    )


@router.get("/writes", response_model=AuditLog)
async def iot_audit_log(
    services: Svc,
    _user: User,
    target: Target,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """The IoT service's write audit log, newest first."""
    return await services.iot.model(
        AuditLog, "GET", "/writes", params={"limit": limit}, **vars(target)
    )
