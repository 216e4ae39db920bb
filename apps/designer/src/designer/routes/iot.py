"""The IoT service through the Designer: devices, points, live values, manual overrides.

Every call goes to the one IoT service of the Designer's settings, never to an
address taken from a project: a project could otherwise send the Designer's
token anywhere. Manual writes and releases carry the reason in the write's own
``reason`` field and the signed-in user in ``X-On-Behalf-Of``, which the IoT
service trusts only on the Designer's token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from bms_schemas.designer import ManualRelease, ManualWrite
from bms_schemas.iot import (
    AuditLog,
    DeviceInfo,
    PointInfo,
    ReadRequest,
    ReadResponse,
    SubscriptionInfo,
    SubscriptionRequest,
    WriteResponse,
)
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.streams import SSE_RESPONSES, relay

router = APIRouter(prefix="/api/iot", tags=["iot"], responses=ERRORS)


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
    write = {
        "point": str(body.point), "value": body.value, "priority": body.priority,
        "reason": body.reason,
    }  # fmt: skip
    return await services.iot.json(
        "POST", "/points/write", json={"writes": [write]}, on_behalf_of=user.username
    )


@router.post("/points/release", response_model=WriteResponse)
async def iot_manual_release(services: Svc, user: User, body: ManualRelease) -> Any:
    """Release an override: null at its priority, audited with the user and the reason."""
    write = {
        "point": str(body.point),
        "value": None,
        "priority": body.priority,
        "reason": body.reason,
    }
    return await services.iot.json(
        "POST", "/points/write", json={"writes": [write]}, on_behalf_of=user.username
    )


@router.get("/writes", response_model=AuditLog)
async def iot_audit_log(
    services: Svc,
    _user: User,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """The IoT service's write audit log, newest first."""
    return await services.iot.json("GET", "/writes", params={"limit": limit})
