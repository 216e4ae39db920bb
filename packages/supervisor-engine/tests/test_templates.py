"""Equipment templates: tags from rules and files, binding by tags, preview, re-apply with a diff."""

from __future__ import annotations

import pytest

from bms_schemas import Equipment, Position, TagFile, TaggedPoint, TagRule
from bms_schemas.templates import BindingStatus
from supervisor_engine import (
    TemplateError,
    apply_template,
    default_registry,
    preview_template,
    tag_points,
    validate_graph,
)
from supervisor_engine.equipment import vav_zone_composite, vav_zone_template
from supervisor_engine.testing import GraphBuilder

RULES = TagFile(
    rules=(
        TagRule(
            match="^ZoneTemp", object_type="analog-input", tags=("zone", "air", "temp", "sensor")
        ),
        TagRule(match="DamperCmd$", tags=("damper", "cmd")),
        TagRule(match="ReheatValveCmd$", tags=("reheat", "valve", "cmd")),
    )
)


def box(device: int, name: str, *objects: tuple[str, str, int]) -> Equipment:
    points = [
        TaggedPoint(point=f"{device}/{kind},{inst}/present-value", name=obj, object_type=kind)
        for obj, kind, inst in objects
    ]
    return Equipment(id=str(device), name=name, points=tuple(tag_points(points, RULES)))


FULL = (
    ("ZoneTemp", "analog-input", 1),
    ("DamperCmd", "analog-output", 1),
    ("ReheatValveCmd", "analog-output", 2),
)


def base_graph():
    g = GraphBuilder(flow="zones", period_ms=1000)
    g.node("io.parameter", "heat_sp", value=21.5, min=15.0, max=30.0, unit="degC")
    g.node("io.parameter", "cool_sp", value=22.5, min=15.0, max=30.0, unit="degC")
    return g.build().model_copy(update={"composites": (vav_zone_composite(),)})


def test_rules_and_the_file_add_up_and_respect_the_object_type():
    tags = TagFile(
        points={"5/analog-value,1/present-value": ("zone", "air", "temp", "sp")}, rules=RULES.rules
    )
    points = [
        TaggedPoint(
            point="5/analog-input,1/present-value", name="ZoneTemp", object_type="analog-input"
        ),
        TaggedPoint(
            point="5/analog-value,1/present-value", name="ZoneTempSp", object_type="analog-value"
        ),
    ]
    a, b = tag_points(points, tags)
    assert a.tags == ("air", "sensor", "temp", "zone")
    assert b.tags == ("air", "sp", "temp", "zone"), "the rule is for analog inputs only"


def test_bad_tags_and_patterns_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="not a Haystack tag name"):
        TagRule(match="x", tags=("Zone Temp",))
    with pytest.raises(ValueError, match="not a regular expression"):
        TagRule(match="(", tags=("zone",))


def test_ambiguous_and_unresolved_points_are_reported_and_not_instantiated():
    equipment = [
        box(101, "VAV-1", *FULL),
        box(102, "VAV-2", *FULL, ("ZoneTemp2", "analog-input", 3)),  # two zone temps
        box(103, "VAV-3", *FULL[:2]),  # no reheat valve
    ]
    applied, preview = apply_template(base_graph(), vav_zone_template("zones"), equipment)
    assert preview.instantiated == 1
    assert (preview.unresolved, preview.ambiguous) == (1, 1)
    by_name = {i.equipment_name: i for i in preview.instances}
    [temp] = [b for b in by_name["VAV-2"].bindings if b.port == "temp"]
    assert temp.status is BindingStatus.AMBIGUOUS
    assert temp.candidates == (
        "102/analog-input,1/present-value",
        "102/analog-input,3/present-value",
    )
    assert not by_name["VAV-3"].complete
    assert validate_graph(applied, default_registry()) == []
    assert {n.id for n in applied.nodes} >= {"zone_vav_1", "zone_vav_1-temp", "zone_vav_1-damper"}


def test_reapplying_a_changed_template_previews_the_diff_and_replaces_only_its_nodes():
    equipment = [box(100 + i, f"VAV-{i}", *FULL) for i in (1, 2)]
    template = vav_zone_template("zones")
    first, preview = apply_template(base_graph(), template, equipment)
    assert {c.change for c in preview.changes} == {"added"}
    assert len(preview.changes) == 8  # 2 instances, 3 point nodes each
    moved = first.model_copy(update={"layout": {**first.layout, "zone_vav_1": Position(x=1, y=2)}})

    changed = template.model_copy(update={"params": {"coolBand": 1.5}})
    again = preview_template(moved, changed, equipment[:1])
    assert again.instantiated == 1
    diff = {(c.node, c.change): c.detail for c in again.changes}
    assert diff[("zone_vav_1", "changed")] == "coolBand None -> 1.5"
    assert ("zone_vav_2", "removed") in diff
    assert ("zone_vav_2-temp", "removed") in diff
    assert len(diff) == 5

    second, _ = apply_template(moved, changed, equipment[:1])
    assert {"heat_sp", "cool_sp"} <= {n.id for n in second.nodes}, "the flow's own nodes stay"
    assert second.layout["zone_vav_1"].x == 1, "an instance that stays keeps its place"
    assert "zone_vav_2" not in {n.id for n in second.nodes}
    assert validate_graph(second, default_registry()) == []


def test_a_template_that_does_not_fit_the_graph_is_refused():
    equipment = [box(101, "VAV-1", *FULL)]
    template = vav_zone_template("zones")
    bad = template.model_copy(
        update={
            "placeholders": (
                *template.placeholders,
                template.placeholders[0].model_copy(update={"port": "nope"}),
            )
        }
    )
    with pytest.raises(TemplateError, match="no port 'nope'"):
        apply_template(base_graph(), bad, equipment)
    with pytest.raises(TemplateError, match="no composite"):
        apply_template(base_graph().model_copy(update={"composites": ()}), template, equipment)
    with pytest.raises(TemplateError, match="flow 'elsewhere' does not exist"):
        apply_template(base_graph(), template.model_copy(update={"flow": "elsewhere"}), equipment)
    with pytest.raises(TemplateError, match="node 'nowhere'"):
        apply_template(base_graph(), vav_zone_template("zones", heat_sp="nowhere.out"), equipment)


def test_point_tags_say_which_tags_are_set_by_hand_and_which_by_rule():
    from supervisor_engine import merge_tags, point_tags

    project = TagFile(points={"3/analog-output,1/present-value": ("damper", "cmd", "primary")})
    extra = TagFile(rules=(TagRule(match="^Occ", tags=("occupied", "sensor")),))
    merged = merge_tags(RULES, merge_tags(project, extra))
    points = [
        TaggedPoint(point="3/analog-output,1/present-value", name="DamperCmd", object_type="analog-output"),
        TaggedPoint(point="3/binary-input,1/present-value", name="Occupancy", object_type="binary-input"),
    ]  # fmt: skip
    damper, occupancy = point_tags(points, merged)
    assert damper.explicit == ("cmd", "damper", "primary")
    assert damper.by_rule == ("cmd", "damper")
    assert damper.tags == ("cmd", "damper", "primary")
    assert occupancy.explicit == ()
    assert occupancy.by_rule == ("occupied", "sensor")
    assert [p.tags for p in tag_points(points, merged)] == [damper.tags, occupancy.tags]


def test_a_tag_set_by_hand_can_make_a_binding_ambiguous_and_the_preview_says_so():
    from supervisor_engine import merge_tags

    hand = TagFile(points={"7/analog-input,2/present-value": ("damper", "cmd")})
    points = [
        TaggedPoint(point=f"7/{kind},{inst}/present-value", name=obj, object_type=kind)
        for obj, kind, inst in (*FULL, ("Airflow", "analog-input", 2))
    ]
    item = Equipment(
        id="7", name="VAV-7", points=tuple(tag_points(points, merge_tags(RULES, hand)))
    )
    preview = preview_template(base_graph(), vav_zone_template("zones"), [item])
    [instance] = preview.instances
    [damper] = [b for b in instance.bindings if b.port == "damper"]
    assert damper.status is BindingStatus.AMBIGUOUS
    assert len(damper.candidates) == 2
    assert not instance.complete
    assert preview.ambiguous == 1


def test_new_instances_are_placed_right_of_the_flows_other_blocks_and_kept_ones_stay():
    graph = base_graph().model_copy(
        update={"layout": {"heat_sp": Position(x=0, y=0), "cool_sp": Position(x=200, y=160)}}
    )
    item = box(7, "VAV-7", *FULL)
    applied, _ = apply_template(graph, vav_zone_template("zones"), [item])
    new = {k: v for k, v in applied.layout.items() if k.startswith("zone_")}
    assert min(p.x for p in new.values()) >= 200 + 160
    moved = applied.model_copy(
        update={"layout": {**applied.layout, "zone_vav_7": Position(x=5000, y=5000)}}
    )
    again, _ = apply_template(moved, vav_zone_template("zones"), [item])
    assert again.layout["zone_vav_7"] == Position(x=5000, y=5000)
    assert again.layout["zone_vav_7-temp"] == applied.layout["zone_vav_7-temp"]
