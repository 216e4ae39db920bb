"""The engine's event stream: every message a model, on ``/engine/stream`` (server-sent events,
``event: <kind>``, ``data: <payload>``) and ``/engine/ws`` (``{"kind": ..., "data": ...}``).

The Designer relays the stream and publishes :class:`EngineStreamMessage` in its OpenAPI
document, so the browser's types for the stream are generated like the rest. A new kind of
event (alarms, overrides...) is a new ``*Message`` class here and a member of the union.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, JsonValue, RootModel

from bms_schemas._base import BmsModel
from bms_schemas.alarms import AlarmEvent
from bms_schemas.engine import EngineStatus
from bms_schemas.values import Quality


class TickEvent(BmsModel):
    """One tick of a flow ran."""

    flow: str = Field(description="The flow's id.")
    index: int = Field(ge=0, description="The tick's number since the flow started.")
    duration_ms: float = Field(ge=0, description="How long the tick's evaluation took.")
    lateness_ms: float = Field(description="How late the tick started after it was due.")
    writes: int = Field(ge=0, description="Commands the tick handed to the I/O adapter.")
    faults: dict[str, str] = Field(description="Faulted nodes of the flow and their errors.")


PortValue = tuple[JsonValue, Quality]
"""An output's value and its quality."""


class ValuesEvent(BmsModel):
    """The outputs of a flow's blocks after a tick: node -> port -> [value, quality]."""

    flow: str = Field(description="The flow's id.")
    nodes: dict[str, dict[str, PortValue]] = Field(description="Every node's outputs.")


class NoticeEvent(BmsModel):
    """Something the engine did (deploy, rollback, start, stop, a bundle that failed to load).

    Its particulars (``version``, ``by``, ``error``, ``bundle_version``...) sit beside ``event``,
    as in the engine's JSON log line of the same event.
    """

    model_config = ConfigDict(extra="allow")

    event: str = Field(description="What happened, e.g. 'deploy' or 'bundle-failed-to-load'.")


class IotLinkEvent(BmsModel):
    """The link to the IoT service came up (``url``) or went down (``error``)."""

    url: str | None = Field(default=None, description="The service, when it came up.")
    error: str | None = Field(default=None, description="Why it went down.")


class WriteRefusedEvent(BmsModel):
    """A command was not sent: the engine's constraints or the service refused it."""

    point: str = Field(description="The point commanded.")
    value: JsonValue = Field(description="The value; null for a relinquish.")
    priority: int = Field(ge=1, le=16, description="The priority it was for.")
    node: str = Field(description="The block that commanded it.")
    reason: str = Field(description="Why it was refused.")


class WriteFailedEvent(BmsModel):
    """The service sent a command and the device refused it."""

    point: str = Field(description="The point commanded.")
    node: str = Field(description="The block that commanded it.")
    error: str | None = Field(description="The device's reason.")


class PointUnknownEvent(BmsModel):
    """The IoT service does not know a point the bundle reads (its value is a fault)."""

    point: str = Field(description="The point.")
    error: str = Field(description="What the service said.")


class StatusMessage(BmsModel):
    kind: Literal["status"]
    data: EngineStatus


class TickMessage(BmsModel):
    kind: Literal["tick"]
    data: TickEvent


class ValuesMessage(BmsModel):
    kind: Literal["values"]
    data: ValuesEvent


class NoticeMessage(BmsModel):
    kind: Literal["event"]
    data: NoticeEvent


class AlarmMessage(BmsModel):
    kind: Literal["alarm"]
    data: AlarmEvent


class IotLinkMessage(BmsModel):
    kind: Literal["iot-connected", "iot-disconnected"]
    data: IotLinkEvent


class WriteRefusedMessage(BmsModel):
    kind: Literal["write-refused"]
    data: WriteRefusedEvent


class WriteFailedMessage(BmsModel):
    kind: Literal["write-failed"]
    data: WriteFailedEvent


class PointUnknownMessage(BmsModel):
    kind: Literal["point-unknown"]
    data: PointUnknownEvent


class EngineStreamMessage(
    RootModel[
        Annotated[
            StatusMessage
            | TickMessage
            | ValuesMessage
            | NoticeMessage
            | AlarmMessage
            | IotLinkMessage
            | WriteRefusedMessage
            | WriteFailedMessage
            | PointUnknownMessage,
            Field(discriminator="kind"),
        ]
    ]
):
    """One message of the engine's stream: its kind and its payload."""
