"""The demo project ships with limits on every point it commands, carried into its bundle."""

from __future__ import annotations

from bms_schemas import LimitAction
from bms_schemas.designer import ProjectContent
from bms_stack.demo import demo_content
from bms_stack.demo_project import demo_graph, demo_points
from designer.building import project_bundle
from supervisor_engine import default_registry


def test_every_commanded_point_of_the_demo_has_limits_in_its_bundle() -> None:
    for points in (demo_points(), demo_points(zones=16, modbus_vfd=9002)):
        content = ProjectContent.model_validate(demo_content(demo_graph(points)))
        bundle, issues = project_bundle(
            content, default_registry(), version="1.0.0", created_by="test"
        )
        assert issues == []
        commanded = {
            str(n.params["point"]) for n in bundle.graph.nodes if n.type == "io.point-output"
        }
        limited = {str(c.point) for c in bundle.constraints}
        assert bundle.constraints
        assert commanded == limited
        assert bundle.defaults.limit_action is LimitAction.CLAMP
        percent = [c for c in bundle.constraints if c.max is not None]
        assert percent
        assert all((c.min, c.max) == (0.0, 100.0) for c in percent)
