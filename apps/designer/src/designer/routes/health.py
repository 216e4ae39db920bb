"""``/health``: public, so that a supervisor can gate the start order on it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bms_schemas.designer import DesignerHealth
from designer.routes.deps import Svc

router = APIRouter(tags=["health"])


@router.get("/health", response_model=DesignerHealth, responses={503: {"model": DesignerHealth}})
def health(services: Svc) -> Any:
    """Live, and ready when the database answers; 503 with the reason otherwise."""
    try:
        with services.database.connect() as connection:
            connection.execute(text("SELECT 1"))
        body = DesignerHealth(live=True, ready=True)
    except SQLAlchemyError as err:
        body = DesignerHealth(live=True, ready=False, reasons=(f"database: {err}",))
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)
