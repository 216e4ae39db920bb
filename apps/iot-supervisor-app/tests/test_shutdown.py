"""Shutdown is bounded: a connected SSE or WebSocket client never holds the service up.

The service runs as a real ``iot-supervisor serve`` process, stopped by SIGINT as
its supervisor (systemd, bms-stack) stops it. Before the fix a connected stream
client held it for over a minute, until SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from iot_supervisor.testing import NetPlan

TOKEN = "shutdown-test-token"
BIN = Path(sys.executable).parent
STOPS_WITHIN_S = 10.0

pytestmark = pytest.mark.timeout(90)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sigint_stops_the_service_promptly_with_sse_and_websocket_clients(
    plan: NetPlan, tmp_path: Path
):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMS_", "PYTEST"))}
    env |= {
        "BMS_IOT_DATA_DIR": str(tmp_path / "iot"), "BMS_IOT_TOKEN": TOKEN,
        "BMS_IOT_HTTP_PORT": str(port), "BMS_IOT_BACNET_ADDRESS": plan.service_address,
        "BMS_IOT_BROADCAST_ADDRESS": plan.broadcast,
        "BMS_IOT_STREAM_KEEPALIVE_S": "30",  # long: the stream must end because of shutdown
    }  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "iot.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "iot-supervisor"), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        sse_ended = threading.Event()
        sse_open = threading.Event()

        def follow() -> None:
            headers = {"authorization": f"Bearer {TOKEN}"}
            with httpx.stream("GET", f"{url}/stream", headers=headers, timeout=None) as response:
                for _line in response.iter_lines():
                    sse_open.set()
            sse_ended.set()

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        assert sse_open.wait(10), "the SSE stream opened"
        ws = connect(f"ws://127.0.0.1:{port}/ws?token={TOKEN}", open_timeout=10)

        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(STOPS_WITHIN_S)
        took = time.monotonic() - started
        assert proc.returncode in (0, 130, -signal.SIGINT), log.read_text()  # 130: re-raised SIGINT
        assert sse_ended.wait(2), "the SSE stream ended"
        with pytest.raises(Exception):  # noqa: B017, PT011 - closed, however websockets words it
            ws.recv(timeout=2)
        assert ws.close_code in (1001, 1012, 1006), ws.close_code
        assert took < STOPS_WITHIN_S
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
