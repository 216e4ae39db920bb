"""Which requests the HTTP adapter makes, seen at its transport.

A recording transport stands in for the IoT service here: the behaviour under
test is what the adapter asks for (never an empty subscription; a rotated
token read again on 401), not what the service does with it, which the
real-process tests (test_restart_paths.py) cover.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx

from supervisor_engine import PointWrite
from supervisor_engine.clock import LoopClock
from supervisor_engine.iot_client import HttpIoAdapter, IotClientSettings

POINT = "2001/analog-output,1/present-value"


def _written(request: httpx.Request) -> httpx.Response:
    writes = json.loads(request.content)["writes"]
    results = [
        {"point": w["point"], "ok": True, "priority": w["priority"], "value": w["value"],
         "priorityArray": [w["value"] if i + 1 == w["priority"] else None for i in range(16)]}
        for w in writes
    ]  # fmt: skip
    return httpx.Response(200, json={"results": results})


async def _run_until(adapter: HttpIoAdapter, done: Callable[[], bool]) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop))
    for _ in range(500):
        if done():
            break
        await asyncio.sleep(0.01)
    stop.set()
    await task
    await adapter.aclose()


def test_a_bundle_that_reads_nothing_subscribes_to_nothing():
    seen: list[tuple[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.path == "/points/write":
            return _written(request)
        return httpx.Response(200, json={"results": []})

    async def main() -> HttpIoAdapter:
        adapter = HttpIoAdapter(
            IotClientSettings(base_url="http://iot.test", poll_interval_s=0.01),
            LoopClock(),
            transport=httpx.MockTransport(answer),
        )
        # a bundle with inputs, then one without (a redeploy): the second subscribes to nothing
        adapter.set_points(["2001/analog-input,1/present-value"])
        adapter.set_points([])
        adapter.submit([PointWrite(POINT, 42.0, 10, "out")])
        await _run_until(adapter, lambda: adapter.ledger.confirmed == 1)
        return adapter

    adapter = asyncio.run(main())
    assert adapter.ledger.confirmed == 1
    assert ("POST", "/subscriptions") not in seen


def test_a_401_reads_the_token_again_and_resends_with_the_new_one():
    tokens = {"current": "old"}
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.headers.get("authorization") != "Bearer new":
            return httpx.Response(401, json={"code": "unauthorized", "message": "wrong token"})
        return _written(request)

    kept: list[bool] = []

    def rotate_once_refused() -> bool:
        # the operator rotates the engine's copy once the engine reports "unauthorized"
        adapter = adapters[0]
        if adapter.status.unauthorized and tokens["current"] == "old":
            kept.append(bool(adapter.ledger.active()))
            tokens["current"] = "new"
        return adapter.ledger.confirmed == 1

    adapters: list[HttpIoAdapter] = []

    async def main() -> None:
        adapters.append(
            HttpIoAdapter(
                IotClientSettings(base_url="http://iot.test", token="old", backoff_max_s=0.05),
                LoopClock(),
                transport=httpx.MockTransport(answer),
                token_source=lambda: tokens["current"],
            )
        )
        adapters[0].submit([PointWrite(POINT, 42.0, 10, "out")])
        await _run_until(adapters[0], rotate_once_refused)

    asyncio.run(main())
    adapter = adapters[0]
    assert kept == [True], "refused as unauthorized first, with the command kept, not dropped"
    assert adapter.ledger.confirmed == 1
    assert not adapter.status.unauthorized
    assert seen[-1] == "Bearer new"
    assert adapter.status.writes_refused == 0
