"""The service: what the HTTP routes call. Protocol-neutral; the protocol does the talking.

It keeps the value cache, persists to runtime.db, guards writes (validation
of the whole batch before any is sent, interlocks, rate limits) and records
every write and every refusal in the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bms_schemas import PointRef, PointValue
from bms_schemas.history import HistoryResponse, PointHistory
from bms_schemas.iot import (
    AuditEntry,
    DeviceDetail,
    DeviceInfo,
    DeviceStatus,
    DiscoverRequest,
    DiscoverResponse,
    HealthStatus,
    Override,
    PointInfo,
    PriorityArray,
    PrioritySlot,
    ReadRequest,
    ReadResponse,
    ReadResult,
    SubscriptionInfo,
    SubscriptionRequest,
    ValueChange,
    WriteItem,
    WriteRequest,
    WriteResponse,
)
from iot_supervisor.errors import (
    IotError,
    NotFoundError,
    RequestError,
    UnknownSubscriptionError,
)
from iot_supervisor.history import downsample, kind_of
from iot_supervisor.hub import Hub
from iot_supervisor.interlocks import WriteGuard
from iot_supervisor.metrics import Metrics
from iot_supervisor.normalise import unit_symbol
from iot_supervisor.overrides import OverrideBook
from iot_supervisor.protocol import PointProtocol, point_key
from iot_supervisor.settings import Settings
from iot_supervisor.store import RuntimeStore
from iot_supervisor.writepolicy import WritePolicy

log = logging.getLogger(__name__)

AUDIT_FLUSH_WAIT_S = 1.0
VERSION = "0.1.0"
SERVICE_CALLER = "iot-service"
"""The audit identity of what the service writes by itself (an override's end)."""
OTHER_CLIENT = "another BACnet client"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        protocol: PointProtocol,
        store: RuntimeStore,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.protocol = protocol
        self.store = store
        self.metrics = metrics or Metrics()
        self.hub = Hub()
        self.clock = clock
        self.guard = WriteGuard(
            settings.all_interlocks(),
            rate_per_s=settings.rate_limit_per_s,
            burst=settings.rate_limit_burst,
        )
        self.policy = WritePolicy(
            self.guard,
            default_priority=settings.default_priority,
            allow_priority_6=settings.allow_priority_6,
        )
        self.overrides = OverrideBook(store, clock)
        self._overrides_task: asyncio.Task[None] | None = None
        self._cache: dict[str, PointValue] = {}
        self.ready = False
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        cached = await asyncio.to_thread(self.store.load_devices)
        self.protocol.load_cache(cached)
        self.overrides.load(await asyncio.to_thread(self.store.load_overrides))
        self.protocol.add_listener(self._on_value)
        await self.protocol.start()
        self._sweeper = asyncio.create_task(self._sweep_subscriptions(), name="subscriptions")
        self.ready = True
        # Overrides that ended while the service was down are relinquished now.
        self._overrides_task = asyncio.create_task(self._override_loop(), name="overrides")
        if self.settings.discover_on_start:
            await self.discover(DiscoverRequest())

    async def stop(self) -> None:
        self.ready = False
        self.hub.close()
        for task in (self._overrides_task, self._sweeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.protocol.close()
        await self.store.flush()

    # -- discovery ---------------------------------------------------------------

    async def discover(self, request: DiscoverRequest) -> DiscoverResponse:
        started = time.perf_counter()
        details = await self.protocol.discover(request)
        for detail in details:
            self.store.save_device(detail)
        return DiscoverResponse(
            devices=tuple(d.device for d in details),
            duration_ms=(time.perf_counter() - started) * 1000,
        )

    def devices(self) -> list[DeviceInfo]:
        return self.protocol.devices()

    def device(self, instance: int) -> DeviceDetail:
        return self.protocol.device(instance)

    def health(self) -> HealthStatus:
        devices = self.protocol.devices()
        return HealthStatus(
            status="ok" if self.ready and self.protocol.bound else "starting",
            bacnet_bound=self.protocol.bound,
            bacnet_address=self.protocol.address,
            devices=len(devices),
            devices_offline=sum(d.status is DeviceStatus.OFFLINE for d in devices),
            version=VERSION,
        )

    # -- read --------------------------------------------------------------------

    async def read(self, request: ReadRequest) -> ReadResponse:
        for point in request.points:
            self.protocol.point_info(point)
        started = time.perf_counter()
        fresh: dict[int, ReadResult] = {}
        to_read = list(range(len(request.points)))
        if request.max_age_ms is not None:
            to_read = []
            oldest = datetime.now(UTC).timestamp() - request.max_age_ms / 1000
            for i, point in enumerate(request.points):
                cached = self._cache.get(str(point))
                if cached is not None and cached.timestamp.timestamp() >= oldest:
                    fresh[i] = ReadResult(
                        point=point, value=cached, unit_symbol=unit_symbol(cached.units)
                    )
                else:
                    to_read.append(i)
        if to_read:
            results = await self.protocol.read([request.points[i] for i in to_read])
            for i, result in zip(to_read, results, strict=True):
                fresh[i] = result
                self._on_value(result.point, result.value, "read")
        self.metrics.points_read.inc(len(request.points))
        self.metrics.read_seconds.observe(time.perf_counter() - started)
        return ReadResponse(results=tuple(fresh[i] for i in range(len(request.points))))

    # -- write -------------------------------------------------------------------

    async def write(self, request: WriteRequest, caller: str) -> WriteResponse:
        """Validate every write, then send them in order; a refusal sends none."""
        planned = []
        for item in request.writes:
            try:
                planned.append(self._validate(item))
            except IotError as err:
                self.refuse(
                    caller, str(item.point), item.value, item.priority, err.message, item.reason
                )
                raise
        results = []
        for item, priority, encoded in planned:
            result = await self.protocol.write(item.point, encoded, priority)
            outcome = "written" if result.ok else "failed"
            if result.ok:
                self.policy.record(item.point, item.value)
                self.overrides.written(item, priority, caller)
            self.store.audit(
                caller=caller, point=str(item.point), value=item.value, priority=priority,
                outcome=outcome, reason=item.reason, error=result.error,
            )  # fmt: skip
            self.metrics.writes.labels(outcome).inc()
            results.append(result)
        return WriteResponse(results=tuple(results))

    def _validate(self, item: WriteItem) -> tuple[WriteItem, int, object]:
        priority = self.policy.priority(item)
        info = self.protocol.point_info(item.point)
        self.policy.check(item, info, priority)
        encoded = self.protocol.encode(info, item.value)
        self.policy.take_token(item.point)
        return item, priority, encoded

    def refuse(
        self,
        caller: str,
        point: str,
        value: object,
        priority: object,
        error: str,
        reason: object = None,
    ) -> None:
        """Record a refused write in the audit log: ``error`` says why it was refused."""
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)  # kept as text: the audit log must stay readable as JSON
        fits = isinstance(priority, int) and not isinstance(priority, bool) and 1 <= priority <= 16
        if priority is not None and not fits:
            # the column takes 1-16 only (a huge number would not even fit SQLite's integer):
            # the given priority goes into the error, so the entry is never lost
            error = f"{error} (priority given: {str(priority)[:40]})"
        self.store.audit(
            caller=caller,
            point=point,
            value=value if isinstance(value, bool | int | float | str) else None,
            priority=priority if fits and isinstance(priority, int) else None,
            outcome="refused",
            reason=reason[:200] if isinstance(reason, str) else None,
            error=error,
        )
        self.metrics.writes.labels("refused").inc()

    async def audit_log(
        self,
        limit: int,
        outcome: str | None,
        *,
        point: str | None = None,
        device: int | None = None,
        caller: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        # wait briefly for what was just recorded; a lock held by another process must not
        # hold this answer (WAL serves what is committed meanwhile)
        await self.store.flush(timeout_s=AUDIT_FLUSH_WAIT_S)
        return await asyncio.to_thread(
            lambda: self.store.audit_entries(
                limit, outcome, point=point, device=device, caller=caller, since=since, until=until
            )
        )

    # -- overrides and priority arrays ----------------------------------------------

    def active_overrides(self) -> list[Override]:
        return self.overrides.active()

    async def _override_loop(self) -> None:
        while True:
            try:
                await self.expire_overrides()
            except Exception:  # the loop must outlive one bad pass, or overrides never end
                log.exception("ending overrides failed")
            await asyncio.sleep(self.settings.override_check_s)

    async def expire_overrides(self) -> int:
        """Relinquish every override whose end has come; the number relinquished."""
        ended = 0
        for override in self.overrides.due():
            reason = (
                f"override by {override.caller} ended at {override.until:%Y-%m-%d %H:%M:%S} UTC"
                + (f" ({override.reason})" if override.reason else "")
            )[:200]
            key = (str(override.point), override.priority)
            try:
                info = self.protocol.point_info(override.point)
                result = await self.protocol.write(
                    override.point, self.protocol.encode(info, None), override.priority
                )
                error = result.error if not result.ok else None
            except IotError as err:
                error = err.message
            self.store.audit(
                caller=SERVICE_CALLER, point=key[0], value=None, priority=override.priority,
                outcome="failed" if error else "written", reason=reason, error=error,
            )  # fmt: skip
            self.metrics.writes.labels("failed" if error else "written").inc()
            if error:
                log.warning("could not end the override of %s: %s", key[0], error)
                self.overrides.retry_later(override, self.settings.override_retry_s)
            else:
                self.overrides.remove(key)
                ended += 1
        return ended

    async def priority_array(self, point: PointRef) -> PriorityArray:
        """The point's 16 slots read from the device, each with who wrote it."""
        info: PointInfo = self.protocol.point_info(point)
        if not info.commandable:
            raise RequestError(
                f"{point} has no priority array ({info.object_type} is not commandable)",
                details={"field": "point"},
            )
        base = point.model_copy(update={"property": "present-value", "index": None})
        refs = [
            base,
            base.model_copy(update={"property": "relinquish-default"}),
            *(
                base.model_copy(update={"property": "priority-array", "index": i})
                for i in range(1, 17)
            ),
        ]
        results = await self.protocol.read(refs)
        failed = next((r for r in results if r.error), None)
        if failed is not None:
            raise RequestError(f"{failed.point}: {failed.error}", details={"field": "point"})
        await self.store.flush(timeout_s=AUDIT_FLUSH_WAIT_S)
        written = await asyncio.to_thread(self.store.latest_writes, str(base))
        slots = []
        for priority, result in enumerate(results[2:], start=1):
            value = result.value.value
            slot = PrioritySlot(priority=priority, value=value)
            if value is not None:
                ours = written.get(priority)
                override = self.overrides.get(base, priority)
                if ours is not None and _same(ours.value, value):
                    slot = slot.model_copy(
                        update={"holder": ours.caller, "reason": ours.reason, "since": ours.at,
                                "until": override.until if override else None}
                    )  # fmt: skip
                else:
                    slot = slot.model_copy(update={"holder": OTHER_CLIENT})
            slots.append(slot)
        active = next((s.priority for s in slots if s.value is not None), None)
        return PriorityArray(
            point=base, present_value=results[0].value.value,
            relinquish_default=results[1].value.value, active_priority=active, slots=tuple(slots),
        )  # fmt: skip

    # -- history -------------------------------------------------------------------

    async def history(
        self, points: list[PointRef], start: datetime, end: datetime, buckets: int
    ) -> HistoryResponse:
        """The value log of ``points`` over ``[start, end)``, in ``buckets`` equal buckets."""
        await self.store.flush()  # values received so far are in the answer
        t0, t1 = start.timestamp(), end.timestamp()
        series = []
        for point in dict.fromkeys(points):
            before, rows = await asyncio.to_thread(self.store.value_history, str(point), t0, t1)
            info = self._point_info(point)
            values = [r.value for r in rows] + ([before.value] if before is not None else [])
            series.append(
                PointHistory(
                    point=point,
                    name=info.name if info else None,
                    unit_symbol=info.unit_symbol if info else None,
                    state_texts=info.state_texts if info else None,
                    kind=kind_of(values),
                    before=before.sample() if before is not None else None,
                    samples=len(rows),
                    buckets=tuple(downsample(before, rows, t0, t1, buckets)),
                )
            )
        return HistoryResponse(
            start=start,
            end=end,
            bucket_s=(t1 - t0) / buckets,
            retention_s=self.settings.value_log_retention_s,
            series=tuple(series),
        )

    def _point_info(self, point: PointRef) -> PointInfo | None:
        try:
            detail = self.protocol.device(point.device)
        except IotError:
            return None
        return next((p for p in detail.points if p.point == point), None)

    # -- subscriptions -------------------------------------------------------------

    async def subscribe(self, request: SubscriptionRequest) -> SubscriptionInfo:
        points = []
        for point in request.points:
            try:
                known_point = self.protocol.point_info(point).point
            except NotFoundError as err:
                # Name the point, whatever is unknown (device or object): a client drops that
                # one point and subscribes to the others.
                known = err.details if isinstance(err.details, dict) else {}
                err.details = {**known, "point": str(point)}
                raise
            # The subscription keeps the reference the service already holds for the point
            # (equal, but one object instead of two: 10,000 subscribed points kept 10,000
            # parsed copies)
            points.append(known_point if known_point == point else point)
        info = self.hub.add_subscription(
            tuple(points),
            end_with_stream=request.end_with_stream,
            idle_timeout_s=request.idle_timeout_s or self.settings.subscription_idle_timeout_s,
        )
        for point in dict.fromkeys(points):
            await self.protocol.watch(point)
        return info

    async def unsubscribe(self, sub_id: str) -> None:
        info = self.hub.remove_subscription(sub_id)
        if info is None:
            raise UnknownSubscriptionError(f"no subscription {sub_id!r}")
        for point in dict.fromkeys(info.points):
            await self.protocol.unwatch(point)

    async def end_expired_subscriptions(self) -> list[str]:
        """End subscriptions no stream reads any more (their stream closed, or they idled out)."""
        ended = self.hub.expired()
        for sub_id in ended:
            log.info("subscription %s ended: no stream reads it", sub_id)
            await self.unsubscribe(sub_id)
        return ended

    async def _sweep_subscriptions(self) -> None:
        while True:
            await asyncio.sleep(self.settings.subscription_sweep_s)
            try:
                await self.end_expired_subscriptions()
            except Exception:  # the sweep must go on; one failed unwatch is logged
                log.exception("ending idle subscriptions failed")

    def subscription(self, sub_id: str) -> SubscriptionInfo:
        info = self.hub.subscriptions.get(sub_id)
        if info is None:
            raise UnknownSubscriptionError(f"no subscription {sub_id!r}")
        return info

    # -- values --------------------------------------------------------------------

    def snapshot(self, sub_id: str | None) -> list[ValueChange]:
        """The current values of a subscription's points, sent first to a new stream client."""
        info = self.hub.subscriptions.get(sub_id) if sub_id is not None else None
        if info is None:
            return []
        return [
            ValueChange(point=p, value=v, source="snapshot")
            for p in dict.fromkeys(info.points)
            if (v := self._cache.get(str(p))) is not None
        ]

    def _on_value(self, point: PointRef, value: PointValue, source: str) -> None:
        key = point_key(point)
        before = self._cache.get(key)
        self._cache[key] = value
        if before is not None and before.value == value.value and before.quality is value.quality:
            return
        self.metrics.value_changes.labels(source).inc()
        self.store.save_value(point, value)
        self.hub.publish(ValueChange(point=point, value=value, source=source))


def _same(written: object, read: object) -> bool:
    """Whether a value read from a slot is the one the service wrote (REALs are float32)."""
    if isinstance(written, bool) or isinstance(read, bool):
        return (
            bool(written) == bool(read)
            if type(written) is type(read)
            else str(written) == str(read)
        )
    if isinstance(written, int | float) and isinstance(read, int | float):
        return math.isclose(written, read, rel_tol=1e-6, abs_tol=1e-6)
    return str(written) == str(read)


__all__ = ["Supervisor"]
