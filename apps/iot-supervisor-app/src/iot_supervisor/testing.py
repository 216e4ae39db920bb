"""Running the simulator and the service in threads, for tests, benchmarks and the engine's e2e tests.

The simulator and the service each run in a thread with an event loop of their
own, so a caller can kill a device or change a value while the service is busy,
and the caller itself stays synchronous. Everything is real: bacpypes3 devices
on 127.x UDP sockets, the service under uvicorn on a loopback TCP port, httpx.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from bms_service.testing import wait_for
from iot_supervisor.app import create_app
from iot_supervisor.settings import Settings
from iot_supervisor.simulator import Simulator, SimulatorConfig
from supervisor_engine.testing_net import (
    NetPlan as NetPlan,  # re-exported: tests place devices with it
)

T = TypeVar("T")


class LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], T], timeout: float = 10) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper(), timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


FIELD_QUIRKS: tuple[tuple[str, ...], ...] = (
    (),
    ("broadcast-i-am",),
    ("no-rpm",),
    ("no-segmentation",),  # with a 206-byte APDU and more objects, below
    ("real-ccp",),
    ("no-cov",),
    ("slow",),
    ("drops",),
    ("no-rpm", "slow"),
    ("broadcast-i-am", "no-segmentation", "no-cov"),
)
"""The quirks of the ten devices of :func:`field_building`, device 1001 first."""


BEHIND_ROUTER_QUIRKS: tuple[tuple[str, ...], ...] = ((), ("no-rpm",))
"""The quirks of the two devices behind :func:`field_building`'s router, 1011 and 1012."""
ROUTER_INSTANCE = 1100


def field_building(
    ip_prefix: str,
    port: int,
    *,
    points_per_device: int = 7,
    slow_ms: int = 800,
    behind_port: int | None = None,
) -> SimulatorConfig:
    """Ten devices as a real building has them: one clean, the others each with quirks.

    Device 1004 accepts only 206-byte APDUs, does not segment and has 40 objects, so
    its object list is read entry by entry; the others have ``points_per_device``.
    With ``behind_port``, a BACnet router (device 1100 on ``{ip_prefix}30:{port}``,
    network 1) has network 2 on that port behind it, with two more devices.
    """
    grid = SimulatorConfig.grid(
        devices=len(FIELD_QUIRKS),
        points_per_device=max(40, points_per_device),
        ip_prefix=ip_prefix,
        port=port,
    )
    devices = []
    for spec, quirks in zip(grid.devices, FIELD_QUIRKS, strict=True):
        data = spec.model_dump(by_alias=True, exclude={"max_apdu", "segmentation"})
        data |= {"quirks": list(quirks), "slowMs": slow_ms, "dropFraction": 0.2}
        if spec.instance == 1004:
            data["maxApdu"] = 206
            data["objects"] = data["objects"][: max(40, points_per_device)]
        else:
            data["objects"] = data["objects"][:points_per_device]
        devices.append(data)
    routers = []
    if behind_port is not None:
        routers.append(
            {
                "instance": ROUTER_INSTANCE,
                "name": "Router-MSTP-2",
                "address": f"{ip_prefix}30/8:{port}",
                "behindAddress": f"{ip_prefix}30/8:{behind_port}",
            }
        )
        behind = SimulatorConfig.grid(
            devices=len(BEHIND_ROUTER_QUIRKS),
            points_per_device=points_per_device,
            ip_prefix=ip_prefix,
            first_host=2 + len(FIELD_QUIRKS),
            first_instance=1001 + len(FIELD_QUIRKS),
            port=behind_port,
        )
        for spec, quirks in zip(behind.devices, BEHIND_ROUTER_QUIRKS, strict=True):
            devices.append({**spec.model_dump(by_alias=True), "quirks": list(quirks)})
    return SimulatorConfig.model_validate(
        {"tickS": grid.tick_s, "devices": devices, "routers": routers}
    )


def loopback_settings(plan: NetPlan, data_dir: Path, token: str, **overrides: Any) -> Settings:
    """Settings for a service on ``plan``'s addresses, tuned to notice faults in well under a second."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "token": token,
        "bacnet_address": plan.service_address,
        "broadcast_address": plan.broadcast,
        "discovery_mode": "directed-broadcast",
        "discovery_timeout_s": 1.0,
        "request_timeout_s": 0.5,
        # One retry: on a loaded machine a single late reply must not take a device offline.
        "request_retries": 1,
        "offline_after_failures": 1,
        "probe_interval_s": 0.3,
        "cov_lifetime_s": 30,
        "poll_interval_s": 2.0,
        "cov_poll_interval_s": 2.0,
        "rate_limit_per_s": 50.0,
        "rate_limit_burst": 50,
        # Short, so a closed test client is noticed (and the service can stop) quickly.
        "stream_keepalive_s": 0.2,
    }
    values.update(overrides)
    return Settings(**values)


class SimHandle:
    """A running simulator and the loop it runs in."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.loop = LoopThread("simulator")
        self.sim = Simulator(config)
        self.loop.run(self.sim.start())

    def kill(self, instance: int) -> None:
        self.loop.call(lambda: self.sim.kill(instance))

    def revive(self, instance: int) -> None:
        self.loop.run(self.sim.revive(instance))

    def set_value(self, instance: int, object_id: str, value: Any) -> None:
        self.loop.call(lambda: self.sim.set_value(instance, object_id, value))

    def set_status(self, instance: int, object_id: str, **flags: bool) -> None:
        self.loop.call(lambda: self.sim.set_status(instance, object_id, **flags))

    def present_value(self, instance: int, object_id: str) -> Any:
        return self.loop.call(lambda: self.sim.present_value(instance, object_id))

    def close(self) -> None:
        self.loop.run(self.sim.stop())
        self.loop.stop()


class ServiceHandle:
    """The service under uvicorn on 127.0.0.1, with an httpx client carrying the token."""

    def __init__(
        self, settings: Settings, token: str, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.settings = settings
        self.token = token
        self.app = create_app(settings, clock=clock)
        self.loop = LoopThread("service")
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            lifespan="on",
            loop="asyncio",
            ws="websockets-sansio",
        )
        self.server = uvicorn.Server(config)
        self._serving = asyncio.run_coroutine_threadsafe(self._serve(), self.loop.loop)
        wait_for(lambda: self.server.started or self._serving.done(), 20, "uvicorn to start", 0.05)
        if self._serving.done():
            self._serving.result()
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(
            base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    async def _serve(self) -> None:
        try:
            await self.server.serve()
        except SystemExit as err:  # uvicorn exits on a failed start-up; keep the loop thread alive
            raise RuntimeError(f"the service failed to start (exit {err.code})") from None

    @property
    def supervisor(self) -> Any:
        return self.app.state.supervisor

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self._serving.result(30)
        self.loop.stop()


class SseReader:
    """Reads ``/stream`` in a thread and keeps every ``value`` event, as a client would."""

    def __init__(self, service: ServiceHandle, subscription: str | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._response: httpx.Response | None = None
        params = {"subscription": subscription} if subscription else {}
        self._client = httpx.Client(
            base_url=service.base_url, headers=service.http.headers, timeout=None
        )
        self._thread = threading.Thread(target=self._read, args=(params,), daemon=True)
        self._thread.start()
        if not self._connected.wait(10):
            raise AssertionError("the SSE stream did not connect")

    def _read(self, params: dict[str, str]) -> None:
        import json

        try:
            with self._client.stream("GET", "/stream", params=params) as response:
                self._response = response
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith(": connected"):
                        self._connected.set()
                    elif line.startswith("data: "):
                        self.events.append(json.loads(line.removeprefix("data: ")))
        except httpx.HTTPError:
            return

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            return next((e for e in list(self.events) if predicate(e)), None)

        found = wait_for(find, timeout, what, 0.05)
        assert found is not None
        return found

    def close(self) -> None:
        self._stop.set()
        if self._response is not None:
            self._response.close()
        self._client.close()
        self._thread.join(5)
