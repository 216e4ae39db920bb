"""Every failure answers the {code, message, details} envelope, with one details shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from bms_schemas import ErrorEnvelope
from bms_service import ServiceError, error_responses, install_error_handlers


class Body(BaseModel):
    name: str
    count: int


class GoneError(ServiceError):
    code = "gone"
    status = 410


class LibraryError(ValueError):
    pass


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    seen: list[str] = []
    install_error_handlers(
        app,
        service="test",
        mapped={LibraryError: lambda err: (409, ErrorEnvelope(code="lib", message=str(err)))},
        on_invalid=lambda _request, _err, message: seen.append(message),
    )
    app.state.seen = seen

    @app.post("/items", responses=error_responses(410))
    def create(body: Body) -> int:
        return body.count

    @app.get("/gone")
    def gone() -> None:
        raise GoneError("it went", details={"field": "id"})

    @app.get("/library")
    def library() -> None:
        raise LibraryError("the library refused")

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    return TestClient(app, raise_server_exceptions=False)


def envelope(response) -> dict:
    body = response.json()
    ErrorEnvelope.model_validate(body)
    return body


def test_a_service_error_answers_its_status_code_and_details(client):
    response = client.get("/gone")
    assert response.status_code == 410
    assert envelope(response) == {"code": "gone", "message": "it went", "details": {"field": "id"}}


def test_a_mapped_library_error_answers_what_its_mapper_says(client):
    response = client.get("/library")
    assert response.status_code == 409
    assert envelope(response)["code"] == "lib"


def test_an_invalid_body_names_every_field_and_is_reported_to_the_hook(client):
    response = client.post("/items", json={"name": 3})
    assert response.status_code == 422
    body = envelope(response)
    assert body["code"] == "invalid_request"
    assert body["details"]["field"] == "body.name"
    assert [e["field"] for e in body["details"]["errors"]] == ["body.name", "body.count"]
    assert "body.count" in body["message"]
    assert client.app.state.seen == [body["message"]]


def test_a_body_that_is_not_json_answers_the_envelope(client):
    response = client.post(
        "/items", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert envelope(response)["details"]["errors"][0]["message"] == "JSON decode error"


def test_a_body_that_cannot_be_decoded_answers_400_in_the_envelope(client):
    response = client.post(
        "/items", content=b'{"name": "\xff"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert envelope(response)["code"] == "invalid_body"


def test_an_unknown_route_or_method_answers_the_envelope(client):
    assert envelope(client.get("/nowhere"))["code"] == "not_found"
    response = client.get("/items")
    assert response.status_code == 405
    assert envelope(response)["code"] == "method_not_allowed"
    assert response.headers["allow"] == "POST"


def test_an_unexpected_error_is_a_500_without_its_text(client):
    response = client.get("/boom")
    assert response.status_code == 500
    body = envelope(response)
    assert body["code"] == "internal_error"
    assert "internal detail" not in body["message"]


def test_error_responses_always_document_400_and_422(client):
    responses = client.get("/openapi.json").json()["paths"]["/items"]["post"]["responses"]
    assert {"400", "410", "422"} <= set(responses)
    assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ErrorEnvelope"
    )


def test_the_documented_envelope_is_the_one_fastapi_would_write_and_costs_no_serializer(client):
    """The same document as ``{"model": ErrorEnvelope}`` gave, without a pydantic serializer
    built per route and status (FastAPI's ``response_fields``; ~9 KB of RSS each)."""
    from fastapi.routing import APIRoute

    reference = FastAPI()

    @reference.post(
        "/items", responses={status: {"model": ErrorEnvelope} for status in (400, 410, 422)}
    )
    def create(body: Body) -> int:
        return body.count

    ours = client.get("/openapi.json").json()
    theirs = reference.openapi()
    assert ours["paths"]["/items"] == theirs["paths"]["/items"]
    assert (
        ours["components"]["schemas"]["ErrorEnvelope"]
        == theirs["components"]["schemas"]["ErrorEnvelope"]
    )
    assert (
        ours["components"]["schemas"]["JsonValue"] == theirs["components"]["schemas"]["JsonValue"]
    )
    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]
    assert routes
    assert all(r.response_fields == {} for r in routes)
