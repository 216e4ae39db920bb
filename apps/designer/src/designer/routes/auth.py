"""Sign in, sign out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bms_schemas.designer import LoginRequest, SessionInfo
from designer.auth import CSRF_COOKIE, SESSION_COOKIE
from designer.routes.deps import ERRORS, Svc, User

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=ERRORS)


@router.post("/login", response_model=SessionInfo)
def login(services: Svc, body: LoginRequest, request: Request, response: Response) -> SessionInfo:
    """Check the credentials and start a session (HttpOnly, SameSite=Strict cookie).

    Wrong passwords are throttled per user and address: 429 with ``retryAfterS``.
    """
    address = request.client.host if request.client else "?"
    token, principal = services.accounts.login(body.username, body.password, address)
    max_age = int(services.settings.session_hours * 3600)
    secure = services.settings.secure_cookies
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict",
        secure=secure, path="/",
    )  # fmt: skip
    # Readable by the SPA, which echoes it in X-CSRF-Token (double submit).
    response.set_cookie(
        CSRF_COOKIE, principal.csrf_token, max_age=max_age, httponly=False, samesite="strict",
        secure=secure, path="/",
    )  # fmt: skip
    return SessionInfo(
        username=principal.username,
        csrf_token=principal.csrf_token,
        expires_at=principal.expires_at,
    )


@router.get("/session", response_model=SessionInfo)
def session(user: User) -> SessionInfo:
    """The signed-in user and the CSRF token."""
    return SessionInfo(
        username=user.username, csrf_token=user.csrf_token, expires_at=user.expires_at
    )


@router.post("/logout", status_code=204, response_class=Response)
def logout(services: Svc, _user: User, request: Request) -> Response:
    """End the session."""
    services.accounts.logout(request.cookies.get(SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response
