"""Bundles: build from a project graph, canonical JSON, content hash, Ed25519 signatures.

The signature covers the RFC 8785 canonical JSON of the bundle document
without its ``signature`` field. Verification works on the document as
received (a parsed JSON object), never on a re-serialised model, so that a
field this library fills in by default cannot change what was signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785
from pydantic import ValidationError

from bms_schemas import (
    SCHEMA_VERSION,
    Bundle,
    BundleDefaults,
    BundleProject,
    BundleSchedules,
    BundleSignature,
    Graph,
    IssueCode,
    PointConstraint,
    SchemaVersionError,
    ValidationIssue,
    check_schema_version,
)
from supervisor_engine.composites import flatten_graph
from supervisor_engine.errors import (
    BundleError,
    GraphValidationError,
    KeyFileError,
    SignatureError,
)
from supervisor_engine.keys import (
    InvalidSignature,
    SigningKey,
    VerifyKey,
    key_id,
    private_key_from_pem,
    public_key_from_pem,
)
from supervisor_engine.registry import Registry

SIGNATURE_FIELD = "signature"


def build_bundle(
    graph: Graph,
    registry: Registry,
    *,
    version: str,
    created_by: str,
    created_at: datetime | None = None,
    constraints: Iterable[PointConstraint] = (),
    defaults: BundleDefaults | None = None,
    schedules: BundleSchedules | None = None,
    project: BundleProject | None = None,
) -> Bundle:
    """An unsigned bundle of ``graph`` (without its layout), declaring the block types it uses.

    Composite instances are flattened into ordinary blocks (the engine never
    sees one) and the composite versions used are pinned in ``composites``.
    An instance that cannot be flattened stays as drawn, for validation to report.
    """
    flat = flatten_graph(graph, registry)
    logic = flat.graph.logic()
    used = sorted({node.type for node in logic.nodes})
    return Bundle(
        version=version,
        schema_version=SCHEMA_VERSION,
        created_at=created_at or datetime.now(UTC),
        created_by=created_by,
        project=project,
        node_types={t: registry.get(t).version for t in used if t in registry},
        graph=logic,
        composites=flat.pins,
        schedules=schedules or BundleSchedules(),
        defaults=defaults or BundleDefaults(),
        constraints=tuple(constraints),
    )


def bundle_document(bundle: Bundle) -> dict[str, Any]:
    """The bundle as the JSON object that is signed, stored and sent."""
    return bundle.model_dump(mode="json", by_alias=True)


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """RFC 8785 canonical JSON of the document without its signature."""
    body = {k: v for k, v in document.items() if k != SIGNATURE_FIELD}
    try:
        return rfc8785.dumps(body)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as err:
        raise BundleError(f"bundle cannot be put in canonical JSON: {err}") from err


def content_hash(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the canonical JSON: the bundle's identity, signature aside."""
    return "sha256:" + hashlib.sha256(canonical_json(document)).hexdigest()


def sign_document(document: Mapping[str, Any], private_key: SigningKey) -> dict[str, Any]:
    """A copy of the document with a signature over the rest of it."""
    signature = private_key.sign(canonical_json(document))
    signed = {k: v for k, v in document.items() if k != SIGNATURE_FIELD}
    signed[SIGNATURE_FIELD] = BundleSignature(
        key_id=key_id(private_key.public_key()),
        value=base64.b64encode(signature).decode("ascii"),
    ).model_dump(mode="json", by_alias=True)
    return signed


def verify_document(document: Mapping[str, Any], trusted: Iterable[VerifyKey]) -> VerifyKey:
    """Check the document's signature against the trusted keys; returns the key that signed it.

    Raises :class:`SignatureError` when the document is unsigned, the signature is malformed,
    no trusted key has its key id, or the signature does not match the content.
    """
    raw = document.get(SIGNATURE_FIELD)
    if raw is None:
        raise SignatureError("bundle is not signed")
    try:
        signature = BundleSignature.model_validate(raw)
        signature_bytes = base64.b64decode(signature.value, validate=True)
    except (ValidationError, binascii.Error) as err:
        raise SignatureError(f"bundle signature is malformed: {err}") from err
    keys = {key_id(k): k for k in trusted}
    public_key = keys.get(signature.key_id)
    if public_key is None:
        raise SignatureError(
            f"bundle is signed by key {signature.key_id}, which is not trusted "
            f"(trusted: {', '.join(sorted(keys)) or 'none'})"
        )
    try:
        public_key.verify(signature_bytes, canonical_json(document))
    except InvalidSignature:
        raise SignatureError(
            "bundle signature does not match its content: the bundle was changed after signing"
        ) from None
    return public_key


def parse_bundle(document: Mapping[str, Any]) -> Bundle:
    """The bundle model of a document; :class:`BundleError` naming the first bad field.

    A bundle of a schema this library cannot run is refused for that reason
    (:class:`GraphValidationError` with an ``unsupported_schema_version``
    issue) before its fields are read: a newer schema may carry fields this
    library does not know, and "extra field 'x'" would hide the real cause.
    """
    declared = document.get("schemaVersion")
    if isinstance(declared, str):
        try:
            check_schema_version(declared)
        except SchemaVersionError as err:
            raise GraphValidationError(
                [
                    ValidationIssue(
                        code=IssueCode.UNSUPPORTED_SCHEMA_VERSION,
                        message=str(err),
                        field="schemaVersion",
                    )
                ]
            ) from err
    try:
        return Bundle.model_validate(document)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "bundle"
        raise BundleError(
            f"not a valid bundle: {where}: {first['msg']} ({err.error_count()} error(s))"
        ) from err


def load_document(path: Path) -> dict[str, Any]:
    """Read a bundle file as a JSON object."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise BundleError(f"cannot read {path}: {err.strerror}") from err
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise BundleError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(document, dict):
        raise BundleError(f"{path} does not hold a JSON object")
    return document


def load_private_key(path: Path) -> SigningKey:
    """An Ed25519 private key from a PEM file (PKCS#8, unencrypted)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise KeyFileError(f"{path} is not a readable unencrypted PEM private key: {err}") from err
    try:
        return private_key_from_pem(data)
    except KeyFileError as err:
        raise KeyFileError(f"{path} is not a readable unencrypted PEM private key: {err}") from err


def load_public_key(path: Path) -> VerifyKey:
    """An Ed25519 public key from a PEM file (SubjectPublicKeyInfo)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise KeyFileError(f"{path} is not a readable PEM public key: {err}") from err
    try:
        return public_key_from_pem(data)
    except KeyFileError as err:
        raise KeyFileError(f"{path} is not a readable PEM public key: {err}") from err
