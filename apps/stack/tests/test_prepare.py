"""A service's preparation step runs to completion before it starts: the Designer's
database is migrated by ``designer migrate`` in a process of its own, so the server never
loads alembic (about 10 MB it would keep for its whole life)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bms_stack.services import ServiceSpec, run_prepare
from bms_stack.stack import StackConfig, service_specs


def _spec(tmp_path: Path, prepare: list[str] | None) -> ServiceSpec:
    return ServiceSpec(
        name="svc", argv=[sys.executable, "-c", "pass"], env={}, log=tmp_path / "logs" / "svc.log",
        ready=lambda: True, url="http://127.0.0.1:1", prepare=prepare,
    )  # fmt: skip


def test_the_designer_is_migrated_before_it_serves(tmp_path: Path) -> None:
    simulator = tmp_path / "sim.yaml"
    simulator.write_text("devices: []\n")
    config = StackConfig(data_dir=tmp_path, simulator=simulator)
    designer = next(s for s in service_specs(config) if s.name == "designer")
    assert designer.prepare is not None
    assert designer.prepare[1:] == ["migrate"]
    assert Path(designer.prepare[0]).name == "designer"


def test_a_preparation_step_writes_to_the_service_log(tmp_path: Path) -> None:
    spec = _spec(tmp_path, [sys.executable, "-c", "print('migrated to head')"])
    run_prepare(spec)
    assert "migrated to head" in spec.log.read_text()


def test_a_failed_preparation_step_stops_the_start_and_names_the_log(tmp_path: Path) -> None:
    spec = _spec(tmp_path, [sys.executable, "-c", "import sys; print('no disk'); sys.exit(3)"])
    with pytest.raises(RuntimeError, match=r"svc: .* failed \(exit 3\); see .*svc\.log"):
        run_prepare(spec)
    assert "no disk" in spec.log.read_text()


def test_a_service_without_a_preparation_step_starts_as_it_is(tmp_path: Path) -> None:
    run_prepare(_spec(tmp_path, None))
    assert not (tmp_path / "logs" / "svc.log").exists()
