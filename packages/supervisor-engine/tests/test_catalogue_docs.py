from __future__ import annotations

import json
from pathlib import Path

from supervisor_engine import default_registry
from supervisor_engine.catalogue_docs import REGENERATE, render_markdown

DOCS = Path(__file__).resolve().parents[3] / "docs" / "blocks.md"


def test_docs_blocks_md_is_current():
    current = render_markdown(default_registry())
    committed = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert committed == current, f"docs/blocks.md is stale; regenerate it with: {REGENERATE}"


def test_every_block_is_documented_with_its_parameters():
    text = render_markdown(default_registry())
    for block in default_registry():
        assert f"### `{block.type}`" in text
        for name in block.params.model_json_schema(by_alias=True).get("properties", {}):
            assert f"| `{name}` |" in text, f"{block.type}.{name} is not documented"


def test_catalogue_json_lists_every_block_with_a_parameter_schema():
    registry = default_registry()
    catalogue = json.loads(registry.catalogue().model_dump_json())
    assert [b["type"] for b in catalogue["blocks"]] == [b.type for b in registry]
    for block in catalogue["blocks"]:
        assert block["paramsSchema"]["type"] == "object", block["type"]
        assert block["doc"], block["type"]
        assert block["category"], block["type"]
        for port in block["inputs"] + block["outputs"]:
            assert port["type"] is not None or port["typeParam"] is not None, (block["type"], port)
