"""The point table of a project: what it commands, the limits authored for each point.

Which points a project commands is the engine library's answer (the bundle compiled with the
interpreter, composites flattened), not a second reading of the graph here. Limits typed in
the Designer are checked field by field, and each problem is said in plain words on the
field it concerns ("must be at most 100 %", "minimum must be below maximum"), with the
device's own range and unit when the IoT service knows the point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bms_schemas import PointConstraint, PointRef, PointRefError
from bms_schemas.constraints import DegradedPolicy
from bms_schemas.designer import ProjectContent
from bms_schemas.iot import PointInfo
from bms_schemas.point_limits import CommandedPoint, LimitsDraft
from designer.building import project_bundle
from designer.errors import InvalidInputError
from supervisor_engine import GraphValidationError, Registry, Role, compile_bundle
from supervisor_engine.block import plain_message


class InvalidLimitsError(InvalidInputError):
    """Limits that cannot be stored; ``details.fields`` has each field's problem."""

    code = "invalid_limits"


def canonical(point: str) -> str:
    """The canonical form of a point reference, or an error on the ``point`` field."""
    try:
        return str(PointRef.parse(point))
    except PointRefError as err:
        raise InvalidLimitsError(
            str(err), field="point", details={"fields": {"point": str(err)}}
        ) from None


def _with_unit(value: float, unit: str | None) -> str:
    text = f"{value:g}"
    return f"{text} {unit}" if unit else text


def _range_problem(value: float, info: PointInfo | None) -> str | None:
    """The value against the device's own range (min/max-pres-value), when known."""
    if info is None:
        return None
    if info.min_value is not None and value < info.min_value:
        return f"must be at least {_with_unit(info.min_value, info.unit_symbol)}"
    if info.max_value is not None and value > info.max_value:
        return f"must be at most {_with_unit(info.max_value, info.unit_symbol)}"
    return None


def check_limits(point: str, draft: LimitsDraft, info: PointInfo | None) -> PointConstraint:
    """The draft as stored limits, or :class:`InvalidLimitsError` naming every bad field."""
    fields = _value_problems(draft, info)
    both = draft.min is not None and draft.max is not None
    if both and "min" not in fields and "max" not in fields and draft.min > draft.max:  # type: ignore[operator]
        fields["min"] = "minimum must be below maximum"
    if draft.degraded is DegradedPolicy.FALLBACK:
        problem = _fallback_problem(draft, fields, _unit(info))
        if problem:
            fields["fallback"] = problem
    priorities = (draft.min_priority, draft.max_priority)
    if all(1 <= p <= 16 for p in priorities) and priorities[0] > priorities[1]:
        fields["min_priority"] = "must not be after the lowest priority allowed"
    constraint: PointConstraint | None = None
    try:
        constraint = PointConstraint.model_validate(
            {"point": point, **draft.model_dump(exclude_none=True)}
        )
    except ValidationError as err:
        for error in err.errors():
            if error["loc"]:
                fields.setdefault(_snake(str(error["loc"][0])), plain_message(error))
            elif not fields:  # a rule across fields that the checks above did not word
                fields["limits"] = plain_message(error)
    if fields or constraint is None:
        raise _invalid(fields)
    return constraint


def _value_problems(draft: LimitsDraft, info: PointInfo | None) -> dict[str, str]:
    """Numbers that are not finite, and limits outside the device's own range."""
    fields: dict[str, str] = {}
    for name in ("min", "max", "max_rate_per_s"):
        value = getattr(draft, name)
        if value is None:
            continue
        if not math.isfinite(value):
            fields[name] = "must be a finite number"
        elif name != "max_rate_per_s" and (problem := _range_problem(value, info)):
            fields[name] = problem
    return fields


def _fallback_problem(
    draft: LimitsDraft, fields: Mapping[str, str], unit: str | None
) -> str | None:
    if draft.fallback is None:
        return "the fallback policy needs a fallback value"
    if isinstance(draft.fallback, bool) or not isinstance(draft.fallback, int | float):
        return None
    value = float(draft.fallback)
    low = draft.min if "min" not in fields else None
    high = draft.max if "max" not in fields else None
    if not math.isfinite(value):
        return "must be a finite number"
    if low is not None and value < low:
        return f"must be at least the minimum {_with_unit(low, unit)}"
    if high is not None and value > high:
        return f"must be at most the maximum {_with_unit(high, unit)}"
    return None


_LABELS = {
    "min": "minimum",
    "max": "maximum",
    "max_rate_per_s": "maximum rate",
    "min_priority": "highest priority",
    "max_priority": "lowest priority",
    "fallback": "fallback value",
    "degraded": "degraded policy",
}


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _unit(info: PointInfo | None) -> str | None:
    return info.unit_symbol if info else None


def _invalid(fields: Mapping[str, str]) -> InvalidLimitsError:
    wire = {_camel(name): message for name, message in fields.items()}
    first = next(iter(fields), "limits")
    words = "; ".join(f"{_LABELS.get(n, n)} {m}" for n, m in fields.items())
    return InvalidLimitsError(
        f"the limits are not valid: {words}",
        field=f"limits.{_camel(first)}",
        details={"fields": wire},
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def written_by(content: ProjectContent, registry: Registry) -> tuple[dict[str, Any], str | None]:
    """Point -> (priority, node ids) of every point the project commands, or why unknown."""
    bundle, issues = project_bundle(content, registry, version="0.0.0", created_by="designer")
    if issues:
        return {}, f"the project does not validate ({issues[0].message}); the list may be short"
    try:
        program = compile_bundle(bundle, registry, engine="interpreted")
    except GraphValidationError as err:
        return {}, f"the project does not compile: {err}"
    written: dict[str, Any] = {}
    for flow in program.flows.values():
        for node in flow.nodes:
            if node.block.role is Role.POINT_OUTPUT:
                priority, nodes = written.get(node.bound.key, (node.bound.priority, []))
                written[node.bound.key] = (priority, [*nodes, node.node_id])
    return written, None


def point_table(
    content: ProjectContent, registry: Registry, infos: Mapping[str, PointInfo]
) -> tuple[list[CommandedPoint], list[str]]:
    """Every commanded point and every point with limits, sorted by point."""
    written, problem = written_by(content, registry)
    limits = {str(c.point): c for c in content.constraints}
    rows = []
    for point in sorted(set(written) | set(limits)):
        priority, nodes = written.get(point, (None, []))
        info = infos.get(point)
        rows.append(
            CommandedPoint(
                point=point, nodes=tuple(nodes), priority=priority,
                name=info.name if info else None, unit=info.unit_symbol if info else None,
                device_min=info.min_value if info else None,
                device_max=info.max_value if info else None, limits=limits.get(point),
            )
        )  # fmt: skip
    return rows, [problem] if problem else []


def with_limits(
    content: ProjectContent, point: str, constraint: PointConstraint | None
) -> ProjectContent:
    """The content with ``point``'s limits replaced (or removed), other points' kept in order."""
    kept = [c for c in content.constraints if str(c.point) != point]
    if constraint is not None:
        kept.append(constraint)
    return content.model_copy(update={"constraints": tuple(kept)})
