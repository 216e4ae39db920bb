"""What a block type is: declared once, with its ports, parameters, state and behaviour.

A :class:`BlockType` is the single declaration the whole system works from:
the registry publishes it as the catalogue (the editor builds its palette,
handles and forms from it), validation checks graphs against it, and the
evaluator calls its ``evaluate`` function once per tick.

Blocks see the world only through their :class:`BlockContext`: their
validated parameters, their own state object and the tick being evaluated
(logical time, ``dt``, the input snapshot). They never read a wall clock or
do I/O.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from bms_schemas import (
    BlockSpec,
    BundleDefaults,
    BundleSchedules,
    PointConstraint,
    PointValue,
    PortSpec,
    PortType,
    StateClass,
    ValueType,
)
from bms_schemas.catalogue import BlockRole

P = TypeVar("P", bound="Params")
S = TypeVar("S")


class Params(BaseModel):
    """Base of every block's parameter model (camelCase in JSON, unknown keys refused)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        serialize_by_alias=True,
    )


class NoParams(Params):
    """Parameters of a block that has none."""


Role = BlockRole
"""How a block relates to the outside world (the catalogue's :class:`BlockRole`)."""


@dataclass(frozen=True, slots=True)
class PointWrite:
    """A command for the I/O layer: write ``value`` (None = relinquish) at ``priority``."""

    point: str
    value: Any
    priority: int
    node_id: str
    reason: str = "change"


@dataclass(slots=True)
class TickInfo:
    """The tick being evaluated, shared by every block of a flow.

    ``now`` is the tick's logical monotonic time (its due time), ``dt`` the
    scheduled time since the flow's previous tick. Both come from the
    scheduler, so evaluation is the same on a virtual clock as on a real one.
    """

    now: float = 0.0
    wall: datetime = field(default_factory=lambda: datetime(1970, 1, 1, tzinfo=UTC))
    dt: float = 0.0
    snapshot: Mapping[str, PointValue] = field(default_factory=dict)
    writes: list[PointWrite] = field(default_factory=list)
    first: bool = True


@dataclass(frozen=True, slots=True)
class BlockEnv:
    """What a bundle gives blocks besides their parameters."""

    defaults: BundleDefaults = field(default_factory=BundleDefaults)
    constraints: Mapping[str, PointConstraint] = field(default_factory=dict)
    schedules: BundleSchedules = field(default_factory=BundleSchedules)


class BlockContext(Generic[P, S]):
    """Everything one node sees when it is evaluated."""

    __slots__ = ("bound", "node_id", "params", "state", "tick")

    def __init__(self, node_id: str, params: P, bound: Any, state: S, tick: TickInfo) -> None:
        self.node_id = node_id
        self.params = params
        self.bound = bound
        self.state = state
        self.tick = tick


Evaluate = Callable[[BlockContext[Any, Any], tuple[Any, ...]], Any]
"""Pure evaluation: input values in port order -> one value, or a tuple for several outputs."""

EvaluateWithQuality = Callable[
    [BlockContext[Any, Any], tuple[Any, ...], tuple[int, ...]], tuple[Any, int]
]
"""Quality-aware evaluation: values and quality ranks in -> (outputs, quality rank) out."""


def no_state(_params: Any) -> None:
    """``init_state`` of a stateless block."""
    return


def no_binding(_params: Any, _env: BlockEnv) -> None:
    """``bind`` of a block that needs nothing from the bundle."""
    return


@dataclass(frozen=True)
class ResolvedPort:
    """A port of one node, with repetition expanded and its type fixed."""

    name: str
    type: PortType
    required: bool
    default: Any


@dataclass(frozen=True)
class BlockType(Generic[P]):
    """One block type, declared once.

    Args:
        type: Catalogue name, ``category.name`` (e.g. ``math.add``).
        title: Short display name.
        category: Palette group.
        doc: One line on what the block does.
        inputs: Input ports, in the order ``evaluate`` receives them.
        outputs: Output ports, in the order ``evaluate`` returns them.
        params: The parameter model; its JSON Schema is the editor's form.
        evaluate: Called once per tick (see :data:`Evaluate`); with
            ``quality_aware`` it has the :data:`EvaluateWithQuality` form.
        state_class: What happens to the state across redeploys and restarts.
        init_state: Builds the node's fresh state object from its parameters.
            Only state is carried across redeploys and restarts.
        state_type: The state's class (a dataclass), for saving and
            restoring it as JSON.
        bind: Derives, once at compile time, what the node needs from its
            parameters and the bundle (a point key, a constraint); it lands
            in ``ctx.bound`` and is never saved.
        quality_aware: The block handles qualities itself; otherwise its
            outputs take the worst quality of its inputs.
        role: Whether it reads or commands a point.
        latch: Set on blocks that break feedback cycles (unit delay): the
            evaluator runs them first, so their outputs are last tick's, and
            calls ``latch(ctx, values, qualities)`` after every other block
            to capture this tick's inputs. Edges into such a block impose no
            evaluation order.
        check: Checks that need the bundle (a shared calendar's name); returns
            one message per problem. Validation reports them as parameter issues.
        version: Version of the block's semantics.
    """

    type: str
    title: str
    category: str
    doc: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    params: builtins.type[P]  # 'type' is a field name in this class
    evaluate: Callable[..., Any]
    state_class: StateClass = StateClass.NONE
    init_state: Callable[[P], Any] = no_state
    bind: Callable[[P, BlockEnv], Any] = no_binding
    state_type: builtins.type[Any] | None = None
    quality_aware: bool = False
    role: Role = Role.LOGIC
    latch: Callable[..., None] | None = None
    check: Callable[[P, BlockEnv], list[str]] | None = None
    version: int = 1

    @property
    def delays(self) -> bool:
        """Whether the block breaks feedback cycles."""
        return self.latch is not None

    def parse_params(self, raw: Mapping[str, Any]) -> P:
        """Validate raw parameters; raises pydantic's ``ValidationError``."""
        return self.params.model_validate(dict(raw))

    def resolve_ports(self, params: P) -> tuple[list[ResolvedPort], list[ResolvedPort]]:
        """The node's concrete inputs and outputs for these parameters."""
        return _resolve(self.inputs, params), _resolve(self.outputs, params)

    def spec(self) -> BlockSpec:
        """The catalogue entry of this block type."""
        return BlockSpec(
            type=self.type,
            version=self.version,
            category=self.category,
            title=self.title,
            doc=self.doc,
            inputs=self.inputs,
            outputs=self.outputs,
            params_schema=self.params.model_json_schema(by_alias=True),
            state=self.state_class,
            role=self.role,
        )


def _resolve(ports: tuple[PortSpec, ...], params: Params) -> list[ResolvedPort]:
    resolved: list[ResolvedPort] = []
    for port in ports:
        if port.type is not None:
            port_type = port.type
        else:
            assert port.type_param is not None, f"port {port.name} has neither type nor type_param"
            port_type = PortType(type=ValueType(_param(params, port.type_param)))
        if port.repeat_param is None:
            resolved.append(ResolvedPort(port.name, port_type, port.required, port.default))
        else:
            count = int(_param(params, port.repeat_param))
            resolved += [
                ResolvedPort(f"{port.name}{i}", port_type, port.required, port.default)
                for i in range(1, count + 1)
            ]
    return resolved


def _param(params: Params, name: str) -> Any:
    """A parameter by its JSON (camelCase) name, the name the catalogue publishes."""
    for field_name, info in type(params).model_fields.items():
        if name in (info.alias, field_name):
            return getattr(params, field_name)
    raise AssertionError(f"{type(params).__name__} has no parameter {name!r}")


class FieldProblem(ValueError):
    """Raised by a parameter model's validator about one of its fields (by its JSON name).

    A check across fields (a value above the maximum the same block declares) is still about
    one field; this lets the editor show it next to that field, in plain words.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field} {message}")
        self.field = field
        self.message = message


def param_errors(err: ValidationError) -> list[tuple[str, str]]:
    """(dotted field path, message) for each error of a parameter validation.

    The path is empty for an error of the parameters as a whole (two fields that disagree).
    """
    found = []
    for e in err.errors():
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem) and not e["loc"]:
            found.append((cause.field, cause.message))
        else:
            found.append((".".join(str(p) for p in e["loc"]), plain_message(e)))
    return found


def param_unit(params: builtins.type[Params], path: str) -> str | None:
    """The unit a parameter declares (``in_unit``), by its JSON or Python name; None if none."""
    name = path.split(".")[0]
    for field_name, info in params.model_fields.items():
        if name in (info.alias, field_name):
            extra = info.json_schema_extra
            unit = extra.get("unit") if isinstance(extra, dict) else None
            if unit is None:
                for meta in info.metadata:
                    meta_extra = getattr(meta, "json_schema_extra", None)
                    if isinstance(meta_extra, dict) and meta_extra.get("unit") is not None:
                        unit = meta_extra["unit"]
            return unit if isinstance(unit, str) else None
    return None


_BOUNDS = {
    "greater_than": ("must be greater than", "gt"),
    "greater_than_equal": ("must be at least", "ge"),
    "less_than": ("must be less than", "lt"),
    "less_than_equal": ("must be at most", "le"),
}


def plain_message(error: Any) -> str:
    """A validation error in plain words: 'must be at most 30', not 'Input should be ...'."""
    kind, ctx, msg = error.get("type"), error.get("ctx") or {}, str(error.get("msg", ""))
    if kind in _BOUNDS:
        words, key = _BOUNDS[kind]
        bound = ctx.get(key)
        return f"{words} {bound:g}" if isinstance(bound, float) else f"{words} {bound}"
    if kind == "missing":
        return "is required"
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return msg.replace("Input should be", "must be", 1)
