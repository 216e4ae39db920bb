"""Regression tests of the security holes found in the Designer, one or more each."""

from __future__ import annotations

import io
import json
import socket
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from designer.app import create_app
from designer.errors import ImportFormatError
from designer.exchange import MAX_UNCOMPRESSED_BYTES, export_zip, import_zip
from designer.throttle import LoginThrottle

from .conftest import FAST_HASHER, PASSWORD, content, login, make_app, make_settings


class Recorder(BaseHTTPRequestHandler):
    """A real HTTP server on loopback that notes each request's path and Authorization."""

    seen: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("authorization")))
        body = b"[]"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    seen: list[tuple[str, str | None]] = []
    handler = type("Handler", (Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_a_project_cannot_send_the_iot_token_elsewhere(tmp_path: Path, recorder: Any) -> None:
    iot_url, iot_seen = recorder
    # The attacker's listener: a bare TCP socket that notes any connection.
    trap = socket.socket()
    trap.bind(("127.0.0.1", 0))
    trap.listen()
    trap.settimeout(0.2)
    trap_url = f"http://127.0.0.1:{trap.getsockname()[1]}"
    settings = make_settings(tmp_path / "d", iot_url=iot_url, iot_token="the-iot-token")
    with TestClient(make_app(settings), base_url="http://127.0.0.1:3000") as anonymous:
        client = login(anonymous)
        devices = {"iotUrl": trap_url, "iotToken": "t"}
        created = client.post("/api/projects", json={"name": "p", "content": {"devices": devices}})
        assert created.status_code == 201
        response = client.get("/api/iot/devices", params={"project": created.json()["id"]})
        assert response.status_code == 200, response.text
    with pytest.raises(TimeoutError):
        trap.accept()  # nobody came
    trap.close()
    assert iot_seen == [("/devices", "Bearer the-iot-token")]


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    # 40 MiB of spaces inside valid JSON deflates to about 40 KB.
    bomb = _zip({"project.json": b'{"name": "x"' + b" " * (40 * 1024 * 1024) + b"}"})
    assert len(bomb) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(ImportFormatError, match="would expand to 40 MiB"):
            import_zip(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_UNCOMPRESSED_BYTES // 8, f"{peak} bytes allocated while refusing"


def test_an_archive_of_too_many_files_is_refused() -> None:
    crowd = _zip({f"flows/f{i}.json": b"{}" for i in range(2001)})
    with pytest.raises(ImportFormatError, match="2001 files"):
        import_zip(crowd)


def test_an_honest_export_still_imports(client: TestClient, project: dict[str, Any]) -> None:
    from bms_schemas.designer import ProjectContent

    data = export_zip("Zone 1", ProjectContent.model_validate(project["content"]))
    name, _content = import_zip(data)
    assert name == "Zone 1"


def test_the_import_endpoint_answers_the_bomb_with_422(client: TestClient) -> None:
    bomb = _zip({"project.json": b"{" + b" " * (40 * 1024 * 1024) + b"}"})
    response = client.post(
        "/api/projects/import", content=bomb, headers={"content-type": "application/zip"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == "body"


def test_json_bodies_are_capped(client: TestClient) -> None:
    huge = {"name": "big", "content": {"parameters": {"blob": "x" * (5 * 1024 * 1024)}}}
    response = client.post("/api/projects", json=huge)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    assert response.json()["details"]["field"] == "body"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while received
        text = json.dumps(huge).encode()
        for i in range(0, len(text), 65536):
            yield text[i : i + 65536]

    response = client.post(
        "/api/projects", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert client.get("/api/projects").json()["projects"] == []
    assert (
        client.post("/api/projects", json={"name": "small", "content": content()}).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"point": "1/analog-value,1", "value": 1, "priority": true, "reason": "r"}', "body.priority"),
        ('{"point": "1/analog-value,1", "value": 1, "priority": "8", "reason": "r"}', "body.priority"),
        ('{"point": "1/analog-value,1", "value": NaN, "reason": "r"}', "body.value"),
        ('{"point": "1/analog-value,1", "value": Infinity, "reason": "r"}', "body.value"),
        ('{"point": "1/analog-value,1", "value": 1e308, "reason": "r"}', "body.value"),
    ],
)  # fmt: skip
def test_bad_priorities_and_values_of_a_manual_write_are_422(
    client: TestClient, body: str, field: str
) -> None:
    response = client.post(
        "/api/iot/points/write", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["details"]["field"] == field


def test_wrong_passwords_are_throttled(anonymous: TestClient) -> None:
    for _ in range(5):
        wrong = anonymous.post("/api/auth/login", json={"username": "admin", "password": "nope"})
        assert wrong.status_code == 401
    throttled = anonymous.post("/api/auth/login", json={"username": "admin", "password": "nope"})
    assert throttled.status_code == 429
    assert throttled.json()["details"]["retryAfterS"] > 0
    # The right password does not get through a lock either: guessing gains nothing from it.
    right = anonymous.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert right.status_code == 429


def test_the_throttle_grows_per_user_and_address_and_forgets() -> None:
    now = [0.0]
    throttle = LoginThrottle(free_per_user=3, free_per_address=10, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("admin", "10.0.0.1") == 0
        throttle.failed("admin", "10.0.0.1")
    assert throttle.retry_after("admin", "10.0.0.1") == 1.0
    assert throttle.retry_after("admin", "10.0.0.2") == 0, "another address is not locked"
    assert throttle.retry_after("bob", "10.0.0.1") == 0, "another user is not locked"
    now[0] = 1.0
    throttle.failed("admin", "10.0.0.1")
    assert throttle.retry_after("admin", "10.0.0.1") == 2.0, "each failure doubles the wait"
    for i in range(6):  # many users from one address: the address is locked too
        throttle.failed(f"user{i}", "10.0.0.1")
    assert throttle.retry_after("carol", "10.0.0.1") > 0
    now[0] = 10_000.0
    assert throttle.retry_after("admin", "10.0.0.1") == 0, "the window has passed"


class CountingHasher(PasswordHasher):
    """A real argon2 hasher that counts verifications."""

    verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        CountingHasher.verified += 1
        return super().verify(hash, password)


def test_an_unknown_user_costs_a_password_hash_like_a_known_one(tmp_path: Path) -> None:
    hasher = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = create_app(make_settings(tmp_path / "d"), password_hasher=hasher)
    with TestClient(app, base_url="http://127.0.0.1:3000") as client:
        for user in ("admin", "nobody"):
            before = CountingHasher.verified
            response = client.post("/api/auth/login", json={"username": user, "password": "x"})
            assert response.status_code == 401
            assert response.json()["message"] == "wrong username or password"
            assert CountingHasher.verified == before + 1, user


@pytest.mark.parametrize(
    ("host", "api_docs", "served"),
    [("127.0.0.1", None, True), ("0.0.0.0", None, False), ("0.0.0.0", True, True),
     ("127.0.0.1", False, False)],
)  # fmt: skip
def test_api_docs_are_on_for_loopback_and_can_be_turned_off(
    tmp_path: Path, host: str, api_docs: bool | None, served: bool
) -> None:
    settings = make_settings(tmp_path / "d", host=host, api_docs=api_docs)
    with TestClient(create_app(settings, password_hasher=FAST_HASHER)) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (client.get(path).status_code == 200) is served, path
