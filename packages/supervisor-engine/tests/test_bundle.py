from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from supervisor_engine import (
    BundleError,
    SignatureError,
    bundle_document,
    canonical_json,
    content_hash,
    generate_key,
    key_id,
    parse_bundle,
    sign_document,
    verify_document,
)
from supervisor_engine.testing import GraphBuilder, make_bundle


def document() -> dict:
    g = GraphBuilder()
    t = g.node("io.point-input", "t", point="1/analog-input,1")
    o = g.node("io.point-output", "o", point="1/analog-output,1", priority=8)
    g.wire(t, "value", o, "value")
    return bundle_document(make_bundle(g.build(), version="2.1.0"))


def shuffled(value, rng):
    """The same JSON value with every object's keys in another order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [shuffled(v, rng) for v in value]
    return value


@given(st.randoms(use_true_random=False))
def test_canonical_json_is_stable_under_key_reordering(rng):
    original = document()
    reordered = shuffled(original, rng)
    assert canonical_json(reordered) == canonical_json(original)
    assert content_hash(reordered) == content_hash(original)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.randoms(use_true_random=False)
)
def test_canonical_json_of_any_object_ignores_key_order_and_whitespace(obj, rng):
    text = json.dumps(shuffled(obj, rng), indent=3)
    assert canonical_json(json.loads(text)) == canonical_json(obj)


def test_canonical_json_sorts_keys_and_normalises_numbers():
    assert canonical_json({"b": 1.0, "a": [1e21, 0.1], "signature": {"x": 1}}) == (
        b'{"a":[1e+21,0.1],"b":1}'
    )


def test_integers_json_cannot_carry_exactly_are_refused():
    with pytest.raises(BundleError, match="canonical JSON"):
        canonical_json({"big": 2**53})


def test_signature_leaves_out_itself_and_verifies():
    key = generate_key()
    signed = sign_document(document(), key)
    assert signed["signature"]["algorithm"] == "ed25519"
    assert signed["signature"]["keyId"] == key_id(key.public_key())
    assert verify_document(signed, [generate_key().public_key(), key.public_key()]) is not None
    assert content_hash(signed) == content_hash(document())
    assert parse_bundle(signed).signature is not None


def test_any_change_after_signing_breaks_the_signature():
    key = generate_key()
    signed = sign_document(document(), key)
    tampered = copy.deepcopy(signed)
    tampered["graph"]["nodes"][1]["params"]["priority"] = 7
    with pytest.raises(SignatureError, match="does not match"):
        verify_document(tampered, [key.public_key()])


def test_unsigned_untrusted_and_malformed_signatures_are_refused():
    key = generate_key()
    with pytest.raises(SignatureError, match="not signed"):
        verify_document(document(), [key.public_key()])
    signed = sign_document(document(), key)
    with pytest.raises(SignatureError, match="not trusted"):
        verify_document(signed, [generate_key().public_key()])
    broken = signed | {"signature": signed["signature"] | {"value": "***"}}
    with pytest.raises(SignatureError, match="malformed"):
        verify_document(broken, [key.public_key()])


def test_parse_bundle_names_the_bad_field():
    bad = document()
    bad["graph"]["flows"][0]["schedule"]["periodMs"] = "soon"
    with pytest.raises(BundleError, match=r"graph\.flows\.0\.schedule\.periodMs"):
        parse_bundle(bad)


def test_bundles_leave_layout_out_and_declare_their_block_types():
    g = GraphBuilder()
    g.node("io.constant", "k", value=1.0)
    graph = g.build().model_copy(update={"layout": {"k": {"x": 1.0, "y": 2.0}}})
    doc = bundle_document(make_bundle(graph))
    assert doc["graph"]["layout"] == {}
    assert doc["nodeTypes"] == {"io.constant": 1}
