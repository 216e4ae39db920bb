"""The HTTP/SSE adapter to the IoT Supervisor Service.

Three tasks, each on the engine's clock:

- **values**: subscribe to every point the bundle reads, read them once in a
  batch, then follow the service's SSE stream (COV first; the service polls
  points without COV). While the stream is healthy, a keep-alive confirms
  every cached value as current. When the stream breaks, values keep their
  old time stamps, so point inputs go stale after their stale-after time.
- **poll**: a batched read of every point at ``poll_interval_s`` as a safety
  net, and a probe that finds the service back after an outage.
- **writes**: the latest pending command per point, checked against the
  bundle's constraints and a per-point minimum interval, sent in one batch.
  The service refuses a whole batch for one bad write, so a refused batch is
  retried write by write to find and drop the refused ones. Every delivery is
  confirmed against the priority slot the service reads back, and kept in a
  :class:`~supervisor_engine.command_truth.CommandLedger`: confirmed commands
  are refreshed every ``command_refresh_s``, failed or mismatched ones retried.
- **devices**: the status of the devices the bundle touches; a device that
  comes back online gets every command the engine holds on it again.

Anything that may have cleared the device side re-asserts every held command
in one batch: the service found again after an outage (its restart, a broken
stream), a device back online, a new token. The engine's own start, deploy
and rollback re-assert through :meth:`HttpIoAdapter.reassert`.

A 401 is not an outage: the token file is read again (the token may have been
rotated) and, if the token is still refused, the link reports "unauthorized".

Every failure to reach the service backs off exponentially with full jitter,
capped at ``backoff_max_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from bms_schemas import ErrorEnvelope, PointConstraint, PointRef, PointValue, Quality
from bms_schemas._base import BmsModel
from bms_schemas.engine_events import (
    IotLinkEvent,
    PointUnknownEvent,
    WriteFailedEvent,
    WriteRefusedEvent,
)
from bms_schemas.iot import (
    ReadRequest,
    ReadResponse,
    SubscriptionInfo,
    SubscriptionRequest,
    ValueChange,
    WriteItem,
    WriteRequest,
    WriteResponse,
)
from supervisor_engine.adapter import AdapterStatus, PendingWrites, Refusal, WriteGuard
from supervisor_engine.block import PointWrite
from supervisor_engine.clock import Clock
from supervisor_engine.command_truth import DEFAULT_REFRESH_S, CommandLedger, device_of, slot_holds
from supervisor_engine.readings import Readings

log = logging.getLogger(__name__)

EventSink = Callable[[str, dict[str, Any]], None]
TokenSource = Callable[[], str | None]


@dataclass(frozen=True)
class IotClientSettings:
    """How the engine talks to the IoT service."""

    base_url: str = "http://127.0.0.1:8080"
    token: str | None = None
    caller: str = "headless-engine"
    poll_interval_s: float = 30.0
    write_min_interval_s: float = 1.0
    """Per point: no two commands closer than this."""
    request_timeout_s: float = 10.0
    stream_idle_s: float = 45.0
    """No byte from the stream for this long (keep-alives included): reconnect."""
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    command_refresh_s: float | None = DEFAULT_REFRESH_S
    """Deliver every held command again this long after its last confirmation (None: never)."""
    command_retry_max_s: float = 30.0
    """Cap of the retry delay of a command that failed or read back wrong."""
    device_check_s: float = 10.0
    """How often the status of the devices the bundle touches is checked."""


class Backoff:
    """Capped exponential backoff with full jitter (a random delay up to the cap)."""

    def __init__(self, initial: float, maximum: float, rng: random.Random) -> None:
        self.initial, self.maximum, self._rng = initial, maximum, rng
        self.attempt = 0

    def next_delay(self) -> float:
        ceiling = min(self.maximum, self.initial * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 30)
        return self._rng.uniform(self.initial / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


class ServiceUnavailable(Exception):
    """The service did not answer (connection refused, timeout, 5xx) or refused our token."""


def refs(points: Iterable[str]) -> tuple[PointRef, ...]:
    return tuple(PointRef.parse(p) for p in points)


def envelope_of(response: httpx.Response) -> ErrorEnvelope:
    """The service's error envelope, or one made of the raw answer when it is not one."""
    try:
        return ErrorEnvelope.model_validate_json(response.content)
    except ValidationError:
        return ErrorEnvelope(code=f"http_{response.status_code}", message=response.text[:500])


class HttpIoAdapter:
    """:class:`~supervisor_engine.adapter.IoAdapter` over the IoT service's HTTP API."""

    def __init__(
        self,
        settings: IotClientSettings,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        on_event: EventSink | None = None,
        rng: random.Random | None = None,
        token_source: TokenSource | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.status = AdapterStatus()
        # digests each value as it arrives, for the compiled flows (see readings.py)
        self._cache: Readings = Readings()
        self._points: tuple[str, ...] = ()
        self._unknown: set[str] = set()
        """Points the service does not know (an unknown device or object): left out of the
        subscription and the batch reads so that every other point still gets live values."""
        self._points_changed = asyncio.Event()
        self._pending = PendingWrites()
        self._writes_waiting = asyncio.Event()
        self._guard = WriteGuard()
        self._last_sent: dict[str, float] = {}
        self.ledger = CommandLedger(
            refresh_s=settings.command_refresh_s,
            retry_initial_s=min(2.0, settings.command_retry_max_s),
            retry_max_s=settings.command_retry_max_s,
        )
        self._token = settings.token
        self._token_source = token_source
        self._offline: set[int] = set()
        self._on_event = on_event or (lambda _kind, _data: None)
        self._rng = rng or random.Random()
        self.on_value: Callable[[str], None] | None = None
        """Called with the point of every new value (the engine's on-change triggers)."""
        headers = {"x-caller": settings.caller}
        if settings.token:
            headers["authorization"] = f"Bearer {settings.token}"
        self._client = httpx.AsyncClient(
            base_url=settings.base_url,
            headers=headers,
            timeout=settings.request_timeout_s,
            transport=transport,
        )

    # --- the IoAdapter interface (synchronous, called from ticks) ---------------------------

    def snapshot(self) -> Mapping[str, PointValue]:
        return self._cache

    def set_points(self, points: Iterable[str]) -> None:
        wanted = tuple(sorted(set(points)))
        if wanted != self._points:
            self._points = wanted
            self._unknown.clear()
            for gone in set(self._cache) - set(wanted):
                del self._cache[gone]
            self._points_changed.set()

    def submit(self, writes: Iterable[PointWrite]) -> None:
        writes = list(writes)
        if writes:
            self.ledger.submitted(writes)
            self._pending.put(writes)
            self._writes_waiting.set()

    def reassert(self, writes: Iterable[PointWrite] | None, reason: str) -> int:
        """Deliver held commands again, in one batch; returns how many were queued.

        ``writes`` are the engine's own commands (its blocks' state after a start, a
        deploy or a rollback): they become the truth. None re-sends what the ledger
        holds, unless a newer command for the slot is already pending.
        """
        if writes is not None:
            batch = list(writes)
            self.ledger.submitted(batch)
            self._pending.put(batch)
        else:
            batch = self.ledger.active()
            self.ledger.requeue(batch)
            self._pending.put_back(batch)
        self.status.reasserts += 1
        self.status.last_reassert = reason
        if batch:
            self._writes_waiting.set()
        log.info("re-asserting %d command(s): %s", len(batch), reason)
        self._on_event("commands-reasserted", {"reason": reason, "commands": len(batch)})
        return len(batch)

    def set_command_refresh(self, refresh_s: float | None) -> None:
        """The bundle's refresh interval of held commands (None: the adapter's setting)."""
        self.ledger.refresh_s = (
            refresh_s if refresh_s is not None else self.settings.command_refresh_s
        )

    def set_constraints(self, constraints: Iterable[PointConstraint]) -> None:
        self._guard.set_constraints(constraints)

    @property
    def pending_writes(self) -> int:
        return len(self._pending)

    # --- running ------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Run the three tasks until ``stop`` is set."""
        tasks = [
            asyncio.create_task(self._values_loop(stop), name="iot-values"),
            asyncio.create_task(self._poll_loop(stop), name="iot-poll"),
            asyncio.create_task(self._write_loop(stop), name="iot-writes"),
            asyncio.create_task(self._devices_loop(stop), name="iot-devices"),
        ]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def flush(self, timeout_s: float = 5.0) -> None:
        """Try once to deliver every pending command now (used at shutdown for relinquishes)."""
        writes = self._pending.take()
        if writes:
            try:
                await asyncio.wait_for(self._send(writes), timeout_s)
            except (TimeoutError, ServiceUnavailable) as err:
                log.warning("could not deliver %d command(s) at shutdown: %s", len(writes), err)

    async def _sleep(self, seconds: float, wake: asyncio.Event | None = None) -> None:
        if wake is None:
            await self.clock.sleep_until(self.clock.monotonic() + seconds)
            return
        sleeper = asyncio.create_task(self.clock.sleep_until(self.clock.monotonic() + seconds))
        waiter = asyncio.create_task(wake.wait())
        try:
            await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waiter.cancel()

    def _backoff_delay(self, backoff: Backoff) -> float:
        delay = backoff.next_delay()
        self.status.max_backoff_s = max(self.status.max_backoff_s, delay)
        return delay

    def _lost(self, err: Exception) -> None:
        if self.status.connected:
            log.warning("IoT service unreachable: %s", err)
            self._emit("iot-disconnected", IotLinkEvent(error=str(err)))
        self.status.connected = False
        self.status.last_error = str(err)

    def _found(self) -> None:
        self.status.unauthorized = False
        if not self.status.connected:
            log.info("IoT service reachable at %s", self.settings.base_url)
            self._emit("iot-connected", IotLinkEvent(url=self.settings.base_url))
            self.status.connected = True
            # the service may have restarted, and devices with it: hold every command again
            self.reassert(None, "IoT service reachable again")
            self._writes_waiting.set()  # deliver what waited for the service
        self.status.connected = True

    def _reread_token(self) -> bool:
        """Read the token again (it may have been rotated); True when it changed."""
        if self._token_source is None:
            return False
        try:
            token = self._token_source()
        except Exception:  # a token source that fails is the same as no new token
            log.exception("reading the IoT token failed")
            return False
        if not token or token == self._token:
            return False
        self._token = token
        self._client.headers["authorization"] = f"Bearer {token}"
        log.info("the IoT token changed; using the new one")
        return True

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(2):
            try:
                response = await self._client.request(method, path, **kwargs)
            except httpx.TransportError as err:
                raise ServiceUnavailable(f"{type(err).__name__}: {err}") from err
            if response.status_code >= 500:
                raise ServiceUnavailable(f"{method} {path} answered {response.status_code}")
            if response.status_code == 401:
                if attempt == 0 and self._reread_token():
                    continue  # a rotated token: try once more with the new one
                self.status.unauthorized = True
                raise ServiceUnavailable(
                    "unauthorized: the IoT service refuses the engine's token "
                    "(check BMS_ENGINE_IOT_TOKEN or the token file)"
                )
            break
        self._found()
        return response

    # --- values -------------------------------------------------------------------------------

    async def _values_loop(self, stop: asyncio.Event) -> None:
        backoff = Backoff(self.settings.backoff_initial_s, self.settings.backoff_max_s, self._rng)
        while not stop.is_set():
            while not self._points:  # a bundle that reads nothing subscribes to nothing
                self._points_changed.clear()
                await self._points_changed.wait()
            self._points_changed.clear()
            points = self._points
            try:
                subscription = await self._subscribe(points)
                await self._read(points)
                backoff.reset()
                if subscription is None:  # nothing to follow until the points or the service change
                    await self._sleep(self.settings.poll_interval_s, self._points_changed)
                    self._points_changed.set()
                    continue
                await self._follow(subscription, points)
            except ServiceUnavailable as err:
                self.status.stream_connected = False
                self._lost(err)
                self.status.reconnects += 1
                await self._sleep(self._backoff_delay(backoff), self._points_changed)
            except Exception:  # a bug or a malformed answer must not end the engine's input
                log.exception("value stream failed unexpectedly; reconnecting")
                self.status.reconnects += 1
                await self._sleep(self._backoff_delay(backoff), self._points_changed)

    async def _subscribe(self, points: tuple[str, ...]) -> str | None:
        """Subscribe to every point the service knows; the ones it does not are marked faulty.

        The service refuses a whole subscription for one unknown point and names it in the
        envelope's ``details.point``: that point is left out and the rest subscribed again.
        None when the service knows none of them.
        """
        self._unknown.clear()
        known: dict[str, str] = {}  # canonical -> as the bundle names it
        for point in points:
            canonical = _canonical(point)
            if canonical is None:
                self._mark_unknown(point, "not a point reference")
            else:
                known[canonical] = point
        while known:
            body = SubscriptionRequest(points=refs(known))
            response = await self._request("POST", "/subscriptions", json=self._body(body))
            if response.status_code == 201:
                return SubscriptionInfo.model_validate_json(response.content).id
            error = envelope_of(response)
            unknown = _named_point(error)
            if response.status_code != 404 or unknown not in known:
                raise ServiceUnavailable(
                    f"subscription refused: {response.status_code} {error.code}: {error.message}"
                )
            self._mark_unknown(known.pop(unknown), error.message)
        return None

    def _mark_unknown(self, point: str, why: str) -> None:
        log.warning("the IoT service does not know %s: %s", point, why)
        self._unknown.add(point)
        self._cache[point] = PointValue(
            value=None, quality=Quality.FAULT, timestamp=self.clock.now()
        )
        self._emit("point-unknown", PointUnknownEvent(point=point, error=why))

    @staticmethod
    def _body(model: SubscriptionRequest | ReadRequest | WriteRequest) -> Any:
        return model.model_dump(mode="json", by_alias=True)

    async def _follow(self, subscription: str, points: tuple[str, ...]) -> None:
        """Consume the SSE stream until it breaks, the points change, or it goes idle."""
        try:
            async with self._client.stream(
                "GET", "/stream", params={"subscription": subscription}, timeout=None
            ) as response:
                if response.status_code != 200:
                    raise ServiceUnavailable(f"stream answered {response.status_code}")
                self.status.stream_connected = True
                async for kind, data in self._events(response):
                    if kind == "value":
                        self._apply(data)
                    else:  # a keep-alive: the stream is healthy, so cached values are current
                        self._confirm()
                    if self._points_changed.is_set():
                        break
        except (httpx.TransportError, TimeoutError) as err:
            raise ServiceUnavailable(f"stream broke: {type(err).__name__}: {err}") from err
        finally:
            self.status.stream_connected = False
            if self._points_changed.is_set() or self._points != points:
                await self._unsubscribe(subscription)

    async def _events(self, response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
        lines = response.aiter_lines().__aiter__()
        kind, data = "message", ""
        while True:
            try:
                line = await asyncio.wait_for(lines.__anext__(), self.settings.stream_idle_s)
            except StopAsyncIteration:
                raise ServiceUnavailable("stream ended") from None
            if line.startswith(":"):
                yield "keep-alive", ""
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and data:
                yield kind, data
                kind, data = "message", ""

    async def _unsubscribe(self, subscription: str) -> None:
        # if the service is gone, it forgets the subscription with the client anyway
        with contextlib.suppress(httpx.TransportError):
            await self._client.delete(f"/subscriptions/{subscription}")

    def _apply(self, data: str) -> None:
        try:
            change = ValueChange.model_validate_json(data)
        except ValidationError as err:
            log.warning("ignored a malformed value event: %s", err)
            return
        point, value = str(change.point), change.value
        if point in self._cache or point in self._points:
            self._cache[point] = value
            self.status.values_received += 1
            if self.on_value is not None:
                self.on_value(point)

    def _confirm(self) -> None:
        now = self.clock.now()
        for point, value in self._cache.items():
            if value.quality is Quality.OK and value.timestamp < now:
                self._cache[point] = value.model_copy(update={"timestamp": now})

    async def _read(self, points: tuple[str, ...]) -> None:
        known = [p for p in points if p not in self._unknown and _canonical(p) is not None]
        if not known:
            return
        body = ReadRequest(points=refs(known))
        response = await self._request("POST", "/points/read", json=self._body(body))
        if response.status_code != 200:
            error = envelope_of(response)
            log.warning("batch read refused: %s %s", response.status_code, error.message)
            return
        for result in ReadResponse.model_validate_json(response.content).results:
            point = str(result.point)
            if point in self._points:
                self._cache[point] = result.value
                self.status.values_received += 1

    async def _poll_loop(self, stop: asyncio.Event) -> None:
        backoff = Backoff(self.settings.backoff_initial_s, self.settings.backoff_max_s, self._rng)
        while not stop.is_set():
            delay = self.settings.poll_interval_s
            try:
                await self._read(self._points)
                backoff.reset()
                if self._unknown:  # discovery may have found them since: subscribe again
                    self._points_changed.set()
            except ServiceUnavailable as err:
                self._lost(err)
                delay = min(delay, self._backoff_delay(backoff))
            except Exception:
                log.exception("batch read failed unexpectedly")
            await self._sleep(delay)

    # --- writes -------------------------------------------------------------------------------

    async def _write_loop(self, stop: asyncio.Event) -> None:
        backoff = Backoff(self.settings.backoff_initial_s, self.settings.backoff_max_s, self._rng)
        while not stop.is_set():
            if not self._writes_waiting.is_set():
                # sleep until a command arrives, or a held one is due for refresh or retry
                due = self.ledger.next_due()
                if due == float("inf"):
                    await self._writes_waiting.wait()
                else:
                    await self._sleep(max(0.0, due - self.clock.monotonic()), self._writes_waiting)
            self._writes_waiting.clear()
            now = self.clock.monotonic()
            self._pending.put_back(self.ledger.take_due(now))
            ready = [p for p in self._pending.points() if self._ready_at(p) <= now]
            batch = self._pending.take(ready)
            if batch:
                try:
                    await self._send(batch)
                    backoff.reset()
                except ServiceUnavailable as err:
                    self._lost(err)
                    self._pending.put_back(batch)
                    await self._sleep(self._backoff_delay(backoff))
                    self._writes_waiting.set()
                    continue
                except Exception:  # e.g. a malformed answer: retry, but never spin
                    log.exception("sending commands failed unexpectedly")
                    self._pending.put_back(batch)
                    await self._sleep(self._backoff_delay(backoff))
                    self._writes_waiting.set()
                    continue
            if len(self._pending):
                # some points wait for their minimum interval
                soonest = min(self._ready_at(p) for p in self._pending.points())
                await self._sleep(max(0.0, soonest - self.clock.monotonic()))
                self._writes_waiting.set()

    def _ready_at(self, point: str) -> float:
        """When the point may be written again (its minimum interval since the last write).

        Less a nanosecond, so that the same float sum on both sides of a comparison
        can never leave a command waiting for a deadline it has already reached.
        """
        last = self._last_sent.get(point)
        if last is None:
            return -float("inf")
        return last + self.settings.write_min_interval_s - 1e-9

    async def _send(self, batch: list[PointWrite]) -> None:
        now = self.clock.monotonic()
        allowed: list[PointWrite] = []
        for write in batch:
            reason = self._guard.check(write, now)
            if reason is None:
                allowed.append(write)
            else:
                self._refused(Refusal(write, f"engine constraint: {reason}"))
                self.ledger.refused(write)
        if not allowed:
            return
        response = await self._post_writes(allowed)
        if 400 <= response.status_code < 500 and len(allowed) > 1:
            for write in allowed:  # find the one(s) the service refuses
                single = await self._post_writes([write])
                self._settle([write], single, now)
            return
        self._settle(allowed, response, now)

    async def _post_writes(self, writes: list[PointWrite]) -> httpx.Response:
        # The reason says which node commanded the write; the audit log keeps it beside "engine".
        body = WriteRequest(
            writes=tuple(
                WriteItem(
                    point=PointRef.parse(w.point),
                    value=w.value,
                    priority=w.priority,
                    reason=f"node {w.node_id}: {w.reason}"[:200],
                )
                for w in writes
            )
        )
        return await self._request("POST", "/points/write", json=self._body(body))

    def _settle(self, writes: list[PointWrite], response: httpx.Response, now: float) -> None:
        if response.status_code >= 400:
            message = envelope_of(response).message
            for write in writes:
                self._refused(
                    Refusal(write, f"service refused ({response.status_code}): {message}")
                )
                self.ledger.refused(write)
            return
        results = WriteResponse.model_validate_json(response.content).results
        for write, result in zip(writes, results, strict=False):
            if result.ok:
                self.status.writes_sent += 1
                self._last_sent[write.point] = now
                self._guard.sent(write, now)
                holds = slot_holds(
                    write.value, write.priority, result.priority_array, result.present_value
                )
                self.ledger.delivered(write, holds, now)
                if holds is False:
                    self._on_event(
                        "command-mismatch",
                        {"point": write.point, "priority": write.priority, "value": write.value,
                         "priorityArray": result.priority_array},
                    )  # fmt: skip
            else:
                self.status.writes_failed += 1
                self.ledger.failed(write, result.error or "the device did not take it", now)
                failed = WriteFailedEvent(point=write.point, node=write.node_id, error=result.error)
                self._emit("write-failed", failed)

    # --- devices ------------------------------------------------------------------------------

    def _devices_touched(self) -> set[int]:
        points = [*self._points, *(w.point for w in self.ledger.active())]
        return {d for p in points if (d := device_of(p)) is not None}

    async def _devices_loop(self, stop: asyncio.Event) -> None:
        """Follow the devices the bundle touches: report the offline ones, re-command the back."""
        while not stop.is_set():
            await self._sleep(self.settings.device_check_s)
            touched = self._devices_touched()
            if not touched:
                continue
            try:
                response = await self._request("GET", "/devices")
                if response.status_code != 200:
                    continue
                offline = {
                    int(d["instance"]) for d in response.json() if d.get("status") == "offline"
                } & touched
            except ServiceUnavailable:
                continue  # the other loops report the outage
            except Exception:
                log.exception("checking the devices failed unexpectedly")
                continue
            self.devices_changed(offline)

    def devices_changed(self, offline: set[int]) -> None:
        """The devices now offline; each one back online gets its commands again."""
        for device in sorted(self._offline - offline):
            held = self.ledger.active(device)
            self.ledger.requeue(held)
            self._pending.put_back(held)
            if held:
                self._writes_waiting.set()
            self.status.reasserts += 1
            self.status.last_reassert = f"device {device} back online"
            log.info("device %s back online: re-asserting %d command(s)", device, len(held))
            self._on_event(
                "commands-reasserted",
                {"reason": f"device {device} back online", "commands": len(held)},
            )
        for device in sorted(offline - self._offline):
            self._on_event("device-offline", {"device": device})
        self._offline = offline
        self.status.devices_offline = sorted(offline)

    def _refused(self, refusal: Refusal) -> None:
        self.status.writes_refused += 1
        event = WriteRefusedEvent(
            point=refusal.write.point,
            value=refusal.write.value,
            priority=refusal.write.priority,
            node=refusal.write.node_id,
            reason=refusal.reason,
        )
        entry = event.model_dump(mode="json")
        self.status.refusals = [*self.status.refusals[-49:], entry]
        log.warning("write refused: %s", entry)
        self._on_event("write-refused", entry)

    def _emit(self, kind: str, event: BmsModel) -> None:
        self._on_event(kind, event.model_dump(mode="json"))


def _named_point(error: ErrorEnvelope) -> str | None:
    """The point an error names in its details (``{"point": ...}``), in canonical form."""
    point = error.details.get("point") if isinstance(error.details, dict) else None
    return _canonical(point) if isinstance(point, str) else None


def _canonical(point: str) -> str | None:
    try:
        return str(PointRef.parse(point))
    except ValueError:
        return None
