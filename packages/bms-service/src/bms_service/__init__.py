"""Plumbing the IoT service, the headless engine and the Designer share.

- :mod:`bms_service.errors`: :class:`ServiceError` and one set of exception handlers that turn
  every failure (domain errors, a request that does not validate, a body that cannot be
  parsed, an unknown route, anything unexpected) into the ``{code, message, details}``
  envelope, with the same ``details`` shape in every service.
- :mod:`bms_service.tokens`: bearer-token files (created owner-only, read, compared).
- :mod:`bms_service.testing`: free ports, polling and child processes for tests over real
  processes (imported by tests only).

It depends on :mod:`bms_schemas` and FastAPI, never on the engine library or an app.
"""

from bms_service.errors import ServiceError, envelope, error_responses, install_error_handlers

__all__ = ["ServiceError", "envelope", "error_responses", "install_error_handlers"]
