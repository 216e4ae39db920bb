"""Alarm records: what the engine's alarm blocks raised, and what operators did about them.

An alarm record follows the state machine engineers know from BACnet and
Niagara consoles::

    normal -> active-unacked -> active-acked   -> normal (on clear)
                             -> cleared-unacked -> normal (on ack)

Each transition is kept with its time, who caused it and the operator's note.
A record is *open* until it returns to normal; then it is history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from bms_schemas._base import BmsModel


class AlarmState(StrEnum):
    """Where an alarm record is in its life."""

    ACTIVE_UNACKED = "active-unacked"
    ACTIVE_ACKED = "active-acked"
    CLEARED_UNACKED = "cleared-unacked"
    NORMAL = "normal"


class AlarmEventKind(StrEnum):
    """What happened to an alarm record."""

    RAISED = "raised"
    ACKED = "acked"
    CLEARED = "cleared"
    RETURNED = "returned"
    """Active again before it was acknowledged."""
    NORMAL = "normal"


class AlarmSource(BmsModel):
    """Which block raised the alarm, and the point it watches (when it watches one directly)."""

    flow: str = Field(description="Id of the flow.")
    flow_name: str = Field(description="Display name of the flow.")
    node: str = Field(description="Id of the alarm block.")
    label: str = Field(description="The block's label, or its id.")
    block_type: str = Field(description="The alarm block's type, e.g. 'alarm.limit'.")
    point: str | None = Field(
        default=None, description="The point whose value the alarm watches, if wired directly."
    )


class AlarmTransition(BmsModel):
    """One step of an alarm record's state machine."""

    state: AlarmState
    at: datetime = Field(description="Wall time of the transition.")
    by: str | None = Field(
        default=None, description="Who caused it: a user, 'wired input', the engine."
    )
    note: str | None = Field(default=None, description="The operator's note (acknowledgements).")


class AlarmRecord(BmsModel):
    """One occurrence of an alarm, from raised to back to normal."""

    id: str = Field(description="Stable id of this occurrence.")
    source: AlarmSource
    priority: int = Field(
        ge=1, le=255, description="1 (most urgent) to 255, as BACnet notification classes."
    )
    alarm_class: str = Field(default="", description="The authored alarm class, e.g. 'comfort'.")
    message: str = Field(description="The authored message with value and limit filled in.")
    condition: str = Field(description="What was raised: 'high', 'low' or 'alarm'.")
    value: float | bool | None = Field(
        default=None, description="The watched value when the alarm was raised."
    )
    limit: float | None = Field(default=None, description="The limit it crossed, for limit alarms.")
    unit: str = Field(default="", description="Unit of the value and limit.")
    ack_required: bool = Field(description="Whether the alarm waits for an acknowledgement.")
    state: AlarmState
    active_at: datetime = Field(description="When it was raised.")
    acked_at: datetime | None = None
    acked_by: str | None = None
    ack_note: str | None = None
    cleared_at: datetime | None = Field(default=None, description="When the condition cleared.")
    normal_at: datetime | None = Field(default=None, description="When the record closed.")
    transitions: tuple[AlarmTransition, ...] = Field(
        default=(), description="Every state change, oldest first."
    )

    @property
    def open(self) -> bool:
        return self.state is not AlarmState.NORMAL


class AlarmList(BmsModel):
    """Alarm records matching a query, newest first."""

    alarms: tuple[AlarmRecord, ...]
    total: int = Field(ge=0, description="How many matched before the limit was applied.")
    active: int = Field(
        ge=0, description="Open records (not yet back to normal), whatever the filter."
    )
    unacked: int = Field(ge=0, description="Records waiting for an acknowledgement.")


class AckRequest(BmsModel):
    """An operator's acknowledgement."""

    by: str | None = Field(
        default=None, max_length=64, description="Who acknowledges; the caller if unset."
    )
    note: str = Field(default="", max_length=500, description="Why, or what is being done.")


class AlarmEvent(BmsModel):
    """An alarm record changed (on the engine's stream, kind ``alarm``)."""

    kind: AlarmEventKind
    alarm: AlarmRecord
