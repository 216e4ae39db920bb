"""Every failure of a service answers ``{code, message, details}`` (:class:`bms_schemas.ErrorEnvelope`).

One boundary per service: :func:`install_error_handlers` maps

- a :class:`ServiceError` (each app's error base derives from it) to its own status and code;
- library errors the app names (``mapped``) to the status and envelope it says;
- a request that does not validate to ``422 invalid_request`` with
  ``details = {"field": <first field>, "errors": [{"field", "message"}, ...]}``;
- a body that cannot even be parsed, an unknown route or method (Starlette's HTTP errors) to
  the envelope with their status (``400 invalid_body``, ``404 not_found``, ...);
- anything else to a logged ``500 internal_error``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.constants import REF_TEMPLATE
from fastapi.openapi.models import Schema
from fastapi.responses import JSONResponse
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException

from bms_schemas import ErrorEnvelope

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "invalid_body",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}
_MAX_LISTED = 5


ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting ``statuses`` as the envelope.

    400 (a body that cannot be parsed) and 422 (one that does not validate) can come from any
    route, so they are always included.

    A reference to the schema, not ``{"model": ErrorEnvelope}``: FastAPI builds a pydantic
    serializer for every route's every ``model`` response, only to read its JSON schema
    when the document is asked for (about 9 KB each, 5 MB of RSS over the Designer's
    routes). :func:`install_error_handlers` puts the one schema in the document.
    """
    statuses = tuple(sorted({400, 422, *statuses}))
    return {
        status: {"content": {"application/json": {"schema": {"$ref": ENVELOPE_REF}}}}
        for status in statuses
    }


def document_the_envelope(app: FastAPI) -> None:
    """Add ``ErrorEnvelope`` to ``app``'s OpenAPI components (:func:`error_responses`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _refs, definitions = models_json_schema(
                [(ErrorEnvelope, "serialization")], ref_template=REF_TEMPLATE
            )
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, schema in definitions.get("$defs", {}).items():
                # as FastAPI writes its own components: through its Schema model, no nulls
                written = jsonable_encoder(Schema(**schema), by_alias=True, exclude_none=True)
                schemas.setdefault(name, written)
            document["components"]["schemas"] = dict(sorted(schemas.items()))
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


class ServiceError(Exception):
    """Base of the errors a service raises on purpose: a stable code, an HTTP status, details."""

    code = "service_error"
    status = 500

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as strings: an error about a NaN must still be JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def envelope(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    """The JSON response of one error."""
    safe = _json_safe(jsonable_encoder(details))
    body = ErrorEnvelope(code=code, message=message, details=safe)
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def _where(loc: Any) -> str:
    return ".".join(str(p) for p in loc or ())


def _plain(message: object) -> str:
    """Pydantic's message without its 'Value error, ' prefix: the words a user can act on."""
    text = str(message or "invalid")
    for prefix in ("Value error, ", "Assertion failed, "):
        text = text.removeprefix(prefix)
    return text


def invalid_request(err: RequestValidationError) -> tuple[str, dict[str, Any]]:
    """The message and details of a request that does not validate: every field named."""
    errors = jsonable_encoder(err.errors(), custom_encoder={Exception: str})
    listed = [{"field": _where(e.get("loc")), "message": _plain(e.get("msg"))} for e in errors]
    message = "; ".join(f"{e['field']}: {e['message']}" for e in listed[:_MAX_LISTED])
    first = listed[0]["field"] if listed else ""
    return message or "invalid request", {"field": first, "errors": listed}


#: A library error's answer: its status and envelope.
Mapper = Callable[[Any], tuple[int, ErrorEnvelope]]
#: Called before a request that does not validate is answered (e.g. to audit a refused write).
OnInvalid = Callable[[Request, RequestValidationError, str], None]


def install_error_handlers(
    app: FastAPI,
    *,
    service: str,
    mapped: Mapping[type[Exception], Mapper] | None = None,
    on_invalid: OnInvalid | None = None,
) -> None:
    """Install the one mapping from failures to the envelope on ``app`` (``service`` names its log),
    and document the envelope that :func:`error_responses` refers to."""
    document_the_envelope(app)

    def handler(mapper: Mapper) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
        async def handle(_request: Request, err: Exception) -> JSONResponse:
            status, body = mapper(err)
            return JSONResponse(body.model_dump(mode="json"), status_code=status)

        return handle

    for kind, mapper in (mapped or {}).items():
        app.add_exception_handler(kind, handler(mapper))

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, err: ServiceError) -> JSONResponse:
        return envelope(err.status, err.code, err.message, err.details)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, err: RequestValidationError) -> JSONResponse:
        message, details = invalid_request(err)
        if on_invalid is not None:
            on_invalid(request, err, message)
        return envelope(422, "invalid_request", message, details)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, err: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(err.status_code, f"http_{err.status_code}")
        response = envelope(err.status_code, code, str(err.detail))
        for key, value in (err.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, err: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=err)
        return envelope(500, "internal_error", f"unexpected error; see the {service}'s log")
