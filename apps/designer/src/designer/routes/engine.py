"""The engine through the Designer: status, live stream, its own deployment history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from bms_schemas.engine import DeploymentHistory, EngineStatus
from designer.routes.deps import ERRORS, Svc, User
from designer.routes.streams import SSE_RESPONSES, relay

router = APIRouter(prefix="/api/engine", tags=["engine"], responses=ERRORS)


@router.get("/status", response_model=EngineStatus)
async def engine_status(services: Svc, _user: User) -> Any:
    """The engine's active version, flows and link to the IoT service."""
    return await services.engine.json("GET", "/engine/status")


@router.get("/deployments", response_model=DeploymentHistory)
async def engine_deployments(services: Svc, _user: User) -> Any:
    """The engine's own deployment history, newest first."""
    return await services.engine.json("GET", "/engine/deployments")


@router.get("/stream", response_class=StreamingResponse, responses=SSE_RESPONSES)
async def engine_stream(services: Svc, _user: User) -> StreamingResponse:
    """The engine's events (server-sent events), relayed."""
    return await relay(services.engine, "/engine/stream")
