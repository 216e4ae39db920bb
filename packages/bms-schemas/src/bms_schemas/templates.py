"""Equipment templates bound by tags: point tags, templates, and what applying one would do.

Points carry tags in the Project Haystack / Brick style (``zone air temp
sensor``, ``damper cmd``): from a tag file that lists them per point, from
naming rules over object names, or set by hand. A template instantiates a
composite once per piece of equipment (a device); each of its placeholders
names the tags of the point that feeds (or is commanded by) one port of the
composite. Applying a template first previews every binding, the ones that
did not resolve and the ones that matched more than one point.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

from pydantic import Field, JsonValue, field_validator

from bms_schemas._base import BmsModel
from bms_schemas.graph import Identifier

Tag = str


def _tags(value: tuple[str, ...]) -> tuple[str, ...]:
    bad = [t for t in value if not re.fullmatch(r"[a-z][A-Za-z0-9]*", t)]
    if bad:
        raise ValueError(
            f"tag {bad[0]!r} is not a Haystack tag name (a lower-case letter, then letters or digits)"
        )
    return tuple(sorted(set(value)))


class TagRule(BmsModel):
    """Tags for every point whose object name matches a pattern."""

    match: str = Field(
        description="Regular expression searched in the object name (case-insensitive)."
    )
    object_type: str | None = Field(default=None, description="Only points of this object type.")
    tags: tuple[Tag, ...] = Field(min_length=1, description="Tags the matching points get.")

    @field_validator("match")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"not a regular expression: {err}") from err
        return value

    _check_tags = field_validator("tags")(_tags)


class TagFile(BmsModel):
    """Point tags: explicit per point, and naming rules; both add up."""

    format: Literal["bms-tags/1"] = Field(default="bms-tags/1", description="File format marker.")
    points: dict[str, tuple[Tag, ...]] = Field(
        default_factory=dict,
        description="Tags by point reference ('2101/analog-input,1').",
    )
    rules: tuple[TagRule, ...] = Field(default=(), description="Naming rules, applied in order.")


class TaggedPoint(BmsModel):
    """One point of a piece of equipment, with its tags."""

    point: str = Field(description="Point reference ('2101/analog-input,1').")
    name: str = Field(description="The object's name.")
    object_type: str = Field(description="Object type, e.g. 'analog-input'.")
    commandable: bool = Field(default=False, description="Whether it takes prioritised commands.")
    tags: tuple[Tag, ...] = Field(default=(), description="Its tags.")


class Equipment(BmsModel):
    """A piece of equipment (a device, or a group of points) that a template may be applied to."""

    id: str = Field(description="Stable id, e.g. the device instance.")
    name: str = Field(description="Display name, e.g. 'VAV-7'.")
    points: tuple[TaggedPoint, ...] = Field(description="Its points.")


class Placeholder(BmsModel):
    """A port of the template's composite, bound to the one point that carries these tags."""

    port: Identifier = Field(description="Input or output port of the composite.")
    tags: tuple[Tag, ...] = Field(
        min_length=1, description="Every one of these tags must be on the point."
    )
    priority: int = Field(
        default=10, ge=1, le=16, description="BACnet priority of the command (output ports)."
    )
    required: bool = Field(
        default=True,
        description="Whether an instance needs this point; an unresolved optional port stays unwired.",
    )

    _check_tags = field_validator("tags")(_tags)


class EquipmentTemplate(BmsModel):
    """Instantiate a composite for every piece of equipment whose points match."""

    name: Identifier = Field(description="Template name; also the prefix of the instance ids.")
    composite: str = Field(description="Composite node type, 'composite:NAME@VERSION'.")
    flow: Identifier = Field(description="Flow the instances go into.")
    placeholders: tuple[Placeholder, ...] = Field(min_length=1, description="Bound ports.")
    params: dict[str, JsonValue] = Field(
        default_factory=dict, description="Composite parameters, the same for every instance."
    )
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Composite inputs every instance takes from one node of the flow, as "
        "port -> 'node.port' (e.g. shared setpoints: 'heat_sp' -> 'heat_sp.out').",
    )


class BindingStatus(StrEnum):
    """How one placeholder of one instance resolved."""

    BOUND = "bound"
    UNRESOLVED = "unresolved"
    AMBIGUOUS = "ambiguous"


class Binding(BmsModel):
    """One placeholder of one instance."""

    port: str = Field(description="The composite port.")
    tags: tuple[Tag, ...] = Field(description="The tags it asked for.")
    status: BindingStatus = Field(description="Bound, unresolved (no point) or ambiguous.")
    point: str | None = Field(default=None, description="The point bound, when bound.")
    candidates: tuple[str, ...] = Field(
        default=(), description="Every matching point (several when ambiguous)."
    )


class InstancePreview(BmsModel):
    """What applying the template does for one piece of equipment."""

    equipment: str = Field(description="Equipment id.")
    equipment_name: str = Field(description="Equipment name.")
    instance: str = Field(description="Id of the composite instance.")
    bindings: tuple[Binding, ...] = Field(description="One per placeholder.")
    complete: bool = Field(
        description="Whether every required placeholder is bound (only then is it instantiated)."
    )


class TemplateChange(BmsModel):
    """A node the (re-)application adds, removes or changes."""

    node: str = Field(description="Node id.")
    change: Literal["added", "removed", "changed"] = Field(description="What happens to it.")
    detail: str = Field(default="", description="What differs, for a changed node.")


class TemplatePreview(BmsModel):
    """Everything applying a template would do, before it is done."""

    template: str = Field(description="Template name.")
    instances: tuple[InstancePreview, ...] = Field(description="One per piece of equipment.")
    instantiated: int = Field(ge=0, description="Instances that would be created or kept.")
    unresolved: int = Field(ge=0, description="Required placeholders without a point.")
    ambiguous: int = Field(ge=0, description="Placeholders that matched several points.")
    changes: tuple[TemplateChange, ...] = Field(
        default=(), description="The diff against the graph as it is."
    )


class TemplateRequest(BmsModel):
    """Preview a template against the devices of the project's IoT service."""

    template: EquipmentTemplate = Field(description="The template.")
    tags: TagFile = Field(
        default_factory=TagFile,
        description="Point tags for this request only, added to the project's own tags.",
    )
    devices: tuple[int, ...] = Field(
        default=(), description="Device instances to consider; every known device if empty."
    )


class TemplateApply(TemplateRequest):
    """Apply a template to the project's graph, based on a revision."""

    revision: int = Field(ge=0, description="The project revision this is based on.")


class PointTags(BmsModel):
    """One point of a device with its tags: set by hand in the project, and by naming rules."""

    point: str = Field(description="Point reference ('2101/analog-input,1').")
    name: str = Field(description="The object's name.")
    object_type: str = Field(description="Object type, e.g. 'analog-input'.")
    explicit: tuple[Tag, ...] = Field(default=(), description="Tags the project sets on it.")
    by_rule: tuple[Tag, ...] = Field(default=(), description="Tags its naming rules give it.")
    tags: tuple[Tag, ...] = Field(default=(), description="All its tags (both sources).")


class DeviceTags(BmsModel):
    """A device's points and their tags, as templates will see them."""

    instance: int = Field(ge=0, description="Device instance.")
    name: str = Field(description="Device name.")
    points: tuple[PointTags, ...] = Field(description="Its points.")


class PointTagsSave(BmsModel):
    """Set the tags the project gives one point by hand (empty: none), based on a revision."""

    revision: int = Field(ge=0, description="The project revision this is based on.")
    point: str = Field(min_length=1, description="Point reference ('2101/analog-input,1').")
    tags: tuple[Tag, ...] = Field(description="Its tags, replacing those set before.")

    _check_tags = field_validator("tags")(_tags)


class TagFileSave(BmsModel):
    """Replace the project's tag file (explicit tags and naming rules), based on a revision."""

    revision: int = Field(ge=0, description="The project revision this is based on.")
    tags: TagFile = Field(description="The new tag file.")
