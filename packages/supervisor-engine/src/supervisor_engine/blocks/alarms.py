"""Alarms: limit, boolean and stale-data alarms (and, from :mod:`.trends`, the trend log).

Limit and boolean alarms share one state machine (BACnet intrinsic reporting,
Niagara alarm extensions):

- the *raw* condition (high / low / alarm / normal) must hold for ``onDelayS``
  before the alarm is raised, and normal must hold for ``offDelayS`` before
  it clears; a condition that changes while it waits restarts its wait;
- raising an alarm with ``ackRequired`` sets ``unacked`` until a rising edge
  on the ``ack`` input; with ``latching`` the alarm also stays active after
  the condition clears, until acknowledged;
- while ``inhibit`` is true, and for ``releaseDelayS`` after it falls
  (equipment settling after a start), no alarm is raised and an active one
  returns to normal; acknowledgement state is untouched;
- an invalid input (no value, or quality stale or worse) neither raises nor
  clears: the alarm holds and its outputs carry the input's quality.

Deadlines are absolute on the ``tick.now`` scale and the state is persisted,
so an alarm waiting out its delay, or raised and not yet acknowledged, is
still so after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from bms_schemas import PortType, StateClass, ValueType
from supervisor_engine.block import BlockContext, BlockType, Params
from supervisor_engine.blocks._params import TypedParams
from supervisor_engine.blocks._ports import BOOL, NUMBER, port
from supervisor_engine.blocks.trends import TREND_BLOCKS
from supervisor_engine.quality import OK, OVERRIDDEN
from supervisor_engine.units import in_unit

NORMAL, HIGH, LOW, ALARM = "normal", "high", "low", "alarm"
_LIMIT_STATES = (NORMAL, HIGH, LOW)
LIMIT_STATE = PortType(type=ValueType.ENUM, labels=_LIMIT_STATES)
_STALE_STATES = ("ok", "invalid", "unchanged")
STALE_STATE = PortType(type=ValueType.ENUM, labels=_STALE_STATES)


class AlarmParams(Params):
    """What limit and boolean alarms share."""

    on_delay_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="The condition must last this long to alarm."
    )
    off_delay_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="Normal must last this long to clear."
    )
    release_delay_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="Alarms stay inhibited this long after inhibit."
    )
    ack_required: bool = Field(default=True, description="A raised alarm waits for an ack.")
    latching: bool = Field(
        default=False, description="Stay active after the condition clears, until acknowledged."
    )
    message: str = Field(
        default="",
        max_length=200,
        description="The alarm's text; {label}, {value}, {limit}, {unit} and {condition} "
        "are filled in (e.g. '{label} {value:.1f} {unit} above {limit} {unit}').",
    )
    priority: int = Field(
        default=100, ge=1, le=255, description="1 (most urgent) to 255, as BACnet priorities."
    )
    alarm_class: str = Field(
        default="", max_length=40, description="A class operators filter by, e.g. 'comfort'."
    )
    unit: str = Field(default="", max_length=16, description="Unit of the value, for the message.")

    @model_validator(mode="after")
    def _message_fills(self) -> AlarmParams:
        try:
            render_message(self.message, label="x", value=1.0, limit=2.0, unit="", condition="high")
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(
                f"message {self.message!r} cannot be filled in ({err}); "
                "use {label}, {value}, {limit}, {unit} or {condition}"
            ) from err
        return self


MESSAGE_FIELDS = ("label", "value", "limit", "unit", "condition")


def render_message(
    template: str, *, label: str, value: Any, limit: float | None, unit: str, condition: str
) -> str:
    """The alarm text with its fields filled in; a missing value or limit reads as a dash."""
    fields = {"label": label, "unit": unit, "condition": condition}
    numbers = {"value": value, "limit": limit}
    text = template.format_map(
        {**fields, **{k: _Dash() if v is None else v for k, v in numbers.items()}}
    )
    return " ".join(text.split())


class _Dash:
    """Stands for a missing number and takes any number format."""

    def __format__(self, _spec: str) -> str:
        return "-"


class LimitAlarmParams(AlarmParams):
    """Parameters of a limit alarm."""

    high_limit: float | None = Field(default=None, description="Alarm above this; none = no high.")
    low_limit: float | None = Field(default=None, description="Alarm below this; none = no low.")
    deadband: float = Field(
        default=0.0, ge=0, description="How far back inside a limit the input must come to clear."
    )

    @model_validator(mode="after")
    def _limits(self) -> LimitAlarmParams:
        if self.high_limit is None and self.low_limit is None:
            raise ValueError("give highLimit, lowLimit or both")
        if (
            self.high_limit is not None
            and self.low_limit is not None
            and self.low_limit + self.deadband >= self.high_limit - self.deadband
        ):
            raise ValueError("lowLimit + deadband must be below highLimit - deadband")
        return self


class BoolAlarmParams(AlarmParams):
    """Parameters of a boolean alarm."""

    alarm_value: bool = Field(default=True, description="The input value that is the alarm.")


@dataclass
class AlarmState:
    """An alarm's condition, its pending change and its acknowledgement (persisted)."""

    condition: str = NORMAL
    pending: str | None = None
    pending_until: float = 0.0
    unacked: bool = False
    latched: bool = False
    ack_seen: bool = False
    inhibited: bool = False
    release_until: float = 0.0


def _advance(
    p: AlarmParams, s: AlarmState, raw: str | None, ack: Any, inhibit: Any, now: float
) -> None:
    """One tick of the shared alarm state machine (see the module doc)."""
    if ack is True and not s.ack_seen:
        s.unacked = s.latched = False
    s.ack_seen = ack is True
    if s.inhibited and inhibit is not True:
        s.release_until = now + p.release_delay_s
    s.inhibited = inhibit is True
    if s.inhibited or now < s.release_until:
        s.condition, s.pending = NORMAL, None
        return
    if raw is None or raw == s.condition:
        s.pending = None
        return
    if s.pending != raw:
        s.pending = raw
        s.pending_until = now + (p.off_delay_s if raw == NORMAL else p.on_delay_s)
    if now >= s.pending_until:
        if raw != NORMAL:
            s.unacked = s.unacked or p.ack_required
            s.latched = s.latched or p.latching
        s.condition, s.pending = raw, None


def _limit_condition(p: LimitAlarmParams, current: str, value: float) -> str:
    hi, lo, db = p.high_limit, p.low_limit, p.deadband
    # Inside the deadband the current alarm holds (hysteresis); beyond a limit it alarms.
    if hi is not None and (value > hi or (current == HIGH and value > hi - db)):
        return HIGH
    if lo is not None and (value < lo or (current == LOW and value < lo + db)):
        return LOW
    return NORMAL


def _valid(value: Any, quality: int) -> bool:
    return value is not None and quality <= OVERRIDDEN


def _limit_alarm(
    ctx: BlockContext[LimitAlarmParams, AlarmState],
    ins: tuple[float | None, bool | None, bool | None],
    qs: tuple[int, int, int],
) -> tuple[tuple[bool, bool, int], int]:
    s = ctx.state
    value, inhibit, ack = ins
    raw = None
    if value is not None and _valid(value, qs[0]):
        raw = _limit_condition(ctx.params, s.condition, value)
    _advance(ctx.params, s, raw, ack, inhibit, ctx.tick.now)
    active = s.condition != NORMAL or s.latched
    return (active, s.unacked, _LIMIT_STATES.index(s.condition) + 1), max(qs[0], OK)


def _bool_alarm(
    ctx: BlockContext[BoolAlarmParams, AlarmState],
    ins: tuple[bool | None, bool | None, bool | None],
    qs: tuple[int, int, int],
) -> tuple[tuple[bool, bool], int]:
    s = ctx.state
    value, inhibit, ack = ins
    raw = None
    if _valid(value, qs[0]):
        raw = ALARM if value == ctx.params.alarm_value else NORMAL
    _advance(ctx.params, s, raw, ack, inhibit, ctx.tick.now)
    return (s.condition != NORMAL or s.latched, s.unacked), qs[0]


class StaleDataParams(TypedParams):
    """Parameters of a stale-data alarm."""

    invalid_delay_s: Annotated[float, in_unit("s")] = Field(
        default=0.0, ge=0, le=86400, description="Invalid (stale or worse) this long to alarm."
    )
    max_unchanged_s: Annotated[float | None, in_unit("s")] = Field(
        default=None,
        gt=0,
        le=30 * 86400,
        description="Alarm when the value has not changed for this long; none = never.",
    )
    tolerance: float = Field(
        default=0.0, ge=0, description="A number must move more than this to count as a change."
    )


@dataclass
class StaleDataState:
    """The last value counted as a change, and the deadlines (retained)."""

    reference: bool | int | float | str | None = None
    unchanged_alarm_at: float | None = None
    invalid_alarm_at: float | None = None


def _stale_data(
    ctx: BlockContext[StaleDataParams, StaleDataState], ins: tuple[Any], qs: tuple[int]
) -> tuple[tuple[bool, int], int]:
    p, s, now = ctx.params, ctx.state, ctx.tick.now
    value = ins[0]
    if not _valid(value, qs[0]):
        if s.invalid_alarm_at is None:
            s.invalid_alarm_at = now + p.invalid_delay_s
        if now >= s.invalid_alarm_at:
            return (True, 2), OK
    else:
        s.invalid_alarm_at = None
        ref = s.reference
        if ref is None:
            changed = True
        elif isinstance(value, int | float) and not isinstance(value, bool):
            changed = abs(value - float(ref)) > p.tolerance
        else:
            changed = value != ref
        if changed:
            s.reference = value
            s.unchanged_alarm_at = None if p.max_unchanged_s is None else now + p.max_unchanged_s
    if s.unchanged_alarm_at is not None and now >= s.unchanged_alarm_at:
        return (True, 3), OK
    return (False, 1), OK


_ALARM_INPUTS = (
    port("inhibit", BOOL, required=False, default=False, doc="True suppresses the alarm."),
    port("ack", BOOL, required=False, default=False, doc="A rising edge acknowledges."),
)
_ALARM_OUTPUTS = (
    port("active", BOOL, doc="The alarm is raised (or latched)."),
    port("unacked", BOOL, doc="A raised alarm waits for acknowledgement."),
)

ALARM_BLOCKS: tuple[BlockType[Any], ...] = (
    BlockType(
        type="alarm.limit", title="Limit alarm", category="alarm",
        doc="High/low limit alarm with deadband, on/off delays, inhibit and persisted acknowledgement.",
        inputs=(port("in", NUMBER, doc="The monitored value."), *_ALARM_INPUTS),
        outputs=(*_ALARM_OUTPUTS, port("state", LIMIT_STATE, doc="1 normal, 2 high, 3 low.")),
        params=LimitAlarmParams, evaluate=_limit_alarm, quality_aware=True,
        init_state=lambda _p: AlarmState(), state_type=AlarmState,
        state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="alarm.bool", title="Boolean alarm", category="alarm",
        doc="Alarm while a boolean has its alarm value, with delays, inhibit and acknowledgement.",
        inputs=(port("in", BOOL, doc="The monitored state."), *_ALARM_INPUTS),
        outputs=_ALARM_OUTPUTS,
        params=BoolAlarmParams, evaluate=_bool_alarm, quality_aware=True,
        init_state=lambda _p: AlarmState(), state_type=AlarmState,
        state_class=StateClass.PERSISTED,
    ),
    BlockType(
        type="alarm.stale-data", title="Stale-data alarm", category="alarm",
        doc="Alarm when an input is invalid (stale or worse) or has not changed for too long.",
        inputs=(port("in", type_param="valueType", doc="The monitored signal."),),
        outputs=(
            port("alarm", BOOL, doc="The data is stale."),
            port("state", STALE_STATE, doc="1 ok, 2 invalid, 3 unchanged too long."),
        ),
        params=StaleDataParams, evaluate=_stale_data, quality_aware=True,
        init_state=lambda _p: StaleDataState(), state_type=StaleDataState,
        state_class=StateClass.RETAINED,
    ),
    *TREND_BLOCKS,
)  # fmt: skip
