"""``docs/blocks.md``: the block catalogue as a reference page, generated from the registry.

The page is committed; a test regenerates it and fails when the committed copy
is stale, naming the command that regenerates it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bms_schemas import PortSpec
from supervisor_engine.block import BlockType
from supervisor_engine.registry import Registry

REGENERATE = "uv run supervisor-engine docs -o docs/blocks.md"

CATEGORY_TITLES = {
    "io": "I/O and command discipline",
    "logic": "Logic",
    "select": "Select",
    "math": "Math and signal conditioning",
    "timer": "Timers, latches and counters",
    "control": "Control",
    "schedule": "Scheduling",
    "hvac": "Supervisory HVAC and psychrometrics",
    "alarm": "Alarms and trends",
}


def _port_type(port: PortSpec) -> str:
    if port.type is not None:
        text = port.type.describe()
    else:
        text = f"type from `{port.type_param}`"
    return text


def _port_name(port: PortSpec) -> str:
    if port.repeat_param:
        return f"`{port.name}1`..`{port.name}N` (N = `{port.repeat_param}`)"
    return f"`{port.name}`"


def _ports(title: str, ports: tuple[PortSpec, ...]) -> list[str]:
    if not ports:
        return []
    lines = [f"{title}:", ""]
    for p in ports:
        extra = "" if p.required else f", optional (default `{_json(p.default)}`)"
        doc = f": {p.doc}" if p.doc else ""
        lines.append(f"- {_port_name(p)} {_port_type(p)}{extra}{doc}")
    return [*lines, ""]


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _constraint(schema: dict[str, Any]) -> str:
    parts = []
    for key, symbol in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            parts.append(f"{symbol} {schema[key]}")
    if "enum" in schema:
        parts.append("one of " + ", ".join(f"`{v}`" for v in schema["enum"]))
    return "; ".join(parts)


def _params(block: BlockType[Any]) -> list[str]:
    schema = block.params.model_json_schema(by_alias=True)
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return []
    required = set(schema.get("required", ()))
    defs = schema.get("$defs", {})
    lines = ["| parameter | default | limits | meaning |", "|---|---|---|---|"]
    for name, prop in properties.items():
        ref = prop.get("$ref") or next(
            (a.get("$ref") for a in prop.get("anyOf", ()) if "$ref" in a), None
        )
        resolved = defs.get(ref.rsplit("/", 1)[-1], {}) if ref else {}
        default = "required" if name in required else f"`{_json(prop.get('default'))}`"
        limits = _constraint(prop) or _constraint(resolved)
        meaning = (prop.get("description") or resolved.get("description") or "").replace("|", "\\|")
        lines.append(f"| `{name}` | {default} | {limits} | {meaning} |")
    return [*lines, ""]


def render_markdown(registry: Registry) -> str:
    """The whole reference page."""
    by_category: dict[str, list[BlockType[Any]]] = defaultdict(list)
    for block in registry:
        by_category[block.category].append(block)
    order = [c for c in CATEGORY_TITLES if c in by_category] + sorted(
        c for c in by_category if c not in CATEGORY_TITLES
    )
    lines = [
        "# Block catalogue",
        "",
        f"<!-- Generated from the registry by `{REGENERATE}`; do not edit. -->",
        "",
        f"{len(registry)} block types. Every value carries a quality; unless a block says",
        "otherwise its outputs take the worst quality of its inputs. State classes: `none`",
        "(pure), `volatile` (may restart fresh), `retained` (kept across a redeploy that keeps",
        "the node), `persisted` (also survives a restart). Timers keep absolute deadlines.",
        "",
    ]
    for category in order:
        lines += [f"- [{CATEGORY_TITLES.get(category, category)}](#{category})"]
    lines.append("")
    for category in order:
        lines += [f'<a id="{category}"></a>', f"## {CATEGORY_TITLES.get(category, category)}", ""]
        for block in by_category[category]:
            lines += [
                f"### `{block.type}` — {block.title}",
                "",
                block.doc,
                "",
                f"State: `{block.state_class.value}`. Version {block.version}."
                + (" Breaks feedback loops." if block.delays else ""),
                "",
            ]
            lines += _ports("Inputs", block.inputs)
            lines += _ports("Outputs", block.outputs)
            lines += _params(block)
    return "\n".join(lines).rstrip() + "\n"
