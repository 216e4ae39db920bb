"""Watching points: SubscribeCOV with renewal and a watchdog, plus a slow poll as a safety net.

bacpypes3's own ``change_of_value()`` context manager is not used: its renewal
task fails silently when the device goes away (pitfall 7), and it registers
the subscription context only after the ACK, so an initial notification that
overtakes the ACK is lost (research §4.4). Here the context is registered
first, every renewal is an explicit request whose failure is seen, and a
device coming back triggers an immediate re-subscription.

A watch holds no task while it waits: it is a timer (``loop.call_later``) that starts a
short task for its next subscription, renewal or poll, then sets the next timer. A task
waiting in ``wait_for`` per watched point cost about 3.7 KB each (two tasks, their frames,
an event's future and a timer handle): 37 MB of the service at 10,000 watched points.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bacpypes3.apdu import ErrorRejectAbortNack, SubscribeCOVRequest  # type: ignore[import-untyped]
from bacpypes3.primitivedata import ObjectIdentifier  # type: ignore[import-untyped]
from bacpypes3.vendor import get_vendor_info  # type: ignore[import-untyped]

from bms_schemas import PointRef, PointValue, Quality
from bms_schemas.iot import PointInfo, ReadResult
from iot_supervisor.errors import BacnetError, IotError
from iot_supervisor.normalise import quality_from_flags, to_scalar
from iot_supervisor.protocol import point_key

if TYPE_CHECKING:
    from iot_supervisor.bacnet.client import BacnetClient
    from iot_supervisor.bacnet.devices import Device

log = logging.getLogger(__name__)

_NO_ANSWER = frozenset({"no-response", "offline", None})
"""Failure reasons that say nothing about the device's COV support."""
POLL_BATCH_WINDOW_S = 0.05
"""Polls asked for within this long of each other are read together."""
# Watch steps (subscribe, renew, poll) run at most ``settings.cov_steps_at_once`` at once; the
# others wait their turn in order. A subscription to 10,000 points made every watch's first
# SubscribeCOV at once: 10,000 tasks with their requests built, waiting for the device's
# in-flight slots, took about 60 MB at that moment, which the process then kept. The requests
# in flight are bounded far lower anyway (``in_flight_total``), and 1,024 steps still batch
# 10,000 polls in a few RPM rounds.


def next_poll_time(now: float, interval: float) -> float:
    """The next multiple of ``interval`` after ``now``: every watch polls on the same instants,
    so that the polls of a device's points are read in a few RPMs instead of one each."""
    return (math.floor(now / interval) + 1) * interval


class PollBatch:
    """The safety-net polls of many watches, read as one batch read (RPMs of 20 objects).

    10,000 watched points polled one request each are 10,000 requests per poll interval,
    which no field bus (nor the service's socket) carries; batched, they are about 500.
    """

    def __init__(self, client: BacnetClient) -> None:
        self._client = client
        self._pending: dict[str, tuple[PointRef, list[asyncio.Future[ReadResult]]]] = {}
        self._flush: asyncio.TimerHandle | None = None
        self._reads: set[asyncio.Task[None]] = set()

    async def read(self, point: PointRef) -> ReadResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ReadResult] = loop.create_future()
        self._pending.setdefault(str(point), (point, []))[1].append(future)
        if self._flush is None:
            self._flush = loop.call_later(POLL_BATCH_WINDOW_S, self._start_read)
        return await future

    def _start_read(self) -> None:
        pending, self._pending, self._flush = self._pending, {}, None
        task = asyncio.create_task(self._read(list(pending.values())), name="poll batch")
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _read(self, pending: list[tuple[PointRef, list[asyncio.Future[ReadResult]]]]) -> None:
        try:
            results = await self._client.read([point for point, _ in pending])
        except IotError as err:  # e.g. a device forgotten meanwhile: each watch sees the error
            for _, futures in pending:
                for future in futures:
                    if not future.done():
                        future.set_exception(err)
            return
        for (_, futures), result in zip(pending, results, strict=True):
            for future in futures:
                if not future.done():
                    future.set_result(result)

    async def close(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        for task in list(self._reads):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@dataclass(eq=False, slots=True)
class _Watch:
    point: PointRef
    info: PointInfo
    process_id: int
    monitored_object_identifier: ObjectIdentifier
    refs: int = 1
    device: Device | None = None
    """The device as known when the watch began (a rediscovered device is a new watch's)."""
    timer: asyncio.TimerHandle | None = None
    """When the next step (subscription, renewal or poll) is due; None while one runs."""
    step: asyncio.Task[None] | None = None
    woken: bool = False
    """Woken while a step ran: the next step comes at once after it."""
    queued: bool = False
    """Due, waiting for one of the ``cov_steps_at_once``."""
    stopped: bool = False
    next_renewal: float = 0.0
    next_poll: float = 0.0
    subscribed: bool = False
    last: tuple[Any, Quality] | None = None
    flags_quality: Quality = Quality.OK
    client: BacnetClient | None = None

    async def put(self, property_value: Any) -> None:
        """Called by bacpypes3 for each value of a COV notification (the context protocol)."""
        assert self.client is not None
        prop = str(property_value.propertyIdentifier)
        object_class = get_vendor_info(0).get_object_class(self.monitored_object_identifier[0])
        prop_type = object_class.get_property_type(property_value.propertyIdentifier)
        value = property_value.value.cast_out(prop_type)
        if prop == "status-flags":
            self.flags_quality = quality_from_flags(value)
            if self.last is not None:
                self.publish(self.last[0], "cov")
        elif prop == "present-value":
            self.publish(to_scalar(value), "cov")

    def publish(self, value: Any, source: str, quality: Quality | None = None) -> None:
        assert self.client is not None
        quality = quality or self.flags_quality
        if self.last == (value, quality):
            return
        self.last = (value, quality)
        self.client.emit(
            self.point,
            PointValue(
                value=value, quality=quality, timestamp=datetime.now(UTC), units=self.info.units
            ),
            source,
        )


class CovWatcher:
    """All watched points of the client, one task per watched object."""

    def __init__(self, client: BacnetClient) -> None:
        self._client = client
        self._watches: dict[str, _Watch] = {}
        self._next_process_id = random.randrange(1, 1 << 20)
        self._polls = PollBatch(client)
        self._steps = 0
        self._queue: collections.deque[_Watch] = collections.deque()

    async def watch(self, point: PointRef, info: PointInfo) -> None:
        key = point_key(point)
        watch = self._watches.get(key)
        if watch is not None:
            watch.refs += 1
            return
        self._next_process_id = (self._next_process_id + 1) % (1 << 22)
        watch = _Watch(
            point=point,
            info=info,
            process_id=self._next_process_id,
            monitored_object_identifier=ObjectIdentifier(f"{point.object_type},{point.instance}"),
            client=self._client,
        )
        self._watches[key] = watch
        watch.device = self._client.known(point.device)
        if watch.device is not None:
            self._schedule(watch, 0.0)

    async def unwatch(self, point: PointRef) -> None:
        watch = self._watches.get(str(point))
        if watch is None:
            return
        watch.refs -= 1
        if watch.refs <= 0:
            del self._watches[str(point)]
            await self._stop(watch, cancel_on_device=True)

    async def close(self) -> None:
        watches, self._watches = list(self._watches.values()), {}
        await asyncio.gather(*(self._stop(w, cancel_on_device=False) for w in watches))
        await self._polls.close()

    def device_lost(self, device: Device) -> None:
        for watch in self._for_device(device):
            watch.subscribed = False
            watch.publish(None, "fault", Quality.FAULT)

    def device_back(self, device: Device) -> None:
        for watch in self._for_device(device):
            watch.subscribed = False
            if watch.step is not None:
                watch.woken = True
            else:
                self._schedule(watch, 0.0)

    def _for_device(self, device: Device) -> list[_Watch]:
        return [w for w in self._watches.values() if w.point.device == device.instance]

    async def _stop(self, watch: _Watch, *, cancel_on_device: bool) -> None:
        watch.stopped = True
        if watch.timer is not None:
            watch.timer.cancel()
            watch.timer = None
        step = watch.step
        if step is not None:
            step.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await step
        device = self._client.known(watch.point.device)
        if device is None:
            return
        self._client.app._cov_contexts.pop((device.addr, watch.process_id), None)
        if cancel_on_device and watch.subscribed and device.online:
            request = SubscribeCOVRequest(
                subscriberProcessIdentifier=watch.process_id,
                monitoredObjectIdentifier=watch.monitored_object_identifier,
                destination=device.addr,
            )
            with contextlib.suppress(BacnetError):
                await self._client.call(device, lambda: self._client.app.request(request))

    def _schedule(self, watch: _Watch, delay: float) -> None:
        """Run the watch's next step after ``delay`` seconds (sooner than a step due later)."""
        if watch.stopped:
            return
        if watch.timer is not None:
            watch.timer.cancel()
        watch.timer = asyncio.get_running_loop().call_later(delay, self._start_step, watch)

    def _start_step(self, watch: _Watch) -> None:
        watch.timer = None
        if watch.stopped or watch.step is not None or watch.queued:
            return
        if self._steps >= self._client.settings.cov_steps_at_once:
            watch.queued = True
            self._queue.append(watch)
            return
        self._steps += 1
        watch.step = asyncio.create_task(self._step(watch), name=f"watch {watch.point}")

    def _next_queued(self) -> None:
        while self._queue and self._steps < self._client.settings.cov_steps_at_once:
            watch = self._queue.popleft()
            watch.queued = False
            self._start_step(watch)

    async def _step(self, watch: _Watch) -> None:
        try:
            delay = await self._advance(watch)
        except Exception:  # one bad step must not end the watch: it tries again later
            log.exception("watching %s failed", watch.point)
            delay = self._client.settings.poll_interval_s
        finally:
            watch.step = None
            self._steps -= 1
            self._next_queued()
        if watch.woken:
            watch.woken, delay = False, 0.0
        self._schedule(watch, delay)

    async def _advance(self, watch: _Watch) -> float:
        """Subscribe, renew or poll as due; the seconds until the next step."""
        s = self._client.settings
        device = watch.device
        assert device is not None
        loop = asyncio.get_running_loop()
        now = loop.time()
        if not device.online:
            return s.probe_interval_s  # or sooner: the device coming back wakes the watch
        if watch.info.cov and (not watch.subscribed or now >= watch.next_renewal):
            watch.subscribed = await self._subscribe(watch, device)
            watch.next_renewal = now + s.cov_lifetime_s / 2
            if watch.subscribed and watch.next_poll == 0.0:
                # The subscription's initial notification carries the value: a read now
                # would double the requests of a subscription to 10,000 points.
                watch.next_poll = next_poll_time(now, s.cov_poll_interval_s)
        if not watch.info.cov or not watch.subscribed or now >= watch.next_poll:
            await self._poll(watch)
            interval = s.cov_poll_interval_s if watch.subscribed else s.poll_interval_s
            watch.next_poll = next_poll_time(loop.time(), interval)
        due = min(watch.next_poll, watch.next_renewal if watch.info.cov else watch.next_poll)
        return max(due - loop.time(), 0.05)

    async def _subscribe(self, watch: _Watch, device: Device) -> bool:
        client = self._client
        contexts = client.app._cov_contexts
        key = (device.addr, watch.process_id)
        # Registered before the request: the initial notification may overtake the ACK.
        contexts[key] = watch
        request = SubscribeCOVRequest(
            subscriberProcessIdentifier=watch.process_id,
            monitoredObjectIdentifier=watch.monitored_object_identifier,
            issueConfirmedNotifications=client.settings.cov_confirmed,
            lifetime=client.settings.cov_lifetime_s,
            destination=device.addr,
        )
        try:
            await client.call(device, lambda: _acked(client, request))
        except BacnetError as err:
            contexts.pop(key, None)
            if err.reason not in _NO_ANSWER:
                # The device answered no: it has no COV for this object. Poll it instead,
                # and say so in the point's metadata.
                log.info("%s refuses SubscribeCOV (%s): polling it", watch.point, err.reason)
                watch.info = watch.info.model_copy(update={"cov": False})
                client.set_point_info(watch.info)
            else:
                log.info("SubscribeCOV %s failed: %s", watch.point, err)
            return False
        return True

    async def _poll(self, watch: _Watch) -> None:
        try:
            result = await self._polls.read(watch.point)
        except IotError:
            return
        before = watch.last
        watch.flags_quality = result.value.quality if result.error is None else watch.flags_quality
        watch.publish(result.value.value, "poll", result.value.quality)
        if watch.subscribed and before is not None and watch.last != before:
            # The poll saw a change that COV did not deliver: the subscription is suspect.
            log.info("COV missed a change of %s; re-subscribing", watch.point)
            watch.subscribed = False


async def _acked(client: BacnetClient, request: SubscribeCOVRequest) -> bool:
    response = await client.app.request(request)
    if isinstance(response, ErrorRejectAbortNack):
        raise response
    return True
