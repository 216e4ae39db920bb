from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from designer.app import create_app
from designer.settings import Settings
from supervisor_engine.testing import GraphBuilder

PASSWORD = "correct horse battery staple"
# Nothing listens on the discard port of loopback: the engine and IoT service are away.
NOWHERE = "http://127.0.0.1:9"
TEMP = "2001/analog-value,1"
DAMPER = "2001/analog-output,1"


def zone_graph(
    setpoint: float = 21.0, *, priority: int = 10, extra: bool = False
) -> dict[str, Any]:
    g = GraphBuilder(flow="zone", period_ms=1000)
    t = g.node("io.point-input", "t", point="9/analog-value,9", staleAfterS=30)
    sp = g.node("io.constant", "sp", value=setpoint)
    pid = g.node("control.pid", "pid", kp=10.0, tiS=0, action="direct", bias=0.0)
    out = g.node("io.point-output", "damper", point=DAMPER, priority=priority)
    g.wire(t, "value", pid, "pv").wire(sp, "value", pid, "setpoint").wire(pid, "out", out, "value")
    if extra:
        g.node("io.constant", "spare", value=1.0)
    graph = g.build().model_dump(mode="json", by_alias=True)
    graph["layout"] = {"t": {"x": 0, "y": 0}, "pid": {"x": 200, "y": 40}}
    return graph


def content(**kwargs: Any) -> dict[str, Any]:
    return {"graph": zone_graph(**kwargs), "bindings": {"t": TEMP}}


@pytest.fixture(name="zone_content")
def zone_content_fixture() -> Callable[..., dict[str, Any]]:
    return content


# Real argon2id, with test-sized cost: the default costs about 0.2 s a hash.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def make_app(settings: Settings) -> FastAPI:
    return create_app(settings, password_hasher=FAST_HASHER)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "admin_password": PASSWORD,
        "engine_url": NOWHERE,
        "iot_url": NOWHERE,
        "engine_token_file": None,
        "iot_token_file": None,
        "web_dir": data_dir / "no-web",
        "upstream_timeout_s": 2.0,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "designer")


def login(client: TestClient, password: str = PASSWORD) -> TestClient:
    response = client.post("/api/auth/login", json={"username": "admin", "password": password})
    assert response.status_code == 200, response.text
    client.headers["x-csrf-token"] = response.json()["csrfToken"]
    return client


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    with TestClient(make_app(settings), base_url="http://127.0.0.1:3000") as client:
        yield client


@pytest.fixture
def client(anonymous: TestClient) -> TestClient:
    return login(anonymous)


@pytest.fixture
def project(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/projects", json={"name": "Zone 1", "content": content()})
    assert response.status_code == 201, response.text
    return dict(response.json())
