"""Route dependencies: the services, the signed-in user, the CSRF check."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from bms_service import error_responses
from designer.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, Principal, csrf_matches
from designer.errors import CsrfError
from designer.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERRORS: dict[int | str, dict[str, Any]] = error_responses(
    401, 403, 404, 409, 413, 422, 429, 500, 502
)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def current_user(request: Request) -> Principal:
    """The session's user; state-changing requests must also carry the CSRF token."""
    services = get_services(request)
    principal = services.accounts.principal(request.cookies.get(SESSION_COOKIE))
    if request.method not in SAFE_METHODS and not csrf_matches(
        request.headers.get(CSRF_HEADER), request.cookies.get(CSRF_COOKIE), principal.csrf_token
    ):
        raise CsrfError(
            "missing or wrong CSRF token: send the bms_csrf cookie's value in X-CSRF-Token",
            details={"field": "X-CSRF-Token"},
        )
    return principal


Svc = Annotated[Services, Depends(get_services)]
User = Annotated[Principal, Depends(current_user)]
