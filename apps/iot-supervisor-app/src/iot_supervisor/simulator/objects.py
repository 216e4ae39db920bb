"""Local bacpypes3 objects for the simulator, with the corrections 0.0.110 needs.

- Stock MultiState* objects use COVIncrementCriteria, so SubscribeCOV fails with
  operational-problem; stock BinaryValueObjectCmd has no COV criteria at all;
  no commandable MultiStateValue is shipped (research §1.2, pitfall 8).
- Inputs refuse a write to present-value unless out-of-service, as real devices
  do (pitfall 10): the ``OutOfService`` mixin exists but is not applied by default.
- Commandable and writable multi-state objects refuse a state outside
  1..number-of-states with value-out-of-range, as the standard asks.
- Priority 6 is reserved for minimum on/off, which bacpypes3 does not implement,
  so a commandable object refuses it instead of accepting it silently (pitfall 11).
"""

from __future__ import annotations

from typing import Any

from bacpypes3.basetypes import BinaryPV, EngineeringUnits  # type: ignore[import-untyped]
from bacpypes3.errors import PropertyError  # type: ignore[import-untyped]
from bacpypes3.local.analog import (  # type: ignore[import-untyped]
    AnalogInputObject,
    AnalogOutputObject,
    AnalogValueObject,
    AnalogValueObjectCmd,
)
from bacpypes3.local.binary import (  # type: ignore[import-untyped]
    BinaryInputObject,
    BinaryOutputObject,
    BinaryValueObject,
)
from bacpypes3.local.cmd import Commandable  # type: ignore[import-untyped]
from bacpypes3.local.cov import GenericCriteria  # type: ignore[import-untyped]
from bacpypes3.local.multistate import (  # type: ignore[import-untyped]
    MultiStateInputObject,
    MultiStateOutputObject,
    MultiStateValueObject,
)
from bacpypes3.local.oos import OutOfService  # type: ignore[import-untyped]
from bacpypes3.primitivedata import Null, PropertyIdentifier, Real  # type: ignore[import-untyped]

from iot_supervisor.simulator.config import ObjectSpec

RESERVED_PRIORITY = 6


class _RefusePriority6:
    async def write_property(
        self, attr: int | str, value: Any, index: int | None = None, priority: int | None = None
    ) -> None:
        if priority == RESERVED_PRIORITY and _is_present_value(attr):
            raise PropertyError("writeAccessDenied")
        await super().write_property(attr, value, index, priority)  # type: ignore[misc]


class _StateInRange:
    """A multi-state object refuses a state outside 1..number-of-states (bacpypes3 takes any)."""

    numberOfStates: int

    async def write_property(
        self, attr: int | str, value: Any, index: int | None = None, priority: int | None = None
    ) -> None:
        if _is_present_value(attr) and not isinstance(value, Null):
            state = getattr(value, "unsigned", value)
            if isinstance(state, int) and not 1 <= state <= int(self.numberOfStates):
                raise PropertyError("valueOutOfRange")
        await super().write_property(attr, value, index, priority)  # type: ignore[misc]


def _is_present_value(attr: int | str) -> bool:
    return attr in ("presentValue", "present-value", 85)


class SimAnalogInput(OutOfService, AnalogInputObject):  # type: ignore[misc]
    pass


class SimAnalogOutput(_RefusePriority6, AnalogOutputObject):  # type: ignore[misc]
    pass


class SimAnalogValueCmd(_RefusePriority6, AnalogValueObjectCmd):  # type: ignore[misc]
    pass


class SimBinaryInput(OutOfService, BinaryInputObject):  # type: ignore[misc]
    pass


class SimBinaryOutput(_RefusePriority6, BinaryOutputObject):  # type: ignore[misc]
    pass


class SimBinaryValueCmd(_RefusePriority6, Commandable, BinaryValueObject):  # type: ignore[misc]
    pass


class SimMultiStateInput(OutOfService, MultiStateInputObject):  # type: ignore[misc]
    _cov_criteria = GenericCriteria


class SimMultiStateOutput(_StateInRange, _RefusePriority6, MultiStateOutputObject):  # type: ignore[misc]
    _cov_criteria = GenericCriteria


class SimMultiStateValue(_StateInRange, MultiStateValueObject):  # type: ignore[misc]
    _cov_criteria = GenericCriteria


class SimMultiStateValueCmd(_StateInRange, _RefusePriority6, Commandable, MultiStateValueObject):  # type: ignore[misc]
    _cov_criteria = GenericCriteria


_CLASSES: dict[tuple[str, bool], type] = {
    ("analog-input", False): SimAnalogInput,
    ("analog-output", True): SimAnalogOutput,
    ("analog-value", False): AnalogValueObject,
    ("analog-value", True): SimAnalogValueCmd,
    ("binary-input", False): SimBinaryInput,
    ("binary-output", True): SimBinaryOutput,
    ("binary-value", False): BinaryValueObject,
    ("binary-value", True): SimBinaryValueCmd,
    ("multi-state-input", False): SimMultiStateInput,
    ("multi-state-output", True): SimMultiStateOutput,
    ("multi-state-value", False): SimMultiStateValue,
    ("multi-state-value", True): SimMultiStateValueCmd,
}


class _RealCurrentCommandPriority:
    """current-command-priority sent as REAL, the encoding bug of the ``real-ccp`` quirk."""

    async def read_property(self, attr: int | str, index: int | None = None) -> Any:
        value = await super().read_property(attr, index)  # type: ignore[misc]
        if str(PropertyIdentifier(attr)) == "current-command-priority":
            chosen = getattr(value, "unsigned", None)
            return Real(float(chosen)) if chosen is not None else value
        return value


_REAL_CCP_CLASSES: dict[type, type] = {}


def _real_ccp_class(cls: type) -> type:
    if cls not in _REAL_CCP_CLASSES:
        _REAL_CCP_CLASSES[cls] = type(
            f"RealCcp{cls.__name__}", (_RealCurrentCommandPriority, cls), {}
        )
    return _REAL_CCP_CLASSES[cls]


def build_object(spec: ObjectSpec, value: Any = None, *, real_ccp: bool = False) -> Any:
    """A local object for ``spec``; ``value`` overrides the initial present value.

    ``real_ccp`` gives commandable objects the ``real-ccp`` quirk.
    """
    cls = _CLASSES[(spec.type, spec.is_commandable)]
    if real_ccp and spec.is_commandable:
        cls = _real_ccp_class(cls)
    present = spec.value if value is None else value
    kwargs: dict[str, Any] = {
        "objectIdentifier": (spec.type, spec.instance),
        "objectName": spec.name,
        "statusFlags": [0, 0, 0, 0],
        "eventState": "normal",
        "outOfService": False,
    }
    if spec.description:
        kwargs["description"] = spec.description
    if spec.type.startswith("analog"):
        kwargs |= {
            "presentValue": float(present),
            "units": EngineeringUnits(spec.units),
            "covIncrement": spec.cov_increment,
        }
        if spec.type != "analog-input":
            low, high = spec.pres_value_range()
            if low is not None:
                kwargs["minPresValue"] = float(low)
            if high is not None:
                kwargs["maxPresValue"] = float(high)
    elif spec.type.startswith("binary"):
        kwargs["presentValue"] = BinaryPV(_binary(present))
        if spec.type == "binary-input":
            kwargs["polarity"] = "normal"
    else:
        texts = spec.state_texts or ()
        kwargs |= {
            "presentValue": int(present),
            "numberOfStates": len(texts),
            "stateText": list(texts),
        }
    if spec.is_commandable:
        kwargs["relinquishDefault"] = kwargs["presentValue"]
    return cls(**kwargs)


def _binary(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "active" if value else "inactive"


def set_simulated_value(obj: Any, value: Any) -> None:
    """Change a value the way the process would, firing COV.

    On a commandable object the relinquish default is changed, not slot 16,
    so that a client's command keeps precedence (pitfall 9).
    """
    if isinstance(obj, Commandable):
        obj.relinquishDefault = type(obj.relinquishDefault)(value)
        obj.recalculating()
    else:
        obj.presentValue = value
