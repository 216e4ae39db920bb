from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from headless_engine.app import create_app
from headless_engine.settings import Settings
from supervisor_engine import (
    SigningKey,
    bundle_document,
    generate_key,
    public_key_pem,
    sign_document,
)
from supervisor_engine.testing import GraphBuilder, make_bundle

TOKEN = "engine-test-token"
# Nothing listens on the discard port of loopback: the IoT service is simply away.
NO_SERVICE = "http://127.0.0.1:9"


@pytest.fixture
def signing_key() -> SigningKey:
    return generate_key()


@pytest.fixture
def public_key_file(tmp_path: Path, signing_key: SigningKey) -> Path:
    path = tmp_path / "designer.pub"
    path.write_bytes(public_key_pem(signing_key.public_key()))
    return path


def zone_graph(setpoint: float = 21.0, *, extra: bool = False) -> GraphBuilder:
    g = GraphBuilder(flow="zone", period_ms=1000)
    t = g.node("io.point-input", "t", point="2001/analog-input,1", staleAfterS=30)
    sp = g.node("io.constant", "sp", value=setpoint)
    pid = g.node("control.pid", "pid", kp=5.0, tiS=60.0, action="direct")
    out = g.node("io.point-output", "damper", point="2001/analog-output,1", priority=10)
    g.wire(t, "value", pid, "pv").wire(sp, "value", pid, "setpoint").wire(pid, "out", out, "value")
    if extra:
        g.node("io.constant", "spare", value=1.0)
    return g


@pytest.fixture(name="zone_graph")
def zone_graph_fixture() -> Callable[..., GraphBuilder]:
    return zone_graph


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def signed(signing_key: SigningKey) -> Callable[..., dict[str, Any]]:
    def make(builder: GraphBuilder | None = None, version: str = "1.0.0") -> dict[str, Any]:
        document = bundle_document(make_bundle((builder or zone_graph()).build(), version=version))
        return sign_document(document, signing_key)

    return make


@pytest.fixture
def settings(tmp_path: Path, public_key_file: Path) -> Settings:
    return Settings(
        state_dir=tmp_path / "engine",
        token=TOKEN,
        iot_url=NO_SERVICE,
        trusted_keys=[public_key_file],
        backoff_max_s=0.5,
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {TOKEN}"}) as client:
        yield client


@pytest.fixture
def served(settings: Settings, signed) -> Iterator[str]:
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    # one real deployment, so that status, values and rollback have something to report
    response = httpx.post(
        f"{url}/engine/deploy",
        json={"bundle": signed()},
        headers={"authorization": f"Bearer {settings.token}"},
    )
    assert response.status_code == 200, response.text
    yield url
    server.should_exit = True
    thread.join(20)
