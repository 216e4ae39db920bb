"""Errors of the IoT Supervisor Service.

Every error has a stable ``code`` and the HTTP ``status`` the API answers with;
the handlers of :func:`bms_service.install_error_handlers` turn them into an
:class:`bms_schemas.ErrorEnvelope`. Anything without a code is a logged 500.

::

    IotError (Exception)
    ├── ConfigError (ValueError)             bad settings or simulator file; not an HTTP error
    │   └── AddressInUseError (OSError)      a BACnet/IP ip:port is already bound (SO_REUSEPORT hides it)
    ├── RequestError (ValueError)            400: the request cannot be carried out as asked
    │   ├── InvalidPointError                400: malformed point reference
    │   ├── InvalidPriorityError             400: priority outside 1-16 (the schema refuses it first)
    │   └── InvalidValueError (TypeError)    400: value of the wrong type for the point
    ├── AuthError                            401: missing or wrong bearer token
    ├── WriteRefusedError (PermissionError)  403: an interlock or a read-only point refuses the write
    │   └── ReservedPriorityError            403: priority 6 while it is reserved (a setting, not bad input)
    ├── NotFoundError (LookupError)          404
    │   ├── UnknownDeviceError               404: no such device discovered
    │   ├── UnknownPointError                404: no such object on a known device
    │   └── UnknownSubscriptionError         404
    ├── RateLimitedError                     429: a point written faster than its rate limit
    └── BacnetError                          502/504: the device or the stack failed (wraps ErrorRejectAbortNack)
        ├── UndecodableReplyError            502: the device answered what the stack cannot decode
        └── DeviceOfflineError               503: the device is marked offline
"""

from __future__ import annotations

from typing import Any

from bms_service import ServiceError


class IotError(ServiceError):
    """Base of every error the service raises on purpose."""

    code = "iot_error"


class ConfigError(IotError, ValueError):
    code = "config_error"


class AddressInUseError(ConfigError, OSError):
    code = "address_in_use"


class RequestError(IotError, ValueError):
    code = "bad_request"
    status = 400


class InvalidPointError(RequestError):
    code = "invalid_point_ref"


class InvalidPriorityError(RequestError):
    code = "invalid_priority"


class InvalidValueError(RequestError, TypeError):
    code = "invalid_value"


class AuthError(IotError):
    code = "unauthorized"
    status = 401


class WriteRefusedError(IotError, PermissionError):
    code = "write_refused"
    status = 403


class ReservedPriorityError(WriteRefusedError):
    code = "reserved_priority"


class NotFoundError(IotError, LookupError):
    code = "not_found"
    status = 404


class UnknownDeviceError(NotFoundError):
    code = "unknown_device"


class UnknownPointError(NotFoundError):
    code = "unknown_point"


class UnknownSubscriptionError(NotFoundError):
    code = "unknown_subscription"


class RateLimitedError(IotError):
    code = "rate_limited"
    status = 429


class BacnetError(IotError):
    code = "bacnet_error"
    status = 502

    def __init__(self, message: str, *, details: Any = None, reason: str | None = None) -> None:
        super().__init__(message, details=details)
        self.reason = reason
        """The device's or the stack's short reason, e.g. 'unrecognized-service' or 'no-response'."""


class UndecodableReplyError(BacnetError):
    code = "undecodable_reply"


class DeviceOfflineError(BacnetError):
    code = "device_offline"
    status = 503
