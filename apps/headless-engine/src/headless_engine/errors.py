"""Errors of the headless engine app, each with the HTTP status the API answers with.

::

    EngineAppError
    ├── AuthError             401  missing or wrong bearer token
    ├── UnknownVersionError   404  no such bundle version deployed here (LookupError)
    ├── VersionConflictError  409  a version already deployed with other content
    ├── NoBundleError         409  start/reload without an active bundle
    ├── DeployGuardError      409  another project's bundle, or a lower version, unconfirmed
    ├── AlarmNotFoundError    404  no alarm record with that id (LookupError)
    ├── AlarmStateError       409  acknowledging an alarm that waits for no acknowledgement
    ├── UnknownNodeError      404  no such block (of the kind asked for) in the active bundle
    └── StorageError          507  the state directory refuses writes (full disk)

Library errors are mapped at the same boundary: ``BundleError`` 400,
``SignatureError`` 403, ``GraphValidationError`` 422 (with every issue).
"""

from __future__ import annotations

from bms_service import ServiceError


class EngineAppError(ServiceError):
    """Base: a stable code and an HTTP status."""

    code = "engine_error"


class AuthError(EngineAppError):
    code = "unauthorized"
    status = 401


class UnknownVersionError(EngineAppError, LookupError):
    code = "unknown_version"
    status = 404


class VersionConflictError(EngineAppError):
    code = "version_conflict"
    status = 409


class DeployGuardError(EngineAppError):
    """A deploy that would replace another project, or go back a version, without saying so."""

    status = 409

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class CorruptBundleError(EngineAppError):
    """A bundle stored in the state directory no longer parses (a disk fault, a hand edit)."""

    code = "corrupt_bundle"
    status = 409


class NoBundleError(EngineAppError):
    code = "no_active_bundle"
    status = 409


class AlarmNotFoundError(EngineAppError, LookupError):
    code = "unknown_alarm"
    status = 404


class AlarmStateError(EngineAppError):
    code = "alarm_not_unacked"
    status = 409


class UnknownNodeError(EngineAppError, LookupError):
    code = "unknown_node"
    status = 404


class StorageError(EngineAppError, OSError):
    """The state directory cannot take the write (e.g. no space left): nothing changed."""

    code = "insufficient_storage"
    status = 507
