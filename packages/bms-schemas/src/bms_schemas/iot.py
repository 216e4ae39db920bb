"""Request and response models of the IoT Supervisor Service's HTTP API.

Devices and points as the service describes them after discovery, batch
reads and writes, COV subscriptions, stream events and the write audit log.
Points are always named by their canonical :class:`~bms_schemas.points.PointRef`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from bms_schemas._base import BmsModel
from bms_schemas.points import PointRef
from bms_schemas.values import PointValue, Priority, Scalar, WriteValue


class DeviceStatus(StrEnum):
    """Whether the service can currently talk to a device."""

    ONLINE = "online"
    OFFLINE = "offline"


class DeviceInfo(BmsModel):
    """A device found by discovery, with what its I-Am and device object said."""

    instance: int = Field(
        ge=0,
        le=4_194_302,
        description="Device object instance (for another protocol, the number its configuration gives).",
    )
    protocol: str = Field(
        default="bacnet", description="The protocol the device speaks, e.g. 'bacnet', 'modbus'."
    )
    address: str = Field(
        description="The device's address, e.g. BACnet/IP or Modbus TCP 'ip:port'."
    )
    name: str | None = Field(default=None, description="The device object's object-name.")
    vendor_id: int | None = Field(default=None, description="Vendor identifier from the I-Am.")
    max_apdu: int = Field(description="Largest APDU the device accepts, in bytes.")
    segmentation: str = Field(
        description="Segmentation the device supports, e.g. 'segmented-both'."
    )
    status: DeviceStatus = Field(description="Whether the device currently answers.")
    point_count: int = Field(default=0, ge=0, description="Number of points (objects) described.")
    last_seen: datetime | None = Field(default=None, description="When the device last answered.")


class PointInfo(BmsModel):
    """Metadata of one point: an object's present value and how to treat it."""

    point: PointRef = Field(description="Canonical reference to the object's present-value.")
    name: str = Field(description="The object's object-name.")
    object_type: str = Field(description="Object type, hyphenated, e.g. 'analog-value'.")
    description: str | None = Field(default=None, description="The object's description, if any.")
    units: str | None = Field(
        default=None, description="Engineering unit as its standard name, e.g. 'degrees-celsius'."
    )
    unit_symbol: str | None = Field(
        default=None, description="Display symbol of the unit, e.g. '°C'."
    )
    state_texts: tuple[str, ...] | None = Field(
        default=None, description="State texts of a multi-state object, state 1 first."
    )
    commandable: bool = Field(description="Whether the object has a priority array.")
    writable: bool = Field(description="Whether the service allows writes to this point at all.")
    cov: bool = Field(description="Whether the object supports SubscribeCOV.")
    min_value: float | None = Field(
        default=None,
        description="The device's own lowest value (BACnet min-pres-value); writes below are refused.",
    )
    max_value: float | None = Field(
        default=None,
        description="The device's own highest value (BACnet max-pres-value); writes above are refused.",
    )


class DeviceDetail(BmsModel):
    """A device with its points."""

    device: DeviceInfo = Field(description="The device.")
    points: tuple[PointInfo, ...] = Field(description="The device's points.")


class DiscoverRequest(BmsModel):
    """Parameters of a discovery run; every field falls back to the service's settings."""

    low_limit: int | None = Field(default=None, ge=0, le=4_194_302, description="Lowest instance.")
    high_limit: int | None = Field(
        default=None, ge=0, le=4_194_302, description="Highest instance."
    )
    timeout_s: float | None = Field(
        default=None, gt=0, le=30, description="How long to wait for I-Am replies, in seconds."
    )
    describe: bool = Field(
        default=True, description="Also read each device's objects and metadata."
    )


class DiscoverResponse(BmsModel):
    """The devices found by a discovery run."""

    devices: tuple[DeviceInfo, ...] = Field(description="Devices that answered.")
    duration_ms: float = Field(ge=0, description="How long discovery and description took.")


class ReadRequest(BmsModel):
    """A batch of points to read."""

    points: tuple[PointRef, ...] = Field(
        min_length=1, max_length=5000, description="Points to read, in canonical form."
    )
    max_age_ms: int | None = Field(
        default=None,
        ge=0,
        description="Serve a cached value no older than this instead of asking the device.",
    )


class ReadResult(BmsModel):
    """One point's value, or why there is none."""

    point: PointRef = Field(description="The point that was read.")
    value: PointValue = Field(description="The value with its quality; null value on failure.")
    unit_symbol: str | None = Field(default=None, description="Display symbol of the unit.")
    error: str | None = Field(default=None, description="Why the read failed, if it did.")


class ReadResponse(BmsModel):
    """The values of a batch read, in the order requested."""

    results: tuple[ReadResult, ...] = Field(description="One result per requested point.")


class WriteItem(BmsModel):
    """One write: a value (or null to relinquish) at a priority."""

    point: PointRef = Field(description="The point to write, normally a present-value.")
    value: WriteValue = Field(
        description=(
            "The value to write; null relinquishes the point at this priority. A number must be "
            "finite and inside the float32 range."
        )
    )
    priority: Priority | None = Field(
        default=None,
        description=(
            "BACnet priority 1-16 (6 is reserved), an integer (never true or '8'); the "
            "service's default when omitted."
        ),
    )
    reason: str | None = Field(
        default=None,
        max_length=200,
        description="Why the write is made, kept in the audit log apart from who made it.",
    )
    override: bool = Field(
        default=False,
        description=(
            "An operator override: listed in GET /overrides until released, or until its "
            "duration ends. Implied by durationS."
        ),
    )
    duration_s: float | None = Field(
        default=None,
        gt=0,
        le=31 * 86_400,
        description=(
            "Seconds after which the service relinquishes this value at its priority (an "
            "override with an end), also when the service restarted in between."
        ),
    )

    @property
    def is_override(self) -> bool:
        """Whether this write is an operator override (explicitly, or by having a duration)."""
        return self.value is not None and (self.override or self.duration_s is not None)


class WriteRequest(BmsModel):
    """A batch of writes, validated as a whole before any is sent."""

    writes: tuple[WriteItem, ...] = Field(
        min_length=1, max_length=1000, description="The writes, sent in this order."
    )


class WriteResult(BmsModel):
    """What one write did on the device."""

    point: PointRef = Field(description="The point written.")
    ok: bool = Field(description="Whether the device accepted the write.")
    priority: int = Field(ge=1, le=16, description="The priority written at.")
    value: Scalar | None = Field(description="The value written; null for a relinquish.")
    present_value: Scalar | None = Field(
        default=None, description="The present value read back after the write."
    )
    priority_array: tuple[Scalar | None, ...] | None = Field(
        default=None, description="The 16 slots of the priority array read back, 1 first."
    )
    relinquish_default: Scalar | None = Field(
        default=None, description="The relinquish default read back after the write."
    )
    error: str | None = Field(default=None, description="Why the device refused, if it did.")


class WriteResponse(BmsModel):
    """The results of a batch write, in the order requested."""

    results: tuple[WriteResult, ...] = Field(description="One result per write.")


class SubscriptionRequest(BmsModel):
    """Points whose changes the caller wants on the stream."""

    points: tuple[PointRef, ...] = Field(
        min_length=1, max_length=5000, description="Points to watch, in canonical form."
    )
    end_with_stream: bool = Field(
        default=False,
        description="End the subscription when the last stream reading it closes (a browser page).",
    )
    idle_timeout_s: float | None = Field(
        default=None,
        ge=1,
        le=86400,
        description="End the subscription after this long with no stream reading it; "
        "the service's default if unset.",
    )


class SubscriptionInfo(BmsModel):
    """A subscription held by the service for a client."""

    id: str = Field(description="Subscription id, used to delete it and to filter the stream.")
    points: tuple[PointRef, ...] = Field(description="The points watched.")
    created_at: datetime = Field(description="When the subscription was made (UTC).")
    end_with_stream: bool = Field(
        default=False, description="It ends when the last stream reading it closes."
    )
    idle_timeout_s: float = Field(
        default=300.0, description="It ends after this long with no stream reading it."
    )


class ValueChange(BmsModel):
    """One event on the stream: a point's new value."""

    point: PointRef = Field(description="The point that changed.")
    value: PointValue = Field(description="The new value with its quality.")
    source: str = Field(
        description=(
            "What produced the event: 'cov', 'poll', 'read', 'write', 'fault', or 'snapshot' "
            "(the current value, sent first to a new stream client)."
        )
    )


class AuditEntry(BmsModel):
    """One write attempt as the audit log keeps it: done, failed or refused."""

    id: int = Field(description="Sequence number of the entry.")
    at: datetime = Field(description="When the write was attempted (UTC).")
    caller: str = Field(
        description=(
            "Who asked for the write, from authentication: 'engine', or 'designer:<user>' for "
            "an operator signed in to the Designer."
        )
    )
    point: str = Field(description="The point as the caller gave it (it may not parse).")
    value: Scalar | None = Field(description="The value asked for; null for a relinquish.")
    priority: int | None = Field(description="The priority asked for.")
    outcome: str = Field(description="'written', 'failed' or 'refused'.")
    reason: str | None = Field(default=None, description="Why the caller asked for the write.")
    error: str | None = Field(default=None, description="Why it failed or was refused.")


class Override(BmsModel):
    """A value an operator holds on a point at a priority, until released or until it ends."""

    point: PointRef = Field(description="The point overridden.")
    value: Scalar = Field(description="The value held.")
    priority: int = Field(ge=1, le=16, description="The priority it is held at.")
    caller: str = Field(description="Who set it (the authenticated principal).")
    reason: str | None = Field(default=None, description="Why.")
    since: datetime = Field(description="When it was written (UTC).")
    until: datetime | None = Field(
        default=None, description="When the service relinquishes it (UTC); null: until released."
    )
    remaining_s: float | None = Field(
        default=None, description="Seconds left until it ends, when it has an end."
    )


class OverrideList(BmsModel):
    """The overrides active now, soonest to end first."""

    overrides: tuple[Override, ...] = Field(description="The active overrides.")


class PrioritySlot(BmsModel):
    """One slot of a point's priority array, and who put its value there."""

    priority: int = Field(ge=1, le=16, description="The slot, 1 (highest) to 16.")
    value: Scalar | None = Field(description="The slot's value; null when relinquished.")
    holder: str | None = Field(
        default=None,
        description=(
            "Who wrote the value: 'engine', 'designer:<user>' (an operator), or 'another "
            "BACnet client' when the service did not write it; null for an empty slot."
        ),
    )
    reason: str | None = Field(default=None, description="Why, as the writer said.")
    since: datetime | None = Field(default=None, description="When the service wrote it.")
    until: datetime | None = Field(default=None, description="When an override in it ends.")


class PriorityArray(BmsModel):
    """A commandable point's 16 priority slots with their holders."""

    point: PointRef = Field(description="The point.")
    present_value: Scalar | None = Field(description="The value in effect.")
    relinquish_default: Scalar | None = Field(description="The value when every slot is empty.")
    active_priority: int | None = Field(
        description="The highest-precedence slot that holds a value; null if none does."
    )
    slots: tuple[PrioritySlot, ...] = Field(description="The 16 slots, priority 1 first.")


class AuditLog(BmsModel):
    """A page of the write audit log, newest first."""

    entries: tuple[AuditEntry, ...] = Field(description="The entries.")


class HealthStatus(BmsModel):
    """Liveness and readiness of the service."""

    status: str = Field(description="'ok' when ready, 'starting' otherwise.")
    bacnet_bound: bool = Field(description="Whether the BACnet/IP socket is bound.")
    bacnet_address: str = Field(description="The BACnet/IP address the service is bound to.")
    devices: int = Field(ge=0, description="Devices known (from discovery or the cache).")
    devices_offline: int = Field(ge=0, description="Known devices that do not answer.")
    version: str = Field(description="Service version.")


__all__ = [
    "AuditEntry",
    "AuditLog",
    "DeviceDetail",
    "DeviceInfo",
    "DeviceStatus",
    "DiscoverRequest",
    "DiscoverResponse",
    "HealthStatus",
    "Override",
    "OverrideList",
    "PointInfo",
    "PriorityArray",
    "PrioritySlot",
    "ReadRequest",
    "ReadResponse",
    "ReadResult",
    "SubscriptionInfo",
    "SubscriptionRequest",
    "ValueChange",
    "WriteItem",
    "WriteRequest",
    "WriteResponse",
    "WriteResult",
]
