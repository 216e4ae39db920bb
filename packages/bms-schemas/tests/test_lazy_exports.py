"""The package's names load on first use, each from the module its table names."""

from __future__ import annotations

import importlib
import types

import pytest

import bms_schemas
from bms_schemas.lazy import lazy_exports


def test_every_exported_name_is_the_object_of_the_module_its_table_names() -> None:
    exports = bms_schemas._EXPORTS
    assert sorted(bms_schemas.__all__) == sorted(exports)
    for name, module in exports.items():
        assert getattr(bms_schemas, name) is getattr(importlib.import_module(module), name), name


def test_a_name_is_imported_once_then_found_directly() -> None:
    package = types.ModuleType("pkg")
    package.__getattr__ = lazy_exports("pkg", {"dumps": "json"}, vars(package))  # type: ignore[method-assign]
    assert "dumps" not in vars(package)
    import json

    assert package.dumps is json.dumps
    assert vars(package)["dumps"] is json.dumps


def test_an_unknown_name_is_an_attribute_error_naming_the_package() -> None:
    with pytest.raises(AttributeError, match="module 'bms_schemas' has no attribute 'Nope'"):
        bms_schemas.Nope  # noqa: B018
