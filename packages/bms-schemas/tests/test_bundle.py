from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from bms_schemas import (
    SCHEMA_VERSION,
    Bundle,
    Graph,
    PointConstraint,
    SchemaVersionError,
    check_schema_version,
)


def minimal(**overrides) -> dict:
    document = {
        "version": "1.2.3",
        "createdAt": "2025-01-01T00:00:00Z",
        "createdBy": "alice",
        "graph": {"flows": [], "nodes": [], "edges": []},
    }
    return document | overrides


def test_bundle_has_the_drafts_top_level_fields_in_camel_case():
    dumped = Bundle.model_validate(minimal()).model_dump(mode="json")
    assert set(dumped) == {
        "version",
        "schemaVersion",
        "createdAt",
        "createdBy",
        "project",
        "nodeTypes",
        "graph",
        "composites",
        "schedules",
        "defaults",
        "constraints",
        "signature",
    }
    assert dumped["schemaVersion"] == SCHEMA_VERSION


@pytest.mark.parametrize("version", ["1", "1.2", "01.2.3", "1.2.3.4", "v1.2.3", ""])
def test_version_must_be_semver(version):
    with pytest.raises(ValidationError, match="version"):
        Bundle.model_validate(minimal(version=version))


@pytest.mark.parametrize("version", ["0.0.1", "1.2.3-rc.1", "10.20.30+build.5"])
def test_semver_with_prerelease_and_build_is_accepted(version):
    assert Bundle.model_validate(minimal(version=version)).version == version


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="extra"):
        Bundle.model_validate(minimal(colour="blue"))


@pytest.mark.parametrize("version", [SCHEMA_VERSION, "1.0"])
def test_same_major_and_older_minor_run(version):
    check_schema_version(version)


@pytest.mark.parametrize(
    ("version", "supported"), [("2.0", "1.0"), ("1.1", "1.0"), ("0.9", "1.0"), ("x", "1.0")]
)
def test_other_major_or_newer_minor_is_refused(version, supported):
    with pytest.raises(SchemaVersionError, match=version):
        check_schema_version(version, supported)


def test_layout_is_not_logic():
    graph = Graph.model_validate(
        {
            "flows": [{"id": "f", "name": "F", "schedule": {"periodMs": 1000}}],
            "nodes": [{"id": "a", "type": "io.constant", "flow": "f"}],
            "layout": {"a": {"x": 10, "y": 20}},
        }
    )
    assert graph.logic().layout == {}
    assert graph.logic().nodes == graph.nodes


def test_constraint_limits_are_consistent():
    with pytest.raises(ValidationError, match=r"min 5\.0 is above max 1\.0"):
        PointConstraint(point="1/analog-output,1", min=5, max=1)
    with pytest.raises(ValidationError, match="fallback value"):
        PointConstraint(point="1/analog-output,1", degraded="fallback")
    with pytest.raises(ValidationError, match="min_priority"):
        PointConstraint(point="1/analog-output,1", min_priority=12, max_priority=8)
    allowed = PointConstraint(point="1/analog-output,1", min_priority=8, max_priority=16)
    assert allowed.allows_priority(8)
    assert not allowed.allows_priority(7)


def test_bundle_round_trips_through_json():
    bundle = Bundle.model_validate(minimal())
    again = Bundle.model_validate_json(bundle.model_dump_json())
    assert again == bundle
    assert again.created_at == datetime(2025, 1, 1, tzinfo=UTC)
