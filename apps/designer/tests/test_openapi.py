"""The committed OpenAPI document is the one the code makes."""

from __future__ import annotations

import json
from pathlib import Path

from designer.cli import openapi_document

COMMITTED = Path(__file__).parents[1] / "openapi.json"
REGENERATE = "uv run designer openapi -o apps/designer/openapi.json"


def test_committed_openapi_document_is_current():
    current = openapi_document()
    assert COMMITTED.exists(), f"missing {COMMITTED}; run: {REGENERATE}"
    assert COMMITTED.read_text() == current, f"{COMMITTED} is stale; run: {REGENERATE}"


def test_operation_ids_are_clean_and_unique():
    document = json.loads(openapi_document())
    ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert all(i.isidentifier() and "_" not in i for i in ids), ids
    assert "listProjects" in ids
