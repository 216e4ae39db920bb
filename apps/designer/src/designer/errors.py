"""Errors of the Designer, each with a stable code and the HTTP status the API answers with.

::

    DesignerError                     500
    ├── NotAuthenticatedError         401  no session, expired session, wrong password
    ├── CsrfError                     403  state-changing request without the CSRF token
    ├── NotFoundError                 404  unknown project, bundle version (LookupError)
    ├── TooManyAttemptsError          429  sign-in attempts too fast after wrong passwords
    ├── ConflictError                 409
    │   ├── StaleRevisionError        409  a save based on an old revision (details: current)
    │   └── VersionExistsError        409  a bundle version already built for the project
    ├── InvalidInputError             422  a field that cannot be accepted (details: field)
    │   ├── ImportFormatError         422  an export archive this Designer cannot read
    │   └── InvalidProjectError       422  the project does not validate or build (issues)
    └── UpstreamError                 502  the engine or IoT service is unreachable or refused

Library errors are mapped at the same boundary (``app.install_error_handlers``, over
:func:`bms_service.install_error_handlers`): ``GraphValidationError`` 422 with its
issues, ``TraceError`` 422, request validation 422 naming the field, a body that cannot be
parsed 400. Anything else is a logged 500.
"""

from __future__ import annotations

from typing import Any

from bms_service import ServiceError


class DesignerError(ServiceError):
    """Base: a stable code, an HTTP status and structured details."""

    code = "designer_error"


class NotAuthenticatedError(DesignerError):
    code = "not_authenticated"
    status = 401


class CsrfError(DesignerError):
    code = "csrf_failed"
    status = 403


class NotFoundError(DesignerError, LookupError):
    code = "not_found"
    status = 404


class TooManyAttemptsError(DesignerError):
    code = "too_many_attempts"
    status = 429


class ConflictError(DesignerError):
    code = "conflict"
    status = 409


class StaleRevisionError(ConflictError):
    code = "stale_revision"

    def __init__(self, based_on: int, current: int) -> None:
        super().__init__(
            f"the save is based on revision {based_on} but the project is at revision {current}; "
            "reload it and apply your change again",
            details={"field": "revision", "basedOn": based_on, "currentRevision": current},
        )
        self.current = current


class VersionExistsError(ConflictError):
    code = "version_exists"


class InvalidInputError(DesignerError, ValueError):
    code = "invalid_input"
    status = 422

    def __init__(self, message: str, *, field: str, details: Any = None) -> None:
        merged = {"field": field}
        if isinstance(details, dict):
            merged |= details
        super().__init__(message, details=merged)
        self.field = field


class ImportFormatError(InvalidInputError):
    code = "invalid_export"


class InvalidProjectError(InvalidInputError):
    code = "invalid_project"


class UpstreamError(DesignerError):
    code = "upstream_error"
    status = 502
