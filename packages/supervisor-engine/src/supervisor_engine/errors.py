"""Errors of the engine library.

Hierarchy::

    EngineError                      every error raised on purpose; has a stable ``code``
    ├── UnknownBlockTypeError        (KeyError)   a type name the registry does not hold
    ├── GraphValidationError         (ValueError) a graph or bundle that does not validate; has ``issues``
    ├── BundleError                  (ValueError) a bundle file that is not a bundle
    │   └── SignatureError           (ValueError) missing, malformed or not matching signature
    ├── KeyFileError                 (ValueError) a key file that is not an Ed25519 key
    ├── TraceError                   (ValueError) an input trace that does not parse
    ├── TemplateError                (ValueError) an equipment template that does not fit the graph
    └── CompositeError               (ValueError) a selection that cannot become a composite

A block's own exception during a tick is not an EngineError: the evaluator
captures it, faults the node and goes on.
"""

from __future__ import annotations

from bms_schemas import ValidationIssue


class EngineError(Exception):
    """Base class: every deliberate error of the engine library."""

    code = "engine_error"


class UnknownBlockTypeError(EngineError, KeyError):
    """A block type name the registry does not hold."""

    code = "unknown_block_type"

    def __init__(self, type_name: str) -> None:
        super().__init__(type_name)
        self.type_name = type_name

    def __str__(self) -> str:
        return f"unknown block type {self.type_name!r}"


class GraphValidationError(EngineError, ValueError):
    """A graph or bundle with validation issues."""

    code = "graph_invalid"

    def __init__(self, issues: list[ValidationIssue]) -> None:
        self.issues = issues
        lines = [f"{len(issues)} validation issue(s):"]
        lines += [f"  [{i.code.value}] {i.message}" for i in issues]
        super().__init__("\n".join(lines))


class BundleError(EngineError, ValueError):
    """A bundle document that cannot be read as a bundle."""

    code = "bundle_invalid"


class SignatureError(BundleError):
    """A bundle signature that is missing, malformed or does not match."""

    code = "signature_invalid"


class KeyFileError(EngineError, ValueError):
    """A key file that does not hold an Ed25519 key."""

    code = "key_invalid"


class TraceError(EngineError, ValueError):
    """An input trace (CSV) that does not parse."""

    code = "trace_invalid"


class TemplateError(EngineError, ValueError):
    """An equipment template that does not fit the graph (composite, port, flow, ids)."""

    code = "template_invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class CompositeError(EngineError, ValueError):
    """A selection that cannot be made into a composite (several flows, unknown blocks, a bad name)."""

    code = "composite_invalid"
