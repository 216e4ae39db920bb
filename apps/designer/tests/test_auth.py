"""Auth: first-start admin, argon2 sessions, cookies, CSRF; every route refuses anonymity."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from bms_service.testing import assert_unparseable_bodies_answer_the_envelope
from designer.app import create_app

from .conftest import PASSWORD, make_app, make_settings
from .support import ROUTE_SAMPLES


def test_login_sets_httponly_strict_session_and_a_readable_csrf_cookie(anonymous):
    response = anonymous.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("bms_session="))
    csrf = next(c for c in cookies if c.startswith("bms_csrf="))
    assert "HttpOnly" in session
    assert "SameSite=strict" in session
    assert "HttpOnly" not in csrf
    assert "Secure" not in session
    assert response.json()["csrfToken"] in csrf


def test_secure_cookies_when_configured(tmp_path: Path):
    with TestClient(make_app(make_settings(tmp_path, secure_cookies=True))) as client:
        response = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))


def test_wrong_password_and_unknown_user_are_401(anonymous):
    for user, password in (("admin", "nope"), ("mallory", PASSWORD)):
        response = anonymous.post("/api/auth/login", json={"username": user, "password": password})
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


def test_login_with_missing_field_is_422_naming_it(anonymous):
    response = anonymous.post("/api/auth/login", json={"username": "admin"})
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "body.password"


def test_session_and_logout(client):
    assert client.get("/api/auth/session").json()["username"] == "admin"
    assert client.post("/api/auth/logout").status_code == 204
    assert client.get("/api/auth/session").status_code == 401


def test_state_changing_request_without_csrf_header_is_refused(client):
    del client.headers["x-csrf-token"]
    response = client.post("/api/projects", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    client.headers["x-csrf-token"] = "forged"
    assert client.post("/api/projects", json={"name": "x"}).status_code == 403


def test_generated_admin_password_is_printed_once_and_stored_0600(tmp_path: Path, capfd):
    settings = make_settings(tmp_path, admin_password=None)
    with TestClient(create_app(settings)) as client:
        printed = capfd.readouterr().err
        path = tmp_path / "admin-password"
        password = path.read_text().strip()
        assert password in printed
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        response = client.post("/api/auth/login", json={"username": "admin", "password": password})
        assert response.status_code == 200
    create_app(settings)  # second start: no new admin, nothing printed
    assert "password" not in capfd.readouterr().err


def test_signing_key_is_created_0600_and_kept_across_starts(tmp_path: Path):
    settings = make_settings(tmp_path)
    first = make_app(settings)
    key = tmp_path / "signing.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    second = make_app(settings)
    pem = first.state.services.signing_key.public_key()
    assert second.state.services.signing_key.public_key() == pem


def test_database_is_sqlite_in_wal_mode(tmp_path: Path):
    app = make_app(make_settings(tmp_path))
    with app.state.services.database.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (tmp_path / "projects.db").exists()


def api_routes(app) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/")]


def test_every_api_route_but_login_refuses_anonymous_requests_with_401(anonymous):
    routes = api_routes(anonymous.app)
    assert {r.name for r in routes} - {"login"} <= set(ROUTE_SAMPLES)
    for route in routes:
        if route.name == "login":
            continue
        path = route.path.format(**ROUTE_SAMPLES[route.name])
        for method in route.methods:
            response = anonymous.request(method, path, json={})
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["code"] == "not_authenticated"


def test_health_is_public_and_ready(anonymous):
    assert anonymous.get("/health").json() == {"live": True, "ready": True, "reasons": []}


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_placeholder_page_and_docs_are_public(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 200
    if path == "/":
        assert "editor has not been built" in response.text


def test_built_spa_is_served_when_present(tmp_path: Path):
    web = tmp_path / "dist"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html><title>spa</title>")
    with TestClient(make_app(make_settings(tmp_path / "d", web_dir=web))) as client:
        assert "spa" in client.get("/").text
        assert client.get("/api/blocks").status_code == 401


def test_a_body_that_cannot_be_parsed_answers_the_envelope(client):
    assert_unparseable_bodies_answer_the_envelope(client, "/api/projects")
    assert client.get("/api/projects").json() == {"projects": []}


def test_a_wall_clock_stepped_forward_does_not_delete_other_sessions(tmp_path: Path):
    from datetime import UTC, datetime, timedelta

    from designer.auth import Accounts
    from designer.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'projects.db'}")
    migrate(engine)
    clock = {"now": datetime(2026, 11, 29, 12, tzinfo=UTC)}
    accounts = Accounts(engine, session_hours=12, clock=lambda: clock["now"])
    accounts.ensure_admin("admin", PASSWORD, tmp_path)
    first, _ = accounts.login("admin", PASSWORD)
    clock["now"] += timedelta(days=2)  # the clock steps forward; someone signs in meanwhile
    accounts.login("admin", PASSWORD)
    clock["now"] -= timedelta(days=2)  # and steps back
    assert accounts.principal(first).username == "admin"
