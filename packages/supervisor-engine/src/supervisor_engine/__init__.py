"""The engine library: block registry and catalogue, validation, compiler, evaluator,
scheduler and clocks, bundles and signatures.

It defines flow semantics for the whole system: the headless engine executes
with it, the Designer validates and simulates with it.
"""

from supervisor_engine.block import (
    BlockContext,
    BlockEnv,
    BlockType,
    NoParams,
    Params,
    PointWrite,
    ResolvedPort,
    Role,
    TickInfo,
)
from supervisor_engine.bundle import (
    build_bundle,
    bundle_document,
    canonical_json,
    content_hash,
    load_document,
    load_private_key,
    load_public_key,
    parse_bundle,
    sign_document,
    verify_document,
)
from supervisor_engine.clock import Clock, RealClock, VirtualClock
from supervisor_engine.compiler import Program, compile_bundle, compile_graph
from supervisor_engine.composites import Flattening, definition_hash, flatten_graph, pin_issues
from supervisor_engine.errors import (
    BundleError,
    CompositeError,
    EngineError,
    GraphValidationError,
    KeyFileError,
    SignatureError,
    TemplateError,
    TraceError,
    UnknownBlockTypeError,
)
from supervisor_engine.evaluator import FlowEvaluator, NodeSlots, TickResult
from supervisor_engine.extraction import extract_composite
from supervisor_engine.keys import (
    InvalidSignature,
    SigningKey,
    VerifyKey,
    generate_key,
    key_id,
    private_key_from_pem,
    private_key_pem,
    public_key_from_pem,
    public_key_pem,
)
from supervisor_engine.registry import Registry, default_registry
from supervisor_engine.scheduler import FlowStats, FlowTiming, Scheduler, TickCall
from supervisor_engine.simulation import simulate
from supervisor_engine.templates import (
    apply_template,
    equipment_from_device,
    instance_id,
    merge_tags,
    point_tags,
    preview_template,
    tag_points,
)
from supervisor_engine.traces import InputTrace, OutputTrace, parse_duration, parse_input_csv
from supervisor_engine.validation import validate_bundle, validate_graph

__all__ = [
    "BlockContext",
    "BlockEnv",
    "BlockType",
    "BundleError",
    "Clock",
    "CompositeError",
    "EngineError",
    "Flattening",
    "FlowEvaluator",
    "FlowStats",
    "FlowTiming",
    "GraphValidationError",
    "InputTrace",
    "InvalidSignature",
    "KeyFileError",
    "NoParams",
    "NodeSlots",
    "OutputTrace",
    "Params",
    "PointWrite",
    "Program",
    "RealClock",
    "Registry",
    "ResolvedPort",
    "Role",
    "Scheduler",
    "SignatureError",
    "SigningKey",
    "TemplateError",
    "TickCall",
    "TickInfo",
    "TickResult",
    "TraceError",
    "UnknownBlockTypeError",
    "VerifyKey",
    "VirtualClock",
    "apply_template",
    "build_bundle",
    "bundle_document",
    "canonical_json",
    "compile_bundle",
    "compile_graph",
    "content_hash",
    "default_registry",
    "definition_hash",
    "equipment_from_device",
    "extract_composite",
    "flatten_graph",
    "generate_key",
    "instance_id",
    "key_id",
    "load_document",
    "load_private_key",
    "load_public_key",
    "merge_tags",
    "parse_bundle",
    "parse_duration",
    "parse_input_csv",
    "pin_issues",
    "point_tags",
    "preview_template",
    "private_key_from_pem",
    "private_key_pem",
    "public_key_from_pem",
    "public_key_pem",
    "sign_document",
    "simulate",
    "tag_points",
    "validate_bundle",
    "validate_graph",
    "verify_document",
]
