"""Dependencies point one way: bms_schemas <- supervisor_engine, bms_service <- apps."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "bms-schemas/src/bms_schemas": {
        "supervisor_engine",
        "iot_supervisor",
        "headless_engine",
        "designer",
        "fastapi",
    },
    "supervisor-engine/src/supervisor_engine": {
        "iot_supervisor",
        "headless_engine",
        "designer",
        "bms_stack",
        "bms_service",
        "fastapi",
        "starlette",
    },
    # The services' shared plumbing: schemas and the web framework, no engine and no app.
    "bms-service/src/bms_service": {
        "supervisor_engine",
        "iot_supervisor",
        "headless_engine",
        "designer",
        "bms_stack",
    },
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_libraries_do_not_import_what_depends_on_them(package):
    sources = list((PACKAGES / package).rglob("*.py"))
    assert sources, f"no sources under {package}"
    offenders = {
        str(p.relative_to(PACKAGES)): sorted(imported_roots(p) & FORBIDDEN[package])
        for p in sources
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_schemas_do_no_io():
    io_modules = {"socket", "sqlite3", "httpx", "requests", "asyncio", "subprocess", "open"}
    for path in (PACKAGES / "bms-schemas/src/bms_schemas").rglob("*.py"):
        assert not (imported_roots(path) & io_modules), path


@pytest.mark.parametrize(
    ("package", "helpers"),
    [
        ("supervisor-engine/src/supervisor_engine", "supervisor_engine.testing"),
        ("bms-service/src/bms_service", "bms_service.testing"),
    ],
)
def test_production_code_does_not_import_test_helpers(package, helpers):
    sources = [p for p in (PACKAGES / package).rglob("*.py") if p.name != "testing.py"]
    offenders = [str(p.relative_to(PACKAGES)) for p in sources if helpers in imported_modules(p)]
    assert offenders == []
